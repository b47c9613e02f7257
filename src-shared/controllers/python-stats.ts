/**
 * The few statistics the AGM_Training controllers compute, written to give the same floats as the
 * Python originals: sums run left to right exactly as CPython 3.11's built-in `sum()` does (no
 * compensation; the conformance fixtures match it bit for bit), variances are population variances
 * (divide by n) and slopes are least squares over x = 0..n-1. Pure functions; no other math here.
 */

/** Left-to-right float sum, as Python's `sum(xs)` (CPython <= 3.11). */
export function pySum(xs: readonly number[]): number {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}

/** `sum(xs) / len(xs)`; 0 for an empty list (the controllers' convention). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : pySum(xs) / xs.length;
}

/** Population variance `sum((x - m)^2) / n`; 0 for an empty list. */
export function populationVariance(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const m = pySum(xs) / xs.length;
  return pySum(xs.map((x) => (x - m) * (x - m))) / xs.length;
}

/**
 * Least-squares slope of `values` against x = 0..n-1 from the closed-form sums; 0 when the
 * denominator vanishes (|denom| < 1e-12). Callers decide what happens for short lists.
 */
export function leastSquaresSlope(values: readonly number[]): number {
  const n = values.length;
  const sx = ((n - 1) * n) / 2;
  const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
  const sy = pySum(values);
  const sxy = pySum(values.map((v, i) => i * v));
  const denom = n * sxx - sx * sx;
  return Math.abs(denom) < 1e-12 ? 0 : (n * sxy - sx * sy) / denom;
}

/** The relative spread |a - h| / (|a| + |h| + 1e-8) of the latest arithmetic and harmonic values. */
export function relativeSpread(a: number, h: number): number {
  return Math.abs(a - h) / (Math.abs(a) + Math.abs(h) + 1e-8);
}

/** How much of the first A-H gap the latest gap closed, in [0, 1]; `fallback` when undefined. */
export function gapReduction(arithmetic: readonly number[], harmonic: readonly number[], fallback = 0.5): number {
  const n = Math.min(arithmetic.length, harmonic.length);
  if (n < 2) return fallback;
  const first = Math.abs(arithmetic[0]! - harmonic[0]!);
  const last = Math.abs(arithmetic[n - 1]! - harmonic[n - 1]!);
  if (first <= 1e-8) return fallback;
  return Math.min(1, Math.max(0, (first - last) / first));
}
