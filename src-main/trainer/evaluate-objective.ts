/**
 * Evaluates an objective on one explicit batch: the loss, d loss / d logpNew per sequence, d loss /
 * d phi for the learnable p, and the batch telemetry. This is what `hmpo-lab objective` prints so a
 * user can cross-check our numbers against TRL or verl; the training loop does not use it.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedObjective } from '../../src-shared/objective-config.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import { initialPhi, policyLoss } from './objectives.js';
import { batchFromSequences, type SequenceLogProbs } from './policy-batch.js';
import { batchTelemetry } from './batch-telemetry.js';

export interface ObjectiveEvaluation {
  readonly loss: number;
  /** d loss / d logpNew, one array per sequence (its own length, no padding). */
  readonly grad: number[][];
  /** d loss / d phi, for the learnable preset only (phi starts where p = pInit). */
  readonly gradPhi?: number;
  readonly metrics: MetricValues;
  readonly logRatioHistogram: number[];
}

export function evaluateObjective(objective: ResolvedObjective, sequences: readonly SequenceLogProbs[]): ObjectiveEvaluation {
  const learnable = objective.mean.kind === 'learnable' && objective.level === 'sequence';
  return tf.tidy(() => {
    const batch = batchFromSequences(sequences);
    const phi = learnable ? tf.scalar(initialPhi(objective)) : undefined;
    const lossOf = (logpNew: tf.Tensor, phiT?: tf.Tensor) => policyLoss({ ...batch, logpNew: logpNew as tf.Tensor2D }, objective, phiT as tf.Scalar | undefined);
    // tfjs refuses to differentiate with respect to an input the loss does not use, so phi joins only when learnable.
    const { value, grads } = phi
      ? tf.valueAndGrads((logpNew: tf.Tensor, phiT: tf.Tensor) => lossOf(logpNew, phiT))([batch.logpNew, phi])
      : tf.valueAndGrads((logpNew: tf.Tensor) => lossOf(logpNew))([batch.logpNew]);
    const width = batch.logpNew.shape[1];
    const flat = grads[0]!.dataSync();
    const grad = sequences.map((s, i) => Array.from(flat.subarray(i * width, i * width + s.logpNew.length)));
    const telemetry = batchTelemetry(batch, objective, phi);
    return {
      loss: value.dataSync()[0]!,
      grad,
      ...(learnable ? { gradPhi: grads[1]!.dataSync()[0]! } : {}),
      metrics: telemetry.metrics,
      logRatioHistogram: telemetry.logRatioHistogram,
    };
  });
}
