/**
 * Per-run outcomes: the numbers a comparison of arms is about, one value per run, computed from the
 * run's per-step metric series. Reward outcomes (final-window reward, greedy eval, AUC, restricted
 * steps-to-target) and stability outcomes on one basis for every preset (ratio statistics over
 * off-policy steps only, raw token-ratio AM-GM / AM-HM gaps, ESS, max QK logit, end entropy,
 * non-finite skips, collapse). Pure: series in, plain JSON-safe numbers out (null = not measured).
 * verdict.ts compares arms on these; it does not read the store.
 */
import type { MetricKey } from '../metrics.js';
import type { TaskInfo } from '../tasks.js';
import { meanOf } from './bootstrap.js';
import { firstStepAtTarget, normalizedArea } from './summary.js';
import { verdictLine, type ArmOutcomeValues, type Verdict } from './verdict.js';

/** The outcomes, in display order. Names are stable: they are the `outcome` of verdicts and the columns of outcomes.csv. */
export const OUTCOME_KEYS = [
  'finalReward',
  'evalReward',
  'auc',
  'stepsToTarget',
  'logRatioVar',
  'maxAbsLogRatio',
  'clipTokenLow',
  'clipTokenHigh',
  'clipTokenRegion',
  'clipSequence',
  'amGmGapRaw',
  'amHmGapRaw',
  'ess',
  'maxQkLogit',
  'finalEntropy',
  'nonFiniteSkips',
  'collapsed',
] as const;
export type OutcomeKey = (typeof OUTCOME_KEYS)[number];

/** What an outcome means, how it is labelled, and which direction is better. */
export interface OutcomeInfo {
  /** Short label for verdict lines and table headers, e.g. "final reward". */
  readonly label: string;
  readonly doc: string;
  /** True when a larger value is better (reward), false when smaller is (steps, instability), null when neither. */
  readonly higherIsBetter: boolean | null;
  /** True for the reward outcomes, false for the stability ones. */
  readonly reward: boolean;
}

export const OUTCOMES: Readonly<Record<OutcomeKey, OutcomeInfo>> = {
  finalReward: { label: 'final reward', doc: 'Mean of charts/reward_mean over the last window of steps (default the last 10%).', higherIsBetter: true, reward: true },
  evalReward: { label: 'eval reward', doc: 'The last greedy evaluation on held-out prompts (charts/eval_reward), where recorded.', higherIsBetter: true, reward: true },
  auc: { label: 'AUC', doc: 'Step-weighted mean reward over the whole run (trapezoid area / step range).', higherIsBetter: true, reward: true },
  stepsToTarget: {
    label: 'steps to target',
    doc: 'First step at which the (smoothed) reward reaches the target; a run that never does counts its length (restricted mean time to target).',
    higherIsBetter: false,
    reward: true,
  },
  logRatioVar: { label: 'log-ratio variance', doc: 'Mean over off-policy steps of ratio/log_ratio_var.', higherIsBetter: false, reward: false },
  maxAbsLogRatio: { label: 'max |log ratio|', doc: 'Largest ratio/log_ratio_max_abs over the run.', higherIsBetter: false, reward: false },
  clipTokenLow: { label: 'token clip low', doc: 'Mean over off-policy steps of clip/token_low.', higherIsBetter: null, reward: false },
  clipTokenHigh: { label: 'token clip high', doc: 'Mean over off-policy steps of clip/token_high.', higherIsBetter: null, reward: false },
  clipTokenRegion: { label: 'token clip', doc: 'Mean over off-policy steps of clip/token_region.', higherIsBetter: null, reward: false },
  clipSequence: { label: 'sequence clip', doc: 'Mean over off-policy steps of clip/sequence.', higherIsBetter: null, reward: false },
  amGmGapRaw: { label: 'AM-GM gap (raw)', doc: 'Mean over off-policy steps of ratio/raw_am_gm_gap (raw token ratios, every preset alike).', higherIsBetter: false, reward: false },
  amHmGapRaw: { label: '|AM-HM| gap (raw)', doc: 'Mean over off-policy steps of ratio/raw_am_hm_gap (raw token ratios, every preset alike).', higherIsBetter: false, reward: false },
  ess: { label: 'ESS', doc: 'Mean over off-policy steps of objective/ess.', higherIsBetter: true, reward: false },
  maxQkLogit: { label: 'max QK logit', doc: 'Largest optim/qk_max_logit over the run.', higherIsBetter: false, reward: false },
  finalEntropy: { label: 'end entropy', doc: 'Mean of losses/entropy over the last window of steps.', higherIsBetter: null, reward: false },
  nonFiniteSkips: { label: 'non-finite skips', doc: 'Optimizer steps skipped for a NaN/Inf loss or gradient.', higherIsBetter: false, reward: false },
  collapsed: {
    label: 'collapsed',
    doc: '1 when the entropy fell below the collapse threshold before the reward reached the target (or at all, when it never did), else 0.',
    higherIsBetter: false,
    reward: false,
  },
};

/** The series whose off-policy mean is an outcome. */
export const OFF_POLICY_MEAN_KEYS = [
  'ratio/log_ratio_var',
  'clip/token_low',
  'clip/token_high',
  'clip/token_region',
  'clip/sequence',
  'ratio/raw_am_gm_gap',
  'ratio/raw_am_hm_gap',
  'objective/ess',
] as const satisfies readonly MetricKey[];
/** The series whose largest value over the run is an outcome. */
export const MAXIMUM_KEYS = ['ratio/log_ratio_max_abs', 'optim/qk_max_logit', 'optim/nonfinite_skips'] as const satisfies readonly MetricKey[];
/** The metric series runOutcomes reads: the reward, the entropy, and the two lists above. */
export const OUTCOME_METRIC_KEYS = ['charts/reward_mean', 'losses/entropy', ...OFF_POLICY_MEAN_KEYS, ...MAXIMUM_KEYS] as const;
export type OutcomeMetricKey = (typeof OUTCOME_METRIC_KEYS)[number];

/** One metric of one run: step ascending, value at each step (NaN where not finite). */
export interface StepSeries {
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

/**
 * The part of a run's outcomes that no option changes: off-policy means and run maxima. It is
 * all that is needed of 11 of the 13 series, so a caller can compute it once per run and keep it
 * instead of the series (stabilitySummary).
 */
export interface StabilitySummary {
  readonly offPolicySteps: number;
  readonly offPolicyMeans: Readonly<Record<(typeof OFF_POLICY_MEAN_KEYS)[number], number | null>>;
  readonly maxima: Readonly<Record<(typeof MAXIMUM_KEYS)[number], number | null>>;
}

/** What runOutcomes needs of one run. */
export interface RunOutcomeInput {
  readonly runId: string;
  readonly seed: number;
  /**
   * Series by metric key; a missing key makes the outcomes built on it null. With `stability`
   * given, only the reward and entropy series are read.
   */
  readonly series: Partial<Record<OutcomeMetricKey, StepSeries>>;
  /** The run's stabilitySummary, when the caller kept it instead of the series. */
  readonly stability?: StabilitySummary;
  /** Last greedy evaluation reward, when one was recorded. */
  readonly evalReward?: number | null;
  /** Non-finite skips counted from the run's events (the per-step counter lags the last one by a step). */
  readonly nonFiniteSkips?: number | null;
}

/** Settings of the outcomes; the same for every run of a comparison. */
export interface OutcomeOptions {
  /** Reward that counts as reaching the target (see defaultTarget). */
  readonly target: number;
  /** Fraction of the run's last steps averaged for finalReward and finalEntropy, in (0, 1] (default 0.1). */
  readonly finalWindow?: number;
  /** Debiased-EMA weight of the reward before the target test (default 0). */
  readonly smoothingWeight?: number;
  /** Entropy (nats per token) below which a run counts as collapsed (default COLLAPSE_ENTROPY). */
  readonly collapseEntropy?: number;
}

export const DEFAULT_FINAL_WINDOW = 0.1;
/** Default collapse threshold: 0.05 nats per token, i.e. the policy puts ~99% on one token. */
export const COLLAPSE_ENTROPY = 0.05;
/** Fraction of the way from the task's lowest reward to its optimum that the default target asks for. */
export const DEFAULT_TARGET_FRACTION = 0.9;

/** One run's outcomes. */
export interface RunOutcomes {
  readonly runId: string;
  readonly seed: number;
  readonly values: Readonly<Record<OutcomeKey, number | null>>;
  /** Whether the reward reached the target. */
  readonly solved: boolean;
  /** Steps with at least one token ratio different from 1 (the basis of the ratio outcomes). */
  readonly offPolicySteps: number;
}

/**
 * The default reward target of a task: its declared solved threshold if it has one, else 90% of
 * the way from the lowest reward to the optimum (reachable, unlike the optimum itself, which a
 * rollout mean of 64 samples almost never hits).
 */
export function defaultTarget(task: TaskInfo): number {
  if (task.solvedReward !== undefined) return task.solvedReward;
  const [low] = task.rewardRange;
  return low + DEFAULT_TARGET_FRACTION * (task.optimum - low);
}

/** Checks OutcomeOptions; returns a one-line problem or null. */
export function outcomeOptionsProblem(options: OutcomeOptions): string | null {
  const { target, finalWindow = DEFAULT_FINAL_WINDOW, smoothingWeight = 0, collapseEntropy = COLLAPSE_ENTROPY } = options;
  if (!Number.isFinite(target)) return `target must be a finite reward, got ${target}`;
  if (!(finalWindow > 0 && finalWindow <= 1)) return `final window must be a fraction in (0, 1], got ${finalWindow}`;
  if (!(smoothingWeight >= 0 && smoothingWeight < 1)) return `smoothing must be in [0, 1), got ${smoothingWeight}`;
  if (!(collapseEntropy >= 0 && Number.isFinite(collapseEntropy))) return `collapse entropy must be a non-negative number, got ${collapseEntropy}`;
  return null;
}

/** Computes every outcome of one run. @throws RangeError on bad options (see outcomeOptionsProblem) */
export function runOutcomes(input: RunOutcomeInput, options: OutcomeOptions): RunOutcomes {
  const problem = outcomeOptionsProblem(options);
  if (problem !== null) throw new RangeError(problem);
  const { target, finalWindow = DEFAULT_FINAL_WINDOW, smoothingWeight = 0, collapseEntropy = COLLAPSE_ENTROPY } = options;
  const { series } = input;
  const reward = series['charts/reward_mean'];
  const stability = input.stability ?? stabilitySummary(series);
  const { offPolicyMeans: off, maxima } = stability;

  let stepsToTarget: number | null = null;
  let solvedAt: number | null = null;
  if (reward && reward.steps.length > 0) {
    solvedAt = firstStepAtTarget({ step: reward.steps, reward: reward.values }, target, smoothingWeight);
    stepsToTarget = solvedAt ?? reward.steps[reward.steps.length - 1]! + 1;
  }
  const entropy = series['losses/entropy'];
  let collapsed: number | null = null;
  if (entropy && entropy.steps.length > 0) {
    const collapseAt = entropy.steps.find((_, i) => entropy.values[i]! < collapseEntropy);
    collapsed = collapseAt !== undefined && (solvedAt === null || collapseAt < solvedAt) ? 1 : 0;
  }
  const values: Record<OutcomeKey, number | null> = {
    finalReward: windowMean(reward, finalWindow),
    evalReward: finiteOrNull(input.evalReward),
    auc: reward ? normalizedArea({ step: reward.steps, reward: reward.values }) : null,
    stepsToTarget,
    logRatioVar: off['ratio/log_ratio_var'],
    maxAbsLogRatio: maxima['ratio/log_ratio_max_abs'],
    clipTokenLow: off['clip/token_low'],
    clipTokenHigh: off['clip/token_high'],
    clipTokenRegion: off['clip/token_region'],
    clipSequence: off['clip/sequence'],
    amGmGapRaw: off['ratio/raw_am_gm_gap'],
    amHmGapRaw: off['ratio/raw_am_hm_gap'],
    ess: off['objective/ess'],
    maxQkLogit: maxima['optim/qk_max_logit'],
    finalEntropy: windowMean(entropy, finalWindow),
    nonFiniteSkips: finiteOrNull(input.nonFiniteSkips) ?? maxima['optim/nonfinite_skips'],
    collapsed,
  };
  return { runId: input.runId, seed: input.seed, values, solved: solvedAt !== null, offPolicySteps: stability.offPolicySteps };
}

/** The option-independent stability summary of a run (see StabilitySummary). */
export function stabilitySummary(series: Partial<Record<OutcomeMetricKey, StepSeries>>): StabilitySummary {
  const offPolicy = offPolicySteps(series['ratio/log_ratio_max_abs']);
  const offPolicyMeans = Object.fromEntries(OFF_POLICY_MEAN_KEYS.map((key) => [key, meanOverSteps(series[key], offPolicy)])) as StabilitySummary['offPolicyMeans'];
  const maxima = Object.fromEntries(MAXIMUM_KEYS.map((key) => [key, maxOf(series[key])])) as StabilitySummary['maxima'];
  return { offPolicySteps: offPolicy.size, offPolicyMeans, maxima };
}

/** An arm for verdict.ts: its label and, per outcome, each run's value keyed by its seed. */
export function armOutcomeValues(label: string, runs: readonly Pick<RunOutcomes, 'seed' | 'values'>[]): ArmOutcomeValues {
  const outcomes: Record<string, { seed: number; value: number | null }[]> = {};
  for (const key of OUTCOME_KEYS) outcomes[key] = runs.map((run) => ({ seed: run.seed, value: run.values[key] }));
  return { label, outcomes };
}

/** A verdict's pasteable line with the outcome's readable label ("final reward", not "finalReward"). */
export function outcomeVerdictLine(verdict: Verdict): string {
  return verdictLine(verdict, (OUTCOMES as Partial<Record<string, OutcomeInfo>>)[verdict.outcome]?.label ?? verdict.outcome);
}

/**
 * The steps on which the policy had moved away from the sampler: some token log-ratio is not
 * exactly 0 (max |x| > 0). The first minibatch of each rollout is on-policy (every ratio 1) and is
 * left out, so presets with different numbers of updates per rollout are averaged on one basis.
 */
export function offPolicySteps(maxAbsLogRatio: StepSeries | undefined): Set<number> {
  const steps = new Set<number>();
  if (!maxAbsLogRatio) return steps;
  maxAbsLogRatio.steps.forEach((step, i) => {
    const v = maxAbsLogRatio.values[i]!;
    if (Number.isFinite(v) && v > 0) steps.add(step);
  });
  return steps;
}

/** Mean of the finite values at the given steps; null when there are none. */
function meanOverSteps(series: StepSeries | undefined, steps: ReadonlySet<number>): number | null {
  if (!series) return null;
  const picked: number[] = [];
  series.steps.forEach((step, i) => {
    const v = series.values[i]!;
    if (steps.has(step) && Number.isFinite(v)) picked.push(v);
  });
  return picked.length === 0 ? null : meanOf(picked);
}

/** Mean of the finite values among the last ceil(fraction x count) points; null when there are none. */
export function windowMean(series: StepSeries | undefined, fraction: number): number | null {
  if (!series || series.values.length === 0) return null;
  const count = series.values.length;
  const size = Math.max(1, Math.ceil(fraction * count - 1e-9));
  const window = series.values.slice(count - size).filter(Number.isFinite);
  return window.length === 0 ? null : meanOf(window);
}

function maxOf(series: StepSeries | undefined): number | null {
  if (!series) return null;
  let best: number | null = null;
  for (const v of series.values) if (Number.isFinite(v) && (best === null || v > best)) best = v;
  return best;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
