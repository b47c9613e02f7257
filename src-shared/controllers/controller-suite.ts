/**
 * ControllerSuite (AGM_Training `agm/wiring.py`), rewritten in TypeScript: one stateful object
 * that feeds each telemetry record to the convergence controller, the multi-scale tracker, the
 * phase selector, the hyperparameter adapter (behind dwell-time and divergence-rollback
 * guardrails), the early-stop detector and the uncertainty estimator, and returns one decision
 * shaped like the Python suite's. Feed a run's records in order to one fresh suite. It decides
 * only; closed-loop.ts turns decisions into actions.
 */
import { AdaptiveAGMController } from './adaptive-agm-controller.js';
import { AGMConvergenceDetector, type EarlyStopReason } from './convergence-detector.js';
import { AGMHyperparameterAdapter, DEFAULT_BASE_HYPERPARAMS, type BaseHyperparams, type HyperparamAdapterConfig, type HyperparamSuggestions } from './hyperparameter-adapter.js';
import { MultiScaleAGMFramework, type HierarchicalAdvice } from './multi-scale-framework.js';
import { leastSquaresSlope, relativeSpread } from './python-stats.js';
import type { TelemetryRecord } from './telemetry-record.js';
import { TrainingPhaseAdaptiveAGM, type AgmStrategy, type StrategyConfig } from './training-phase.js';
import { AGMUncertaintyEstimator } from './uncertainty-estimator.js';

export interface ControllerSuiteOptions {
  readonly baseHyperparams?: BaseHyperparams;
  readonly hyperparamConfig?: HyperparamAdapterConfig;
  readonly enablePhase?: boolean;
  readonly enableHyperparams?: boolean;
  /** Steps a new set of hyperparameters is held before the next may replace it (default 5). */
  readonly dwellSteps?: number;
  /** A convergence-rate slope (last 10 rates) at or below this keeps the previous set (default -0.05). */
  readonly divergenceSlopeThreshold?: number;
  /**
   * Feed the record's `ext.loss_history` to the phase detector. AGM_Training's suite passes an empty
   * loss history, so its phase is always exploration; the default (false) reproduces that exactly.
   */
  readonly phaseFromLossHistory?: boolean;
}

/** One decision, keyed and ordered as the Python suite's dictionary. */
export interface ControllerDecision {
  step: number;
  convergence_rate: number;
  phase: AgmStrategy | 'disabled';
  phase_config: StrategyConfig;
  hyperparams: HyperparamSuggestions;
  hierarchical: HierarchicalAdvice;
  early_stop: { should_stop: boolean; reason: EarlyStopReason };
  uncertainty: { epistemic: number; aleatoric: number };
  toggles: { phase: boolean; hparams: boolean };
  guardrails: { dwell_blocked: boolean; rolled_back: boolean; dwell_steps: number };
}

/** How many recent convergence rates the divergence slope looks at. */
const RATE_WINDOW = 10;

export class ControllerSuite {
  readonly conv = new AdaptiveAGMController();
  readonly phase = new TrainingPhaseAdaptiveAGM();
  readonly hparams: AGMHyperparameterAdapter;
  readonly multiscale = new MultiScaleAGMFramework();
  readonly detector = new AGMConvergenceDetector();
  readonly uncertainty = new AGMUncertaintyEstimator();
  readonly enablePhase: boolean;
  readonly enableHyperparams: boolean;
  readonly dwellSteps: number;
  readonly divergenceSlopeThreshold: number;
  readonly phaseFromLossHistory: boolean;
  #lastChangeStep = -(10 ** 9);
  #lastHyperparams: HyperparamSuggestions | null = null;
  #rates: number[] = [];

  constructor(options: ControllerSuiteOptions = {}) {
    this.hparams = new AGMHyperparameterAdapter(options.baseHyperparams ?? DEFAULT_BASE_HYPERPARAMS, options.hyperparamConfig);
    this.enablePhase = options.enablePhase ?? true;
    this.enableHyperparams = options.enableHyperparams ?? true;
    this.dwellSteps = Math.max(0, Math.trunc(options.dwellSteps ?? 5));
    this.divergenceSlopeThreshold = options.divergenceSlopeThreshold ?? -0.05;
    this.phaseFromLossHistory = options.phaseFromLossHistory ?? false;
  }

  /** One validated record (see TelemetryRecordSchema) in, one decision out. */
  update(record: TelemetryRecord): ControllerDecision {
    const step = record.step;
    const agm = record.agm;
    const a = agm.arithmetic_history;
    const h = agm.harmonic_history;
    const hasHistory = a.length > 0 && h.length > 0;
    const rate = hasHistory ? this.conv.update(a, h) : 0.5;
    const spread = hasHistory ? relativeSpread(a[a.length - 1]!, h[h.length - 1]!) : 0;
    this.#rates.push(rate);
    if (this.#rates.length > RATE_WINDOW) this.#rates = this.#rates.slice(-RATE_WINDOW);

    this.multiscale.updateAllTrackers({ convergence_rate: rate, mean_spread: spread });
    const hierarchical = this.multiscale.computeHierarchicalAdaptation();

    const losses = this.phaseFromLossHistory ? (record.ext?.loss_history ?? []) : [];
    const { strategy, config: strategyConfig } = this.enablePhase ? this.phase.selectAdaptiveStrategy(losses, rate) : { strategy: 'disabled' as const, config: {} };

    let dwellBlocked = false;
    let rolledBack = false;
    let suggestions: HyperparamSuggestions;
    if (this.enableHyperparams) {
      // Divergence: the slope of the recent convergence rates.
      const slope = this.#rates.length >= 3 ? leastSquaresSlope(this.#rates) : 0;
      // The adapter runs every step (its smoothing state advances even when its output is held).
      const candidate = this.hparams.adaptHyperparameters(agm);
      if (step - this.#lastChangeStep < this.dwellSteps && this.#lastHyperparams !== null) {
        dwellBlocked = true;
        suggestions = { ...this.#lastHyperparams };
      } else if (slope <= this.divergenceSlopeThreshold && this.#lastHyperparams !== null) {
        rolledBack = true;
        suggestions = { ...this.#lastHyperparams };
      } else {
        suggestions = candidate;
        this.#lastHyperparams = { ...candidate };
        this.#lastChangeStep = step;
      }
    } else {
      // As the original: the library defaults, not the configured base.
      const d = DEFAULT_BASE_HYPERPARAMS;
      suggestions = { learning_rate: d.learning_rate, epsilon: d.epsilon, batch_size: d.batch_size, agm_iterations: d.agm_iterations };
    }

    const stop = this.detector.shouldStopTraining(rate, record.rl.reward.eval_mean);
    return {
      step,
      convergence_rate: rate,
      phase: strategy,
      phase_config: strategyConfig,
      hyperparams: suggestions,
      hierarchical,
      early_stop: { should_stop: stop.shouldStop, reason: stop.reason },
      uncertainty: { epistemic: this.uncertainty.estimateEpistemicUncertainty(agm), aleatoric: this.uncertainty.estimateAleatoricUncertainty(agm, 0) },
      toggles: { phase: this.enablePhase, hparams: this.enableHyperparams },
      guardrails: { dwell_blocked: dwellBlocked, rolled_back: rolledBack, dwell_steps: this.dwellSteps },
    };
  }
}
