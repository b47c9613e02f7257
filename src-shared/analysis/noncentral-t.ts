/**
 * The noncentral t distribution's CDF (Lenth 1989, Applied Statistics algorithm AS 243), for the
 * exact power of a t test (t-intervals.ts). A Poisson-weighted sum of incomplete beta functions,
 * summed until the remaining weight bounds the error below 1e-12. Not a general library: no
 * quantile, no density.
 */
import { logGamma, normalCdf, regularizedBeta } from './t-distribution.js';

const ERROR_MAX = 1e-12;
const MAX_TERMS = 10_000;

/** P(T <= t) for the noncentral t with `df` > 0 degrees of freedom and noncentrality `delta`. */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  if (Number.isNaN(t) || Number.isNaN(delta) || !(df > 0)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  // P(T <= t; delta) = 1 - P(T <= -t; -delta): the series below wants t >= 0.
  if (t < 0) return Math.min(1, Math.max(0, 1 - upperHalfCdf(-t, df, -delta)));
  return Math.min(1, Math.max(0, upperHalfCdf(t, df, delta)));
}

/** AS 243 for t >= 0. */
function upperHalfCdf(t: number, df: number, delta: number): number {
  const x = (t * t) / (t * t + df);
  let sum = 0;
  if (x > 0) {
    const lambda = delta * delta;
    let p = 0.5 * Math.exp(-0.5 * lambda);
    let q = Math.sqrt(2 / Math.PI) * p * delta;
    let s = 0.5 - p;
    let a = 0.5;
    const b = 0.5 * df;
    const rxb = (1 - x) ** b;
    const logBeta = 0.5 * Math.log(Math.PI) + logGamma(b) - logGamma(0.5 + b);
    let xOdd = regularizedBeta(x, a, b);
    let gOdd = 2 * rxb * Math.exp(a * Math.log(x) - logBeta);
    let xEven = 1 - rxb;
    let gEven = b * x * rxb;
    sum = p * xOdd + q * xEven;
    for (let en = 1; en <= MAX_TERMS; en++) {
      a += 1;
      xOdd -= gOdd;
      xEven -= gEven;
      gOdd *= (x * (a + b - 1)) / a;
      gEven *= (x * (a + b - 0.5)) / (a + 0.5);
      p *= lambda / (2 * en);
      q *= lambda / (2 * en + 1);
      s -= p;
      sum += p * xOdd + q * xEven;
      // The terms left weigh at most 2 s (xOdd - gOdd): AS 243's error bound.
      if (2 * s * (xOdd - gOdd) <= ERROR_MAX) break;
    }
  }
  return sum + normalCdf(-delta);
}
