/**
 * Builds one canonical telemetry.jsonl object per optimizer step for the AGM_Training controllers
 * (shared/spec/agm-telemetry.md): AGM histories of the pre-iteration A0/H0, normalised rewards,
 * MuonClip activity, the loss history and hyperparameters, plus every stored scalar under `hmpo`.
 * It never emits null, NaN or Infinity: non-finite values are left out and counted instead.
 */
import type { BaseHyperparams } from '../../src-shared/controllers/hyperparameter-adapter.js';
import { runBaseHyperparams } from '../../src-shared/controllers/run-suite-settings.js';
import { LOSS_HISTORY_WINDOW } from '../../src-shared/controllers/training-phase.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import { TASKS } from '../../src-shared/tasks.js';
import type { ExportStep } from './export-source.js';

export const AGM_HISTORY_WINDOW = 10;

function pushWindow(window: number[], value: number, size: number): void {
  window.push(value);
  if (window.length > size) window.shift();
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Stateful across a run's steps (histories, the last evaluation): feed steps in order, one call each.
 */
export class TelemetryLineBuilder {
  private readonly arithmetic: number[] = [];
  private readonly harmonic: number[] = [];
  private readonly losses: number[] = [];
  private lastEval: number | undefined;
  private nonFinite = 0;
  private lastStep = -1;
  private readonly range: readonly [number, number];
  private readonly hyperparams: BaseHyperparams;

  constructor(private readonly config: RunConfig, private readonly window = AGM_HISTORY_WINDOW) {
    this.range = TASKS[config.task].rewardRange;
    // The run's own values: what its controller suite (and a replay of this telemetry) scales.
    this.hyperparams = runBaseHyperparams(config);
  }

  private normalise(reward: number): number {
    const [low, high] = this.range;
    return clamp01((reward - low) / (high - low));
  }

  /** Finite value or undefined (counted). */
  private finite(value: number | undefined): number | undefined {
    if (value === undefined) return undefined;
    if (Number.isFinite(value)) return value;
    this.nonFinite += 1;
    return undefined;
  }

  /** The run's hyperparameters with what a controlled run had in force this step (RunConfig `controller`). */
  private hyperparamsInForce(m: ExportStep['metrics']): BaseHyperparams {
    const lr = m['optim/learning_rate'];
    const epsMultiplier = m['control/eps_multiplier'];
    return {
      ...this.hyperparams,
      ...(lr !== undefined && Number.isFinite(lr) ? { learning_rate: lr } : {}),
      ...(epsMultiplier !== undefined && Number.isFinite(epsMultiplier) ? { epsilon: this.hyperparams.epsilon * epsMultiplier } : {}),
    };
  }

  build(step: ExportStep): Record<string, unknown> {
    if (!Number.isInteger(step.step) || step.step <= this.lastStep) {
      throw new Error(`telemetry steps must be whole numbers that strictly increase: got ${step.step} after ${this.lastStep}`);
    }
    this.lastStep = step.step;
    const m = step.metrics;
    const a0 = this.finite(m['ratio/a0']);
    const h0 = this.finite(m['ratio/h0']);
    if (a0 !== undefined && h0 !== undefined) {
      // Both or neither, so the two histories always have the same length.
      pushWindow(this.arithmetic, a0, this.window);
      pushWindow(this.harmonic, h0, this.window);
    }
    const loss = this.finite(m['losses/policy_loss']);
    if (loss !== undefined) pushWindow(this.losses, loss, LOSS_HISTORY_WINDOW);
    const evalReward = this.finite(m['charts/eval_reward']);
    if (evalReward !== undefined) this.lastEval = evalReward;
    const trainReward = this.finite(m['charts/reward_mean']);
    const rewardStd = this.finite(m['charts/reward_std']);
    const successRate = this.finite(m['charts/success_rate']);
    const clipRate = this.finite(m['optim/qk_clip_rate']);
    const clipped = this.finite(m['optim/qk_heads_clipped']);

    const hmpo: Record<string, number> = {};
    for (const [key, value] of Object.entries(m)) {
      if (typeof value !== 'number') continue;
      if (Number.isFinite(value)) hmpo[key] = value;
      else this.nonFinite += 1;
    }
    hmpo.wall_time = step.wallTime;
    if (step.samples !== null) hmpo.samples = step.samples;
    hmpo.nonfinite_count = this.nonFinite;

    // No evaluation yet: the training reward stands in (a finite stand-in, as the spec allows).
    const evalMean = this.normalise(this.lastEval ?? trainReward ?? this.range[0]);
    const success = clamp01(successRate ?? 0);
    const variance = rewardStd === undefined ? 0 : (rewardStd / (this.range[1] - this.range[0])) ** 2;
    return {
      step: step.step,
      agm: { arithmetic_history: [...this.arithmetic], harmonic_history: [...this.harmonic] },
      rl: { td: { mean: 0, var: 0 }, q: { rel_change: 0 }, reward: { train_mean: this.normalise(trainReward ?? this.range[0]), eval_mean: evalMean } },
      muon_clip: { active: (clipped ?? 0) > 0, clip_rate: clamp01(clipRate ?? 0) },
      ext: {
        loss_history: [...this.losses],
        success_rate: success,
        performance_variance: variance,
        performance_metrics: { primary_metric: evalMean, eval_reward: evalMean, success_rate: success, variance },
        hyperparams: this.hyperparamsInForce(m),
      },
      hmpo,
    };
  }
}
