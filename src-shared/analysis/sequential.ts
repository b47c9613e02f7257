/**
 * Anytime-valid pairwise comparison for "run until resolved": seeds are added in rounds and the
 * verdicts are looked at after every round, as often as one likes, with the error rate still valid.
 *
 * Method: for each pair of arms, the paired differences d_1..d_n (one per seed) get the t-test
 * Bayes factor with a normal prior on the standardised effect delta = mu/sigma ~ N(0, r^2) and the
 * right-Haar prior 1/sigma on the scale (Rouder et al. 2009, fixed g = r^2):
 *   BF_n = (1 + n g)^(-1/2) * [(1 + t^2/v) / (1 + t^2/(v (1 + n g)))]^(n/2),  v = n - 1.
 * Under H0: mu = mu0 (any sigma, Gaussian differences) BF_n is a test martingale in the filtration of
 * the scale-invariant data (Perez-Ortiz, Lardy, de Heide & Grunwald 2024, "E-statistics, group
 * invariance and anytime-valid testing"), so by Ville's inequality P(sup_n BF_n >= 1/a) <= a under
 * ANY stopping rule. Inverting it over mu0 gives a confidence sequence: an interval for the mean
 * difference that covers it at every n simultaneously with probability >= 1 - a.
 * Multiplicity: the m = k(k-1)/2 pairs share alpha by Bonferroni (a = alpha/m), so with probability
 * >= 1 - alpha every pair's interval covers its true difference at every look, and every verdict
 * read from them (a winner when the interval excludes 0, "equivalent" when it lies inside
 * +-margin) is right at once. Not an alpha-spending design: no maximum sample size is needed.
 * Pure numbers; what an outcome is (final reward, ...) is the caller's.
 */
import { meanOf } from './bootstrap.js';
import { sampleVariance } from './t-intervals.js';

/** Prior scale r of the standardised effect; g = r^2 (0.707 is the usual "medium" default). */
export const DEFAULT_PRIOR_SCALE = Math.SQRT1_2;

export interface SequentialOptions {
  /** Family-wise error rate over all pairs and all looks (default 0.05). */
  readonly alpha?: number;
  /** Number of pairwise comparisons sharing alpha (Bonferroni); default 1. */
  readonly comparisons?: number;
  /** Prior scale r of the standardised effect (default 1/sqrt 2). */
  readonly priorScale?: number;
}

function resolved(options: SequentialOptions): { logThreshold: number; g: number } {
  const alpha = options.alpha ?? 0.05;
  const m = options.comparisons ?? 1;
  const r = options.priorScale ?? DEFAULT_PRIOR_SCALE;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(Number.isInteger(m) && m >= 1)) throw new RangeError(`comparisons must be a whole number >= 1, got ${m}`);
  if (!(r > 0)) throw new RangeError(`priorScale must be > 0, got ${r}`);
  return { logThreshold: Math.log(m / alpha), g: r * r };
}

/** log BF_n as a function of t^2 (increasing in t^2). n >= 2. */
export function logBayesFactor(tSquared: number, n: number, g: number): number {
  const v = n - 1;
  const ng = n * g;
  return -0.5 * Math.log1p(ng) + (n / 2) * (Math.log1p(tSquared / v) - Math.log1p(tSquared / (v * (1 + ng))));
}

/** Sample mean and standard deviation (n - 1) of `values`. */
function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = meanOf(values);
  return { mean, sd: Math.sqrt(sampleVariance(values, mean)) };
}

/** log of the e-value against H0: mean difference = mu0 (0 when n < 2: no evidence yet). */
export function logEValue(differences: readonly number[], mu0: number, g: number = DEFAULT_PRIOR_SCALE ** 2): number {
  const n = differences.length;
  if (n < 2) return 0;
  const { mean, sd } = meanAndSd(differences);
  if (sd === 0) return mean === mu0 ? 0 : Number.POSITIVE_INFINITY;
  const t = ((mean - mu0) * Math.sqrt(n)) / sd;
  return logBayesFactor(t * t, n, g);
}

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/**
 * The confidence sequence for the mean difference after n paired observations: every mu0 the
 * e-value has not rejected at level a = alpha/comparisons. (-inf, inf) while n is too small for any
 * rejection to be possible.
 */
export function confidenceSequence(differences: readonly number[], options: SequentialOptions = {}): Interval {
  const { logThreshold, g } = resolved(options);
  const n = differences.length;
  const whole = { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY };
  if (n < 2) return whole;
  // As t^2 -> inf, log BF -> ((n-1)/2) log(1 + n g): if that is below the threshold nothing is rejected yet.
  if (((n - 1) / 2) * Math.log1p(n * g) <= logThreshold) return whole;
  const { mean, sd } = meanAndSd(differences);
  if (sd === 0) return { lower: mean, upper: mean };
  // Bisection for the t^2 at which log BF reaches the threshold.
  let low = 0;
  let high = 1;
  while (logBayesFactor(high, n, g) < logThreshold) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = (low + high) / 2;
    if (logBayesFactor(mid, n, g) < logThreshold) low = mid;
    else high = mid;
  }
  const halfWidth = (Math.sqrt(high) * sd) / Math.sqrt(n);
  return { lower: mean - halfWidth, upper: mean + halfWidth };
}

/** What a pair's interval says: A - B > 0, < 0, inside +-margin, or not yet. */
export type SequentialVerdict = 'first-better' | 'second-better' | 'equivalent' | 'unresolved';

export interface PairResult {
  readonly first: string;
  readonly second: string;
  /** Paired seeds used. */
  readonly n: number;
  /** Mean of first - second. */
  readonly meanDifference: number;
  readonly interval: Interval;
  readonly verdict: SequentialVerdict;
}

export function verdictOf(interval: Interval, margin: number | null): SequentialVerdict {
  if (interval.lower > 0) return 'first-better';
  if (interval.upper < 0) return 'second-better';
  if (margin !== null && interval.lower > -margin && interval.upper < margin) return 'equivalent';
  return 'unresolved';
}

/**
 * Every pairwise verdict among arms whose outcomes are paired by seed: `outcomes` maps an arm to
 * its outcome per seed (the same seeds in the same order in every arm; NaN marks a missing run,
 * which drops that seed from the pairs that need it). alpha is shared by all pairs (Bonferroni).
 * `margin` (outcome units) enables "equivalent" verdicts; null means only winners resolve a pair.
 */
export function sequentialVerdicts(outcomes: ReadonlyMap<string, readonly number[]>, options: SequentialOptions & { readonly margin?: number | null } = {}): PairResult[] {
  const arms = [...outcomes.keys()];
  const comparisons = Math.max(1, (arms.length * (arms.length - 1)) / 2);
  const results: PairResult[] = [];
  for (let i = 0; i < arms.length; i++) {
    for (let j = i + 1; j < arms.length; j++) {
      const a = outcomes.get(arms[i]!)!;
      const b = outcomes.get(arms[j]!)!;
      const differences: number[] = [];
      for (let k = 0; k < Math.min(a.length, b.length); k++) if (Number.isFinite(a[k]!) && Number.isFinite(b[k]!)) differences.push(a[k]! - b[k]!);
      const interval = confidenceSequence(differences, { ...options, comparisons });
      const meanDifference = differences.length === 0 ? Number.NaN : differences.reduce((s, d) => s + d, 0) / differences.length;
      results.push({ first: arms[i]!, second: arms[j]!, n: differences.length, meanDifference, interval, verdict: verdictOf(interval, options.margin ?? null) });
    }
  }
  return results;
}

/** True when every pair has a verdict (a winner or, with a margin, equivalence). */
export function allResolved(results: readonly PairResult[]): boolean {
  return results.every((r) => r.verdict !== 'unresolved');
}
