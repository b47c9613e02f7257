/**
 * The comparison view's summary table, one row per group (the seeds of one config): final and best
 * reward, normalised area under the curve, steps-to-target with unsolved seeds counted (never
 * dropped), the survival curve of "not yet at target", and per-run stability aggregates the caller
 * measured. Pure: curves in, plain JSON-safe data out (unsolved is 'unsolved', never Infinity).
 */
import { meanOf, quantileSorted, type BootstrapOptions } from './bootstrap.js';
import { sampleVariance, tMeanInterval } from './t-intervals.js';
import { debiasedEma } from './smoothing.js';

/** One seed's reward curve, raw (unsmoothed): step ascending, reward at each step. */
export interface RunCurve {
  readonly step: readonly number[];
  readonly reward: readonly number[];
}

/** Per-run aggregates the caller computes from the store; absent ones are left out of the means. */
export interface RunExtras {
  /** Non-finite events (skipped optimizer steps) over the run. */
  readonly nonFiniteEvents?: number;
  /** Fraction of steps on which QK-clip rescaled at least one head, in [0, 1]. */
  readonly qkClipStepFraction?: number;
  /** Mean over steps of |A0 - H0| (the `ratio/am_hm_gap` metric). */
  readonly meanAbsA0H0Gap?: number;
}

/** One seed of a group. */
export interface SummaryRun {
  readonly curve: RunCurve;
  readonly extras?: RunExtras;
}

/** Options of summarizeGroup. */
export interface SummaryOptions {
  /** Reward to reach for steps-to-target and the survival curve; both are null when absent. */
  readonly target?: number;
  /**
   * Debiased-EMA weight applied to each seed's reward before the target test only (default 0), so
   * one lucky rollout does not count as solved. Final, best and AUC use the raw rewards.
   */
  readonly smoothingWeight?: number;
  /** Interval settings; only `confidence` is read (default 0.95). */
  readonly bootstrap?: BootstrapOptions;
}

/** A per-seed quantity summarised over seeds. Seeds without a value (null) are left out of n. */
export interface SeedStatistic {
  /** The value of each seed, in input order; null where the seed has none. */
  readonly perSeed: readonly (number | null)[];
  /** Seeds with a value. */
  readonly n: number;
  /** null when n = 0. */
  readonly mean: number | null;
  /** Sample standard deviation (ddof 1); null when n < 2. */
  readonly std: number | null;
  /** Student t interval of the mean (holds its coverage at 2-10 seeds); null when n < 2. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/** A step count, or 'unsolved' where it is infinite (the seed, or the median, never reached the target). */
export type StepEstimate = number | 'unsolved';

/** Steps-to-target over the seeds of a group. */
export interface StepsToTarget {
  readonly target: number;
  /** Smoothing the target test used. */
  readonly smoothingWeight: number;
  /** First step at which each seed's smoothed reward is >= target; null where it never is. */
  readonly perSeed: readonly (number | null)[];
  readonly n: number;
  readonly solved: number;
  readonly unsolved: number;
  /** For the table, e.g. "unsolved 2/5". */
  readonly unsolvedLabel: string;
  /**
   * Median over all seeds with unsolved seeds as +infinity: 'unsolved' when at least half of them
   * are (for even n the two middle values are averaged); null only when there are no seeds.
   */
  readonly median: StepEstimate | null;
  /**
   * Distribution-free order-statistic interval of that median (medianOrderInterval); an end is
   * 'unsolved' when infinite, and the low end is 0 when too few seeds bound it; null when n < 2.
   */
  readonly ci: { readonly low: StepEstimate; readonly high: StepEstimate } | null;
}

/**
 * Fraction of seeds not yet at target vs step, a right-continuous step function: fraction[i] holds
 * from step[i] up to step[i + 1] (draw with "step after" interpolation). Starts at the earliest first
 * step of any seed and runs to the latest last step. Unsolved seeds stay in the fraction; `censored`
 * gives where each of them stopped being observed, for tick marks.
 */
export interface SurvivalCurve {
  readonly step: readonly number[];
  readonly fraction: readonly number[];
  readonly n: number;
  /** Last step of each unsolved seed, ascending. */
  readonly censored: readonly number[];
}

/** The summary table row of one group. */
export interface GroupSummary {
  readonly seeds: number;
  /** Each seed's last finite reward. */
  readonly finalReward: SeedStatistic;
  /** Each seed's largest finite reward. */
  readonly bestReward: SeedStatistic;
  /** Each seed's normalisedArea. */
  readonly areaUnderCurve: SeedStatistic;
  /** null when no target was given. */
  readonly stepsToTarget: StepsToTarget | null;
  /** null when no target was given. */
  readonly survival: SurvivalCurve | null;
  readonly nonFiniteEvents: SeedStatistic;
  readonly qkClipStepFraction: SeedStatistic;
  readonly meanAbsA0H0Gap: SeedStatistic;
}

/** Summarises the seeds of one group for the comparison table (see GroupSummary's fields). */
export function summarizeGroup(runs: readonly SummaryRun[], options: SummaryOptions = {}): GroupSummary {
  const { target, smoothingWeight = 0, bootstrap = {} } = options;
  const curves = runs.map((run) => run.curve);
  const extra = (key: keyof RunExtras): SeedStatistic =>
    seedStatistic(runs.map((run) => finiteOrNull(run.extras?.[key])), bootstrap);
  return {
    seeds: runs.length,
    finalReward: seedStatistic(curves.map(finalValue), bootstrap),
    bestReward: seedStatistic(curves.map(bestValue), bootstrap),
    areaUnderCurve: seedStatistic(curves.map(normalizedArea), bootstrap),
    stepsToTarget: target === undefined ? null : stepsToTarget(curves, target, { smoothingWeight, bootstrap }),
    survival: target === undefined ? null : survivalCurve(curves, target, smoothingWeight),
    nonFiniteEvents: extra('nonFiniteEvents'),
    qkClipStepFraction: extra('qkClipStepFraction'),
    meanAbsA0H0Gap: extra('meanAbsA0H0Gap'),
  };
}

/** n, mean, std (ddof 1) and Student t CI of the mean over the non-null values. */
export function seedStatistic(perSeed: readonly (number | null)[], bootstrap: BootstrapOptions = {}): SeedStatistic {
  const values = perSeed.filter((v): v is number => v !== null);
  const n = values.length;
  const mean = n === 0 ? null : meanOf(values);
  const std = mean !== null && n >= 2 ? Math.sqrt(sampleVariance(values, mean)) : null;
  const ci = tMeanInterval(values, bootstrap.confidence ?? 0.95);
  return { perSeed: [...perSeed], n, mean, std, ciLow: ci?.low ?? null, ciHigh: ci?.high ?? null };
}

/** The last finite reward of a curve; null when it has none. */
export function finalValue(curve: RunCurve): number | null {
  for (let i = curve.reward.length - 1; i >= 0; i--) {
    const v = curve.reward[i] as number;
    if (Number.isFinite(v)) return v;
  }
  return null;
}

/** The largest finite reward of a curve; null when it has none. */
export function bestValue(curve: RunCurve): number | null {
  let best: number | null = null;
  for (const v of curve.reward) if (Number.isFinite(v) && (best === null || v > best)) best = v;
  return best;
}

/**
 * Area under the curve by the trapezoid rule over step, divided by the step range it covers: the
 * step-weighted average reward, in reward units, comparable across runs of different lengths and
 * logging intervals. Non-finite points are skipped (their neighbours are joined); a single finite
 * point gives its value; none gives null. Note that a run stopped early averages over its early
 * (usually lower) part only.
 */
export function normalizedArea(curve: RunCurve): number | null {
  let area = 0;
  let firstStep: number | null = null;
  let previousStep = 0;
  let previousReward = 0;
  for (let i = 0; i < curve.step.length; i++) {
    const x = curve.step[i] as number;
    const y = curve.reward[i] as number;
    if (!Number.isFinite(y) || !Number.isFinite(x)) continue;
    if (firstStep === null) firstStep = x;
    else area += ((x - previousStep) * (y + previousReward)) / 2;
    previousStep = x;
    previousReward = y;
  }
  if (firstStep === null) return null;
  const range = previousStep - firstStep;
  return range > 0 ? area / range : previousReward;
}

/**
 * The first step at which the (smoothed, when smoothingWeight > 0) reward is >= target; null when
 * it never is. Smoothing is applied to the whole series first, as in the chart.
 */
export function firstStepAtTarget(curve: RunCurve, target: number, smoothingWeight = 0): number | null {
  const reward = smoothingWeight > 0 ? debiasedEma(curve.reward, smoothingWeight) : curve.reward;
  for (let i = 0; i < reward.length; i++) {
    if ((reward[i] as number) >= target) return curve.step[i] as number;
  }
  return null;
}

/**
 * Steps-to-target over seeds: each seed's first step at target, the count of unsolved seeds, and
 * the median (unsolved as +infinity) with a distribution-free CI. See StepsToTarget.
 */
export function stepsToTarget(
  curves: readonly RunCurve[],
  target: number,
  options: { readonly smoothingWeight?: number; readonly bootstrap?: BootstrapOptions } = {},
): StepsToTarget {
  const { smoothingWeight = 0, bootstrap = {} } = options;
  const perSeed = curves.map((curve) => firstStepAtTarget(curve, target, smoothingWeight));
  const n = perSeed.length;
  const unsolved = perSeed.filter((s) => s === null).length;
  const asNumbers = perSeed.map((s) => s ?? Number.POSITIVE_INFINITY);
  const median = (sample: Float64Array): number => quantileSorted(sample.sort(), 0.5);
  const interval = medianOrderInterval(asNumbers, bootstrap.confidence ?? 0.95);
  // Steps are never negative: an interval too few seeds cannot bound below starts at step 0.
  const ci = interval === null ? null : { low: Math.max(0, interval.low), high: interval.high };
  return {
    target,
    smoothingWeight,
    perSeed,
    n,
    solved: n - unsolved,
    unsolved,
    unsolvedLabel: `unsolved ${unsolved}/${n}`,
    median: n === 0 ? null : toEstimate(median(Float64Array.from(asNumbers))),
    ci: ci === null ? null : { low: toEstimate(ci.low), high: toEstimate(ci.high) },
  };
}

/**
 * Fraction of seeds whose (smoothed) reward has not yet reached the target, vs step. See
 * SurvivalCurve; empty when there are no points at all.
 */
export function survivalCurve(curves: readonly RunCurve[], target: number, smoothingWeight = 0): SurvivalCurve {
  const n = curves.length;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const hits: number[] = [];
  const censored: number[] = [];
  for (const curve of curves) {
    const first = curve.step[0];
    const last = curve.step[curve.step.length - 1];
    if (first !== undefined && last !== undefined) {
      start = Math.min(start, first);
      end = Math.max(end, last);
    }
    const hit = firstStepAtTarget(curve, target, smoothingWeight);
    if (hit !== null) hits.push(hit);
    else if (last !== undefined) censored.push(last);
  }
  censored.sort((a, b) => a - b);
  if (start > end) return { step: [], fraction: [], n, censored };
  hits.sort((a, b) => a - b);
  const step: number[] = [];
  const fraction: number[] = [];
  if (hits.length === 0 || (hits[0] as number) > start) {
    step.push(start);
    fraction.push(1);
  }
  let reached = 0;
  for (let i = 0; i < hits.length; i++) {
    reached++;
    const s = hits[i] as number;
    if (hits[i + 1] === s) continue; // several seeds reach the target at the same step: one knot
    step.push(s);
    fraction.push((n - reached) / n);
  }
  if (end > (step[step.length - 1] as number)) {
    step.push(end);
    fraction.push(fraction[fraction.length - 1] as number);
  }
  return { step, fraction, n, censored };
}

/** P(B <= k) for B ~ Binomial(n, 1/2). */
function binomialHalfCdf(k: number, n: number): number {
  let term = 2 ** -n; // C(n, 0) / 2^n
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * Distribution-free interval of the median from order statistics: [x_(k), x_(n+1-k)] with the
 * largest k whose coverage 1 - 2 P(Binomial(n, 1/2) <= k - 1) is at least `confidence`. Exact for
 * any continuous distribution (no resampling, so it does not undercover at small n as the
 * percentile bootstrap of the median does: ~75% at 3 seeds). When even [min, max] covers less
 * (n < 6 at 95%) the interval is (-Infinity, +Infinity). null for fewer than two values.
 */
export function medianOrderInterval(values: ArrayLike<number>, confidence = 0.95): { low: number; high: number } | null {
  const n = values.length;
  if (n < 2) return null;
  const sorted = Float64Array.from(values).sort();
  let k = 0;
  for (let candidate = 1; candidate <= Math.floor(n / 2); candidate++) {
    if (1 - 2 * binomialHalfCdf(candidate - 1, n) >= confidence) k = candidate;
    else break;
  }
  if (k === 0) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  return { low: sorted[k - 1]!, high: sorted[n - k]! };
}

function toEstimate(value: number): StepEstimate {
  return value === Number.POSITIVE_INFINITY ? 'unsolved' : value;
}

function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
