/** The noncentral t CDF against scipy 1.17 (stats.nct.cdf), both tails, df from 2 to 30, delta of either sign. */
import { describe, expect, it } from 'vitest';
import { noncentralTCdf } from './noncentral-t.js';
import { studentTCdf } from './t-distribution.js';

describe('noncentralTCdf', () => {
  it.each<[number, number, number, number]>([
    [2.0, 5, 1.5, 0.6314492472556718],
    [-1.0, 3, 0.5, 0.09212120981435942],
    [0.5, 10, -2.0, 0.993299615520874],
    [3.2, 2, 4.0, 0.2474882480500332],
    [1.0, 30, 0.0, 0.8373456922869849],
    [-2.5, 7, -1.0, 0.11805765995758633],
    [10, 4, 8, 0.6308339336559515],
  ])('P(T <= %s; df %s, delta %s) = %s', (t, df, delta, expected) => {
    expect(Math.abs(noncentralTCdf(t, df, delta) - expected)).toBeLessThan(1e-10);
  });

  it('is the central t at delta 0, and 0 / 1 at the infinities', () => {
    for (const t of [-3, -0.4, 0, 0.7, 2.5]) expect(noncentralTCdf(t, 6, 0)).toBeCloseTo(studentTCdf(t, 6), 12);
    expect([noncentralTCdf(-Infinity, 4, 1), noncentralTCdf(Infinity, 4, 1)]).toEqual([0, 1]);
    expect(noncentralTCdf(1, 0, 1)).toBeNaN();
  });
});
