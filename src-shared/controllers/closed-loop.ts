/**
 * The controller suite in the training loop: turns each step's decision into the knobs the run
 * trains with next, one switch each (RunConfig `controller`): a learning-rate multiplier and a
 * clip-epsilon multiplier (the suite's recommendation relative to the run's own values, which the
 * suite scales, bounded), the phase's strategy mapped onto the power-mean exponent p,
 * and early stopping. Only real changes are reported (they become events). Pure and
 * deterministic: the same telemetry gives the same changes, and its suite is the one the offline
 * replay builds (run-suite-settings.ts), so a replay of the run's telemetry gives the same decisions.
 * It never touches tensors.
 */
import type { ResolvedObjective } from '../objective-config.js';
import type { RunConfig } from '../run-config.js';
import type { ControllerDecision, ControllerSuite } from './controller-suite.js';
import { DEFAULT_BASE_HYPERPARAMS, type BaseHyperparams } from './hyperparameter-adapter.js';
import { suiteForRun } from './run-suite-settings.js';
import type { TelemetryRecord } from './telemetry-record.js';

export type ControllerSettings = RunConfig['controller'];

/** True when any switch lets the suite act on the run. */
export function controllerActive(settings: ControllerSettings): boolean {
  return settings.learningRate || settings.clipEpsilon || settings.powerP || settings.earlyStop;
}

/**
 * The power-mean exponent a strategy stands for. A weight w on the arithmetic end of the segment
 * from the harmonic mean (p = -1) to the arithmetic mean (p = 1) is p = 2w - 1; standard AGM
 * converges to sqrt(A H), which the geometric mean (p = 0) matches to second order; the
 * oscillating (plateau) strategy leans towards the arithmetic end by its exploration boost.
 */
export function strategyPower(decision: Pick<ControllerDecision, 'phase' | 'phase_config'>): number | null {
  const c = decision.phase_config;
  switch (decision.phase) {
    case 'arithmetic_weighted_agm':
      return 2 * (c.arithmetic_weight ?? 0.5) - 1;
    case 'harmonic_weighted_agm':
      return 1 - 2 * (c.harmonic_weight ?? 0.5);
    case 'standard_agm':
      return 0;
    case 'oscillating_agm':
      return c.exploration_boost ?? 0;
    case 'disabled':
      return null;
  }
}

export type ControlKnob = 'learning_rate' | 'clip_epsilon' | 'power_p' | 'early_stop';

/** One change: for the multipliers `from`/`to` are multipliers; for p the exponent; early_stop 0 -> 1. */
export interface ControlChange {
  readonly knob: ControlKnob;
  readonly from: number;
  readonly to: number;
}

/** What is in force: multipliers of the run's own learning rate and clip knobs, and p (null: not controlled). */
export interface ControlKnobs {
  readonly lrMultiplier: number;
  readonly epsMultiplier: number;
  readonly p: number | null;
}

export interface ControlStep {
  readonly decision: ControllerDecision;
  readonly changes: readonly ControlChange[];
  readonly knobs: ControlKnobs;
  /** The early-stop reason when this step stops the run. */
  readonly stopReason: string | null;
}

const clamp = (x: number, low: number, high: number) => Math.min(high, Math.max(low, x));
/** A suggestion relative to its base; 1 when the base is 0 (an objective with no clip: nothing to scale). */
const relative = (suggested: number, base: number) => (base > 0 ? suggested / base : 1);

export class ClosedLoopController {
  readonly suite: ControllerSuite;
  #knobs: ControlKnobs;
  #lastPChange = -Infinity;
  #stopped = false;

  /**
   * `baseP`: the objective's own exponent (null when it has none; powerP then never acts).
   * `base`: the run's own hyperparameters (runBaseHyperparams): the suite scales them and the
   * multipliers are its suggestions relative to them.
   */
  constructor(
    readonly settings: ControllerSettings,
    readonly baseP: number | null,
    readonly base: BaseHyperparams = DEFAULT_BASE_HYPERPARAMS,
  ) {
    this.suite = suiteForRun({ baseHyperparams: base, dwellSteps: settings.dwellSteps });
    this.#knobs = { lrMultiplier: 1, epsMultiplier: 1, p: baseP };
  }

  get knobs(): ControlKnobs {
    return this.#knobs;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** One step's telemetry in; the decision and the changes that take effect from the next step. */
  observe(record: TelemetryRecord): ControlStep {
    return this.apply(this.suite.update(record));
  }

  /** One decision of this run's suite (live, or replayed from its telemetry) turned into changes. */
  apply(decision: ControllerDecision): ControlStep {
    const s = this.settings;
    const changes: ControlChange[] = [];
    let { lrMultiplier, epsMultiplier, p } = this.#knobs;
    const bounded = (ratio: number) => clamp(ratio, 1 / s.maxMultiplier, s.maxMultiplier);
    const moved = (from: number, to: number) => Math.abs(to - from) > s.minRelativeChange * Math.abs(from);

    if (s.learningRate) {
      const target = bounded(relative(decision.hyperparams.learning_rate, this.base.learning_rate));
      if (moved(lrMultiplier, target)) {
        changes.push({ knob: 'learning_rate', from: lrMultiplier, to: target });
        lrMultiplier = target;
      }
    }
    if (s.clipEpsilon) {
      const target = bounded(relative(decision.hyperparams.epsilon, this.base.epsilon));
      if (moved(epsMultiplier, target)) {
        changes.push({ knob: 'clip_epsilon', from: epsMultiplier, to: target });
        epsMultiplier = target;
      }
    }
    if (s.powerP && p !== null) {
      const target = strategyPower(decision);
      // p switches are held for dwellSteps too, so a flickering phase does not flip the mean each step.
      if (target !== null && target !== p && decision.step - this.#lastPChange >= s.dwellSteps) {
        changes.push({ knob: 'power_p', from: p, to: target });
        p = target;
        this.#lastPChange = decision.step;
      }
    }
    let stopReason: string | null = null;
    if (s.earlyStop && decision.early_stop.should_stop && !this.#stopped) {
      changes.push({ knob: 'early_stop', from: 0, to: 1 });
      stopReason = decision.early_stop.reason;
      this.#stopped = true;
    }
    this.#knobs = { lrMultiplier, epsMultiplier, p };
    return { decision, changes, knobs: this.#knobs, stopReason };
  }
}

/** The objective with the knobs in force: every clip knob scaled, and p replaced when controlled. */
export function controlledObjective(base: ResolvedObjective, knobs: ControlKnobs): ResolvedObjective {
  const m = knobs.epsMultiplier;
  const scale = (x: number | null) => (x === null ? null : x * m);
  const mean = knobs.p !== null && base.mean.kind === 'power' ? { kind: 'power' as const, p: knobs.p } : base.mean;
  // 1 - clipLow stays positive however far the multiplier goes.
  return { ...base, clipLow: Math.min(0.99, base.clipLow * m), clipHigh: base.clipHigh * m, tokenClip: scale(base.tokenClip), seqClipLow: scale(base.seqClipLow), seqClipHigh: scale(base.seqClipHigh), mean };
}

const KNOB_LABELS: Readonly<Record<ControlKnob, string>> = { learning_rate: 'learning rate', clip_epsilon: 'clip epsilon', power_p: 'p', early_stop: 'early stop' };

/** One line for the event log, e.g. "learning rate x1.00 -> x1.30; p -1 -> 0.6". */
export function describeControlChanges(changes: readonly ControlChange[], reason?: string): string {
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  return changes
    .map((c) => (c.knob === 'early_stop' ? `early stop${reason ? ` (${reason})` : ''}` : c.knob === 'power_p' ? `p ${fmt(c.from)} -> ${fmt(c.to)}` : `${KNOB_LABELS[c.knob]} x${c.from.toFixed(2)} -> x${c.to.toFixed(2)}`))
    .join('; ');
}
