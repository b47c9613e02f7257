/**
 * Student t and normal quantiles and CDFs against reference values (scipy.stats 1.x: t.ppf, t.cdf,
 * t.sf, norm.ppf), including fractional df as Welch's test produces.
 */
import { describe, expect, it } from 'vitest';
import { normalQuantile, studentTCdf, studentTQuantile, studentTTwoSidedP } from './t-distribution.js';

describe('Student t', () => {
  it('quantiles match scipy at small and fractional df', () => {
    const cases: [number, number][] = [
      [1, 12.70620474],
      [2, 4.30265273],
      [4, 2.77644511],
      [9, 2.26215716],
      [2.5, 3.57465484],
    ];
    for (const [df, expected] of cases) expect(studentTQuantile(0.975, df)).toBeCloseTo(expected, 6);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.77644511, 6);
    expect(studentTQuantile(0.5, 3)).toBe(0);
  });

  it('CDF and two-sided p match scipy', () => {
    expect(studentTCdf(2, 5)).toBeCloseTo(0.9490302605850708, 10);
    expect(studentTCdf(-2, 5)).toBeCloseTo(1 - 0.9490302605850708, 10);
    expect(studentTTwoSidedP(3.1, 7)).toBeCloseTo(0.017322289425497513, 10);
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(studentTTwoSidedP(0, 3)).toBe(1);
  });

  it('quantile inverts the CDF', () => {
    for (const df of [1, 2, 3, 7.3, 30, 200]) {
      for (const q of [0.6, 0.9, 0.975, 0.999]) expect(studentTCdf(studentTQuantile(q, df), df)).toBeCloseTo(q, 9);
    }
  });
});

describe('normal quantile', () => {
  it('matches scipy in the centre and the tails', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0)).toBeNaN();
  });
});
