/**
 * One home for what a run's controller suite is built from, so the training loop (closed-loop.ts,
 * through the trainer) and the offline replay (replay.ts, `hmpo-lab controllers`) make the same
 * decisions from the same telemetry: the run's own base hyperparameters (the values its telemetry
 * records under `ext.hyperparams` before any control, and run.json's `hyperparams`), its dwell
 * steps, and the phase detector fed the record's 20-loss `ext.loss_history`. Pure; no I/O.
 */
import { resolveObjective } from '../objective-config.js';
import { DEFAULT_RUN_CONFIG, derived, type RunConfig } from '../run-config.js';
import { ControllerSuite } from './controller-suite.js';
import { DEFAULT_BASE_HYPERPARAMS, type BaseHyperparams } from './hyperparameter-adapter.js';

/** What one suite needs from its run. */
export interface RunSuiteSettings {
  readonly baseHyperparams: BaseHyperparams;
  readonly dwellSteps: number;
}

/** AGM_Training's base and the RunConfig default dwell: for telemetry whose run is unknown. */
export const DEFAULT_RUN_SUITE_SETTINGS: RunSuiteSettings = { baseHyperparams: DEFAULT_BASE_HYPERPARAMS, dwellSteps: DEFAULT_RUN_CONFIG.controller.dwellSteps };

/** The clip value in force (run.json's `epsilon`): grpo's epsilon_low, else the token (or sequence) clip; 0 when none. */
export function epsilonInForce(config: RunConfig): number {
  const o = resolveObjective(config.objective);
  if (o.level === 'token') return o.clipLow;
  return o.tokenClip ?? o.seqClipLow ?? 0;
}

/** The run's own hyperparameters in AGM_Training's terms (batch size: the minibatch of sequences). */
export function runBaseHyperparams(config: RunConfig): BaseHyperparams {
  return {
    learning_rate: config.optimizer.learningRate,
    epsilon: epsilonInForce(config),
    batch_size: Math.round(derived(config).minibatchSize),
    agm_iterations: Math.round(resolveObjective(config.objective).agmIterations),
  };
}

export function runSuiteSettings(config: RunConfig): RunSuiteSettings {
  // A config stored before RunConfig had `controller` has none: the default dwell.
  const controller = config.controller as RunConfig['controller'] | undefined;
  return { baseHyperparams: runBaseHyperparams(config), dwellSteps: controller?.dwellSteps ?? DEFAULT_RUN_SUITE_SETTINGS.dwellSteps };
}

/**
 * The suite both paths use. It reads the loss history the record carries (the phase detector's
 * window); AGM_Training's own suite passes none, so its phase never leaves exploration and p could
 * not follow the training phase (ControllerSuite's defaults keep that behaviour for conformance).
 */
export function suiteForRun(settings: RunSuiteSettings): ControllerSuite {
  return new ControllerSuite({ baseHyperparams: settings.baseHyperparams, dwellSteps: settings.dwellSteps, phaseFromLossHistory: true });
}
