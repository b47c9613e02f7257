/**
 * Small-sample intervals and tests on means over seeds: the Student t interval of one mean, the
 * paired t and Welch t comparisons of two (difference, CI, standardised effect, two-sided p), and
 * the seeds a comparison needs for 80% power. These hold their nominal level at n = 3..10 where
 * the percentile bootstrap does not (see the coverage simulations in t-intervals.test.ts). No
 * pairing, multiplicity or outcome logic here: verdict.ts does that.
 */
import { meanOf } from './bootstrap.js';
import { normalQuantile, studentTQuantile, studentTTwoSidedP } from './t-distribution.js';
import { noncentralTCdf } from './noncentral-t.js';

/** Sample variance (ddof 1) about `mean`; NaN for fewer than two values. */
export function sampleVariance(values: readonly number[], mean: number = meanOf(values)): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return squares / (n - 1);
}

const quantileCache = new Map<string, number>();
/** The (1 + confidence) / 2 quantile of t with df degrees of freedom, cached (intervals ask for few df). */
export function tCritical(confidence: number, df: number): number {
  const key = `${confidence}:${df}`;
  let value = quantileCache.get(key);
  if (value === undefined) {
    value = studentTQuantile((1 + confidence) / 2, df);
    if (quantileCache.size > 10_000) quantileCache.clear();
    quantileCache.set(key, value);
  }
  return value;
}

/** A two-sided interval. */
export interface MeanInterval {
  readonly low: number;
  readonly high: number;
}

/**
 * Student t interval of the mean: mean +- t_{(1+c)/2, n-1} s / sqrt(n). Exact for normal data at
 * any n >= 2; null for fewer than two values. Identical values give a zero-width interval.
 */
export function tMeanInterval(values: readonly number[], confidence = 0.95): MeanInterval | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = meanOf(values);
  const half = (tCritical(confidence, n - 1) * Math.sqrt(sampleVariance(values, mean))) / Math.sqrt(n);
  return { low: mean - half, high: mean + half };
}

/** A two-sample comparison of means, a - b. */
export interface MeanDifference {
  /** Mean of a minus mean of b (paired: the mean of the per-seed differences). */
  readonly estimate: number;
  /** t interval of the difference; null when it cannot be formed (too few values). */
  readonly ci: MeanInterval | null;
  /**
   * Standardised difference: paired, d_z = mean difference / SD of the differences; unpaired,
   * Cohen's d = difference / pooled SD. null when the SD is 0 or undefined.
   */
  readonly effectSize: number | null;
  /** Two-sided p of H0: no difference; null when it cannot be formed. */
  readonly p: number | null;
  /** Degrees of freedom of the t reference (Welch's fractional df when unpaired). */
  readonly df: number | null;
  /** 'paired t', 'Welch t', or the exact permutation test used when the sample spread is 0. */
  readonly method: string;
}

/**
 * Paired t on per-seed differences a[i] - b[i] (same length, same seed order). When every
 * difference is the same the t statistic is undefined; then p is the exact sign-flip permutation p
 * (1 when they are all 0, else 2 / 2^n: only the all-plus and all-minus sign patterns are as
 * extreme), with a zero-width interval.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = 0.95): MeanDifference {
  if (a.length !== b.length) throw new RangeError(`paired samples need equal lengths, got ${a.length} and ${b.length}`);
  const d = a.map((v, i) => v - b[i]!);
  const n = d.length;
  const estimate = meanOf(d);
  if (n < 2) return { estimate, ci: null, effectSize: null, p: null, df: null, method: 'paired t' };
  const sd = Math.sqrt(sampleVariance(d, estimate));
  if (sd === 0 || d.every((v) => v === d[0])) {
    const p = estimate === 0 ? 1 : Math.min(1, 2 / 2 ** n);
    return { estimate, ci: { low: estimate, high: estimate }, effectSize: null, p, df: n - 1, method: 'exact sign-flip (no spread)' };
  }
  const se = sd / Math.sqrt(n);
  const half = tCritical(confidence, n - 1) * se;
  return {
    estimate,
    ci: { low: estimate - half, high: estimate + half },
    effectSize: estimate / sd,
    p: studentTTwoSidedP(estimate / se, n - 1),
    df: n - 1,
    method: 'paired t',
  };
}

/** Binomial coefficient C(n, k) as a double. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/**
 * Welch's unequal-variance t comparison of two independent samples, with Cohen's d on the pooled
 * SD. When both samples have no spread, p is the exact permutation p (1 when the values agree; else
 * only the observed split, and its mirror when the sizes are equal, are as extreme).
 */
export function welchDifference(a: readonly number[], b: readonly number[], confidence = 0.95): MeanDifference {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) return { estimate: Number.NaN, ci: null, effectSize: null, p: null, df: null, method: 'Welch t' };
  const ma = meanOf(a);
  const mb = meanOf(b);
  const estimate = ma - mb;
  if (na < 2 || nb < 2) return { estimate, ci: null, effectSize: null, p: null, df: null, method: 'Welch t' };
  const va = sampleVariance(a, ma);
  const vb = sampleVariance(b, mb);
  const pooledSd = Math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2));
  if (va === 0 && vb === 0) {
    const p = estimate === 0 ? 1 : Math.min(1, (na === nb ? 2 : 1) / choose(na + nb, na));
    return { estimate, ci: { low: estimate, high: estimate }, effectSize: null, p, df: na + nb - 2, method: 'exact permutation (no spread)' };
  }
  const sa = va / na;
  const sb = vb / nb;
  const se = Math.sqrt(sa + sb);
  const df = ((sa + sb) * (sa + sb)) / ((sa * sa) / (na - 1) + (sb * sb) / (nb - 1));
  const half = tCritical(confidence, df) * se;
  return {
    estimate,
    ci: { low: estimate - half, high: estimate + half },
    effectSize: pooledSd > 0 ? estimate / pooledSd : null,
    p: studentTTwoSidedP(estimate / se, df),
    df,
    method: 'Welch t',
  };
}

/** Power settings: two-sided level and the power wanted. */
export interface PowerOptions {
  /** Two-sided significance level (default 0.05). */
  readonly alpha?: number;
  /** Wanted power (default 0.8). */
  readonly power?: number;
  /** Largest n searched; beyond it the answer is null (default 10,000). */
  readonly maxSeeds?: number;
}

/**
 * Exact power of a two-sided t test with standardised effect `effect` and n seeds: paired
 * (ncp = d sqrt(n), df = n - 1) or two equal arms of n (ncp = d sqrt(n / 2), df = 2n - 2, the df
 * Welch's test has when the arms' spreads agree): P(T' > t_crit) + P(T' < -t_crit) for the
 * noncentral t T'. (The shifted central t, 1 - T_df(t_crit - ncp), overstates it just enough to
 * name one seed too few near the 80% line.)
 */
export function tTestPower(effect: number, n: number, paired: boolean, alpha = 0.05): number {
  const df = paired ? n - 1 : 2 * n - 2;
  if (df < 1) return 0;
  const ncp = Math.abs(effect) * Math.sqrt(paired ? n : n / 2);
  const critical = tCritical(1 - alpha, df);
  return 1 - noncentralTCdf(critical, df, ncp) + noncentralTCdf(-critical, df, ncp);
}

/**
 * Seeds per arm a t test needs to detect a standardised effect at the wanted power (smallest n >= 2);
 * null for a zero or undefined effect, or beyond maxSeeds.
 */
export function seedsForPower(effect: number | null, paired: boolean, options: PowerOptions = {}): number | null {
  const { alpha = 0.05, power = 0.8, maxSeeds = 10_000 } = options;
  if (effect === null || !Number.isFinite(effect) || effect === 0) return null;
  // Normal approximation as the starting point, then walk up (power rises with n).
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  let n = Math.max(2, Math.floor((paired ? 1 : 2) * (z / effect) ** 2) - 2);
  if (n > maxSeeds) return null;
  while (n >= 3 && tTestPower(effect, n - 1, paired, alpha) >= power) n--;
  while (tTestPower(effect, n, paired, alpha) < power) {
    n++;
    if (n > maxSeeds) return null;
  }
  return n;
}
