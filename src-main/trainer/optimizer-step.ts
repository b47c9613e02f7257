/**
 * One optimizer step on a minibatch of a rollout, in one place: teacher-forced forward, the
 * objective's loss and its gradient, the non-finite guard, global grad-norm clip, the update
 * (QK-clip after it) and the batch telemetry. train.ts calls it once per minibatch and
 * bench/trainer-bench.ts times it, so the benchmark measures exactly what training runs. It does
 * not count skips, emit events or pick the learning rate: the caller passes the rate per call
 * (a controller may scale it) and handles what comes back.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedObjective } from '../../src-shared/objective-config.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { QkHeadClip } from '../../src-shared/step-record.js';
import { batchTelemetry } from './batch-telemetry.js';
import { sumOfSquares } from './kernels/kernel-io.js';
import { maskedMean, policyLoss, withEntropyBonus, type PolicyBatch } from './objectives.js';
import type { QkClipOptimizer } from './optim/qk-clip.js';
import type { Optimizer, Param } from './parameters.js';
import type { PolicyModel } from './policy-model.js';
import { minibatchTensors, type Rollout } from './rollout.js';
import { completionLogProbs } from './sampling.js';

/** What a step works on; fixed for a run except the objective (see below). */
export interface StepContext {
  readonly model: PolicyModel;
  /** Every trainable parameter: the model's, plus the learnable p's phi when the objective has one. */
  readonly params: readonly Param[];
  readonly optimizer: Optimizer;
  readonly qkClip: QkClipOptimizer | null;
  readonly config: RunConfig;
  /** Not readonly: an AGM controller in the loop may change p or the clips between steps. */
  objective: ResolvedObjective;
  readonly phi?: tf.Scalar;
}

/** Phases of one step, in order (bench/trainer-bench.ts --breakdown times each). */
export type StepPhase = 'forward_backward' | 'grad_norm' | 'telemetry' | 'optimizer';

export interface StepOptions {
  /** This step's base learning rate (per-parameter overrides such as phi's keep their own). */
  readonly learningRate: number;
  /** Called as each phase ends (benchmark breakdown). */
  readonly mark?: (phase: StepPhase) => void;
}

/** What one optimizer step produced (plain data, read out of its tidy scope). */
export interface StepUpdate {
  /** True when the loss or the gradient was not finite: nothing was updated. */
  readonly skipped: boolean;
  readonly loss: number;
  readonly gradNorm: number;
  readonly metrics: MetricValues;
  readonly qk: { maxLogits: number[][]; clipped: QkHeadClip[] };
  readonly logRatioHistogram: number[];
}

/**
 * An identity on logpNew whose backward pass hands the incoming gradient (d loss / d logpNew) to
 * `sink` as well as passing it on: telemetry's ESS needs exactly that gradient, and re-deriving it
 * cost a second forward and backward of the objective.
 */
function tapGradient(sink: { grad?: tf.Tensor }) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.clone(x),
      gradFunc: (dy: tf.Tensor) => {
        sink.grad = tf.keep(tf.clone(dy));
        return [dy];
      },
    };
  });
}

/** One optimizer step on the rows `indices` of the rollout: loss, guard, clip, update, telemetry. */
export function optimizerStep(ctx: StepContext, rollout: Rollout, indices: readonly number[], options: StepOptions): StepUpdate {
  let result: StepUpdate | undefined;
  tf.tidy(() => {
    result = stepInScope(ctx, rollout, indices, options);
  });
  return result!;
}

function stepInScope(ctx: StepContext, rollout: Rollout, indices: readonly number[], options: StepOptions): StepUpdate {
  const { model, params, optimizer, qkClip, config, objective, phi } = ctx;
  const mark = options.mark ?? (() => undefined);
  const nameOf = new Map(params.map((p) => [p.variable.name, p.name]));
  const { tokens: tokenRows, scored, batch } = minibatchTensors(rollout, indices);
  const kept: { logpNew?: tf.Tensor2D; attnMax?: tf.Tensor2D; entropy?: tf.Scalar; policyLoss?: tf.Scalar } = {};
  const lossGradient: { grad?: tf.Tensor } = {};
  // ALGO: forward the current policy, then the objective's loss (and its gradient).
  const { value: loss, grads } = tf.variableGrads(() => {
    const scores = completionLogProbs(model, tokenRows, config.promptLength, config.temperature, scored);
    kept.logpNew = tf.keep(scores.logp);
    kept.attnMax = tf.keep(scores.attnMaxLogits);
    const meanEntropy = maskedMean(scores.entropy, batch.mask);
    kept.entropy = tf.keep(meanEntropy);
    const logpNew = tapGradient(lossGradient)(scores.logp) as tf.Tensor2D;
    const policy = policyLoss({ ...batch, logpNew }, objective, phi);
    // Telemetry reports the objective's own loss; the entropy bonus (objective.entCoef) only steers the update.
    kept.policyLoss = tf.keep(policy);
    return withEntropyBonus(policy, meanEntropy, objective.entCoef);
  }, params.map((p) => p.variable));
  mark('forward_backward');
  const gradList = Object.values(grads);
  const normValue = Math.sqrt(gradList.reduce((total, g) => total + sumOfSquares(g), 0));
  const [lossValue, entropy] = tf.stack([loss, kept.entropy!]).dataSync() as unknown as [number, number];
  const sMax = kept.attnMax!.arraySync() as number[][];
  mark('grad_norm');
  const fullBatch: PolicyBatch = { ...batch, logpNew: kept.logpNew! };
  const telemetry = batchTelemetry(fullBatch, objective, phi, { loss: kept.policyLoss!, lossGradient: lossGradient.grad });
  [kept.logpNew, kept.attnMax, kept.entropy, kept.policyLoss, lossGradient.grad].forEach((t) => t?.dispose());
  mark('telemetry');

  const metrics: MetricValues = { ...telemetry.metrics, 'losses/entropy': entropy, 'optim/grad_norm': normValue };
  const monitored = sMax.length * (sMax[0]?.length ?? 0);
  const qkMetrics = (clipped: number) => ({ 'optim/qk_max_logit': Math.max(...sMax.flat()), 'optim/qk_heads_monitored': monitored, 'optim/qk_heads_clipped': clipped, 'optim/qk_clip_rate': monitored > 0 ? clipped / monitored : 0 });
  // ALGO: non-finite guard: skip the step (the caller counts it and fails the run after N in a row).
  if (!Number.isFinite(lossValue) || !Number.isFinite(normValue)) {
    return { skipped: true, loss: lossValue, gradNorm: normValue, metrics: { ...metrics, ...qkMetrics(0) }, qk: { maxLogits: sMax, clipped: [] }, logRatioHistogram: telemetry.logRatioHistogram };
  }
  // ALGO: global grad-norm clip, then the update; QK-clip rescales heads over tau afterwards.
  const gradScale = config.gradClip !== null && normValue > config.gradClip ? config.gradClip / (normValue + 1e-6) : 1;
  const named = new Map(Object.entries(grads).map(([variableName, g]) => [nameOf.get(variableName)!, g]));
  qkClip?.setAttentionMaxLogits(sMax);
  optimizer.step(named, { learningRate: options.learningRate, gradScale });
  mark('optimizer');
  const clipped: QkHeadClip[] = qkClip?.lastStats?.clippedHeads.map((h) => ({ layer: h.layer, head: h.head, sMax: h.sMax, gamma: h.gamma })) ?? [];
  return { skipped: false, loss: lossValue, gradNorm: normValue, metrics: { ...metrics, ...qkMetrics(clipped.length) }, qk: { maxLogits: sMax, clipped }, logRatioHistogram: telemetry.logRatioHistogram };
}
