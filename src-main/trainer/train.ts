/**
 * THE training loop, read top to bottom (CleanRL/nanoGPT style): rollout -> rewards -> advantages
 * -> minibatches x epochs of off-policy updates -> telemetry. `ALGO` marks the method, `BOILERPLATE`
 * the plumbing. It runs wherever it is called (the trainer child process in the app and CLI) and
 * reports through hooks; it never touches the database, the network or the terminal.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveObjective } from '../../src-shared/objective-config.js';
import type { CheckpointPayload, CheckpointTensor } from '../../src-shared/checkpoint.js';
import { derived, type RunConfig } from '../../src-shared/run-config.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import type { StepRecord, TrainEvent, TrainOutcome } from '../../src-shared/step-record.js';
import { VOCAB_SIZE } from '../../src-shared/tasks.js';
import { initBackend, type BackendName } from './backend.js';
import { evaluateGreedy } from './evaluate.js';
import { initialPhi } from './objectives.js';
import { buildOptimizer } from './optim/build-optimizer.js';
import type { Param } from './parameters.js';
import { PolicyModel } from './policy-model.js';
import { Rng } from './rng.js';
import { optimizerStep, type StepContext } from './optimizer-step.js';
import { collectRollout, type Rollout } from './rollout.js';
import { TASK_IMPLEMENTATIONS } from './tasks/index.js';
import { TrainerControl } from './trainer-control.js';
import { warmStart } from './warm-start.js';

export interface TrainHooks {
  /** Called once the backend and model are ready, before the first rollout. */
  onStart?(info: { backend: BackendName; parameterCount: number }): void;
  /** One record per optimizer step, in order. */
  onStep(record: StepRecord): void;
  onEvent(event: TrainEvent): void;
  /** Polled between optimizer steps; returning true ends the run as 'stopped'. */
  shouldStop(): boolean;
  /** Weights to keep: every checkpointEvery steps ('periodic') and when training ends ('final'). */
  onCheckpoint?(checkpoint: CheckpointPayload): void;
}

/** Lets the host process handle messages (a stop request) between steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fisher-Yates permutation of 0..n-1 from the seeded stream. */
function permutation(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export interface TrainOptions {
  /** Start from these weights (a checkpoint) instead of the seeded initialisation. */
  readonly initialWeights?: ReadonlyMap<string, CheckpointTensor>;
}

export async function train(config: RunConfig, hooks: TrainHooks, options: TrainOptions = {}): Promise<TrainOutcome> {
  // BOILERPLATE: backend, seeded streams, task, objective, model, optimizer.
  const backend = await initBackend(config.backend);
  const { minibatchSize } = derived(config);
  const root = new Rng(config.seed);
  const rng = { prompts: root.fork('prompts'), sampling: root.fork('sampling'), order: root.fork('minibatch-order'), warmStart: root.fork('warm-start') };
  const task = TASK_IMPLEMENTATIONS[config.task];
  // `let`: a controlled run (RunConfig `controller`) trains with the clip scale and p in force.
  const objective = resolveObjective(config.objective);
  const model = new PolicyModel({ vocabSize: VOCAB_SIZE, maxSeqLen: config.promptLength + config.completionLength, ...config.model, seed: config.seed });
  if (options.initialWeights) model.setWeights(options.initialWeights);
  // tf.variable keeps its initial tensor alive, so build it inside a tidy.
  const phi = objective.level === 'sequence' && objective.mean.kind === 'learnable' ? tf.tidy(() => tf.variable(tf.scalar(initialPhi(objective)), true)) : undefined;
  const params: Param[] = [...model.params(), ...(phi ? [{ name: 'objective.phi', variable: phi, kind: 'scalar' as const }] : [])];
  const paramNameOf = new Map(params.map((p) => [p.variable.name, p.name]));
  const lrOverrides = new Map(phi ? [['objective.phi', objective.pLearningRate]] : []);
  const { optimizer, qkClip } = buildOptimizer(config, params, model.attentionProjections(), lrOverrides);
  const control = TrainerControl.forRun(config, objective);
  const halted = () => hooks.shouldStop() || (control?.stopped ?? false);
  // The step's context; the objective in it is replaced when a controller changes p or the clips.
  const stepContext: StepContext = { model, params, optimizer, qkClip, config, objective, ...(phi ? { phi } : {}) };
  // With staleness k the sampler is a copy of the policy as it was k optimizer steps ago.
  const staleSampler = config.rolloutStaleness > 0 ? model.clone() : undefined;
  const history: Map<string, { shape: readonly number[]; data: Float32Array }>[] = [];
  let reference: PolicyModel | undefined;
  hooks.onStart?.({ backend, parameterCount: params.reduce((n, p) => n + p.variable.size, 0) });

  const started = performance.now();
  let step = 0;
  let samples = 0;
  let tokens = 0;
  let nonFiniteSkips = 0;
  let consecutiveNonFinite = 0;
  let lastEval: { reward: number; successRate: number } | undefined;
  try {
    // ALGO: optional supervised warm start (teacher forcing on correct answers), so RL starts from a
    // non-trivial policy as RL fine-tuning of a pretrained model does.
    if (config.warmStartSteps > 0) hooks.onEvent(warmStart(model, optimizer, qkClip, task, config, rng.warmStart, paramNameOf));
    // ALGO: the KL reference is the policy RL starts from, frozen.
    if (objective.klBeta > 0) reference = model.clone();
    if (staleSampler) history.push(model.getWeights());

    for (let rolloutIndex = 0; step < config.totalSteps && !halted(); rolloutIndex++) {
      // ALGO 1: rollout. G completions per prompt from the sampling policy; old log-probs once, no gradient.
      const t0 = performance.now();
      if (staleSampler && history.length > 0) staleSampler.setWeights(history[0]!);
      const rollout: Rollout = collectRollout({ sampler: staleSampler ?? model, ...(reference ? { reference } : {}) }, task, config, rng, minibatchSize);
      const rolloutMs = performance.now() - t0;
      samples += rollout.prompts.length;
      tokens += rollout.completions.mask.reduce((a, b) => a + b, 0);

      // ALGO 2: off-policy updates: epochs x minibatches over the same rollout. After the first
      // minibatch the policy has moved, so ratios differ from 1 and the mean type matters.
      for (let epoch = 0; epoch < config.epochsPerRollout; epoch++) {
        const order = permutation(rollout.prompts.length, rng.order);
        for (let start = 0; start < order.length; start += minibatchSize) {
          if (step >= config.totalSteps || halted()) break;
          const t1 = performance.now();
          const learningRate = control?.learningRate ?? config.optimizer.learningRate;
          const update = optimizerStep(stepContext, rollout, order.slice(start, start + minibatchSize), { learningRate });
          // ALGO: non-finite guard: the step skipped its update; count it, fail the run after N in a row.
          if (update.skipped) {
            nonFiniteSkips += 1;
            consecutiveNonFinite += 1;
            hooks.onEvent({ kind: 'nonfinite-skip', step, consecutive: consecutiveNonFinite, detail: `loss ${update.loss}, grad norm ${update.gradNorm}` });
          } else {
            consecutiveNonFinite = 0;
          }
          const metrics: MetricValues = {
            ...rollout.metrics,
            ...update.metrics,
            'optim/nonfinite_skips': nonFiniteSkips,
            'optim/learning_rate': learningRate,
            'perf/sample_ms': rolloutMs / (config.minibatchesPerRollout * config.epochsPerRollout),
            'perf/update_ms': performance.now() - t1,
            'perf/tokens_per_s': tokens / ((performance.now() - started) / 1000),
            ...(lastEval ? { 'charts/eval_reward': lastEval.reward } : {}),
            ...control?.metricsInForce(),
          };
          // ALGO 3: periodic greedy evaluation on held-out prompts.
          if (config.evalEvery > 0 && (step + 1) % config.evalEvery === 0) {
            lastEval = evaluateGreedy(model, task, config);
            metrics['charts/eval_reward'] = lastEval.reward;
            hooks.onEvent({ kind: 'eval', step, ...lastEval });
          }
          // ALGO: AGM controllers in the loop (opt-in): decide on this step's telemetry, act from the next step.
          const controlled = control?.afterStep({ step, wallTime: (performance.now() - started) / 1000, samples, metrics });
          if (controlled) Object.assign(metrics, controlled.metrics);
          hooks.onStep({ step, rollout: rolloutIndex, samples, wallTime: (performance.now() - started) / 1000, skipped: update.skipped, metrics, qk: update.qk, logRatioHistogram: update.logRatioHistogram });
          if (controlled?.event) {
            hooks.onEvent(controlled.event);
            stepContext.objective = control!.objective;
          }
          if (update.qk.clipped.length > 0) hooks.onEvent({ kind: 'qk-clip', step, heads: update.qk.clipped });
          if (staleSampler) {
            // k + 1 snapshots: the oldest is the policy as it was k optimizer steps ago.
            history.push(model.getWeights());
            if (history.length > config.rolloutStaleness + 1) history.shift();
          }
          if (config.checkpointEvery > 0 && (step + 1) % config.checkpointEvery === 0 && hooks.onCheckpoint) {
            hooks.onCheckpoint({ step, kind: 'periodic', weights: model.getWeights() });
            hooks.onEvent({ kind: 'checkpoint', step });
          }
          step += 1;
          if (consecutiveNonFinite >= config.maxConsecutiveNonFinite) {
            return { status: 'failed', steps: step, reason: `${consecutiveNonFinite} consecutive optimizer steps had a NaN/Inf loss or gradient (limit maxConsecutiveNonFinite = ${config.maxConsecutiveNonFinite}); lower the learning rate or enable gradClip` };
          }
          await yieldToEventLoop();
        }
      }
    }
    if (config.evalEvery === 0 || step % config.evalEvery !== 0) hooks.onEvent({ kind: 'eval', step: Math.max(step - 1, 0), ...evaluateGreedy(model, task, config) });
    // BOILERPLATE: the final weights, also when the run was stopped early (they are what it learned).
    if (step > 0 && hooks.onCheckpoint) {
      hooks.onCheckpoint({ step: step - 1, kind: 'final', weights: model.getWeights() });
      hooks.onEvent({ kind: 'checkpoint', step: step - 1 });
    }
    return hooks.shouldStop() && step < config.totalSteps ? { status: 'stopped', steps: step } : { status: 'finished', steps: step };
  } finally {
    // BOILERPLATE: every tensor this run created.
    optimizer.dispose();
    model.dispose();
    staleSampler?.dispose();
    reference?.dispose();
    phi?.dispose();
  }
}
