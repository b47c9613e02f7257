/**
 * Seed aggregation: n per grid x, mean/std/SE/min/max against hand values, identical seeds give zero
 * spread, the t CI band is mean +- t SE, narrows with more seeds and covers the true mean ~95% at
 * 3, 5 and 10 seeds (simulated), the band stops where n < 2, and 1,000 grid points x 10 seeds stays fast.
 */
import { describe, expect, it } from 'vitest';
import { aggregateSeeds, bandOf, describeBand } from './aggregate.js';
import { mulberry32 } from './bootstrap.js';
import { normalSampler } from './normal-sampler.js';

/** Approximately normal draws (sum of 12 uniforms - 6), deterministic. */
function normals(count: number, seed: number, mean = 0, sd = 1): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    let s = 0;
    for (let k = 0; k < 12; k++) s += random();
    return mean + sd * (s - 6);
  });
}

describe('aggregateSeeds', () => {
  it('computes n, mean, std (ddof 1), SE, min and max per grid x', () => {
    const agg = aggregateSeeds([0, 1], [
      [1, 10],
      [2, 10],
      [3, 10],
      [6, 10],
    ]);
    expect(agg.n).toEqual([4, 4]);
    expect(agg.mean).toEqual([3, 10]);
    // deviations -2, -1, 0, 3: squares sum 14, / 3 -> std sqrt(14/3); SE = std / 2
    expect(agg.std[0]).toBeCloseTo(Math.sqrt(14 / 3), 14);
    expect(agg.se[0]).toBeCloseTo(Math.sqrt(14 / 3) / 2, 14);
    expect(agg.min).toEqual([1, 10]);
    expect(agg.max).toEqual([6, 10]);
  });

  it('gives std 0, SE 0 and a CI of width 0 for identical seeds', () => {
    const curve = [0.1, 0.2, 0.30000000000000004, 0.7];
    const agg = aggregateSeeds([0, 1, 2, 3], [curve, curve, curve, curve, curve]);
    expect(agg.mean).toEqual(curve);
    expect(agg.std).toEqual([0, 0, 0, 0]);
    expect(agg.se).toEqual([0, 0, 0, 0]);
    expect(agg.ciLow).toEqual(curve);
    expect(agg.ciHigh).toEqual(curve);
  });

  it('puts the t CI of the mean at mean +- t_{n-1} SE (scipy: t.ppf(0.975, 3) = 3.18244631)', () => {
    const agg = aggregateSeeds([0], [[1], [2], [3], [6]]);
    const se = Math.sqrt(14 / 3) / 2;
    expect(agg.ciLow[0]).toBeCloseTo(3 - 3.18244631 * se, 7);
    expect(agg.ciHigh[0]).toBeCloseTo(3 + 3.18244631 * se, 7);
    // At 2 seeds the 95% t interval is mean +- 12.7 SE: far wider than min-max, as it must be.
    const two = aggregateSeeds([0], [[0], [1]]);
    expect(two.ciHigh[0]).toBeCloseTo(0.5 + 12.70620474 * 0.5, 6);
  });

  for (const n of [3, 5, 10]) {
    it(`the ci95 band covers the true mean ~95% of the time at ${n} seeds (2,000 simulated groups)`, () => {
      const draw = normalSampler(40 + n);
      let covered = 0;
      for (let r = 0; r < 2000; r++) {
        const agg = aggregateSeeds([0], Array.from({ length: n }, () => [0.5 + 0.2 * draw()]));
        if ((agg.ciLow[0] as number) <= 0.5 && 0.5 <= (agg.ciHigh[0] as number)) covered++;
      }
      // Monte Carlo SE 0.49 points; the percentile bootstrap this replaced covered ~75% at 3 seeds.
      expect(Math.abs(covered / 2000 - 0.95)).toBeLessThan(0.02);
    });
  }

  it('narrows the CI with more seeds from the same distribution', () => {
    const width = (seeds: number): number => {
      const agg = aggregateSeeds([0], normals(seeds, 7, 0, 1).map((v) => [v]));
      return (agg.ciHigh[0] as number) - (agg.ciLow[0] as number);
    };
    const w4 = width(4);
    const w16 = width(16);
    const w64 = width(64);
    expect(w16).toBeLessThan(w4);
    expect(w64).toBeLessThan(w16);
    expect(w64).toBeLessThan(0.75); // ~ 2 * 1.96 / sqrt(64) = 0.49 for sd 1
  });

  it('stops the band where fewer than two seeds contribute, and the mean where none do', () => {
    const agg = aggregateSeeds([0, 1, 2, 3], [
      [1, 2, 3, null],
      [3, 4, null, null],
    ]);
    expect(agg.n).toEqual([2, 2, 1, 0]);
    expect(agg.mean).toEqual([2, 3, 3, null]);
    for (const column of [agg.std, agg.se, agg.min, agg.max, agg.ciLow, agg.ciHigh]) {
      expect(column[0]).not.toBeNull();
      expect(column[1]).not.toBeNull();
      expect(column[2]).toBeNull();
      expect(column[3]).toBeNull();
    }
  });

  it('treats NaN as not contributing', () => {
    const agg = aggregateSeeds([0], [[Number.NaN], [1], [3]]);
    expect(agg.n).toEqual([2]);
    expect(agg.mean).toEqual([2]);
  });

  it('honours the confidence and refuses one outside (0, 1)', () => {
    const seeds = normals(30, 3).map((v, i) => [v, v + i / 30]);
    const wide = aggregateSeeds([0, 1], seeds, { confidence: 0.99 });
    const narrow = aggregateSeeds([0, 1], seeds, { confidence: 0.9 });
    expect(wide.ciLow[0]!).toBeLessThan(narrow.ciLow[0]!);
    expect(() => aggregateSeeds([0], [[1]], { confidence: 1 })).toThrow('band confidence must be in (0, 1), got 1');
  });

  it('rejects rows whose length differs from the grid', () => {
    expect(() => aggregateSeeds([0, 1], [[1]])).toThrow(/grid of 2/);
  });

  it('handles 1,000 grid points x 10 seeds quickly', () => {
    const grid = Array.from({ length: 1000 }, (_, i) => i);
    const seeds = Array.from({ length: 10 }, (_, s) => normals(1000, s + 100));
    const started = performance.now();
    const agg = aggregateSeeds(grid, seeds);
    const elapsed = performance.now() - started;
    expect(agg.n.every((n) => n === 10)).toBe(true);
    expect(elapsed).toBeLessThan(2000); // ~50 ms on a laptop; generous for slow CI machines
  });
});

describe('bandOf and describeBand', () => {
  const agg = aggregateSeeds([0, 1], [
    [1, 5],
    [3, null],
  ]);

  it('builds each band, null where the band stops', () => {
    const sd = Math.SQRT2; // values 1, 3: std sqrt(2)
    expect(bandOf(agg, 'std').lower[0]).toBeCloseTo(2 - sd, 14);
    expect(bandOf(agg, 'std').upper[0]).toBeCloseTo(2 + sd, 14);
    expect(bandOf(agg, 'se').upper[0]).toBeCloseTo(2 + sd / Math.SQRT2, 14);
    expect(bandOf(agg, 'minmax')).toEqual({ lower: [1, null], upper: [3, null] });
    expect(bandOf(agg, 'ci95').lower[1]).toBeNull();
    expect(bandOf(agg, 'std').upper[1]).toBeNull();
  });

  it('names the band for the legend', () => {
    expect(describeBand('ci95', agg.confidence)).toBe('95% t CI of the mean (band where n ≥ 2)');
    expect(describeBand('std')).toBe('± std over seeds (band where n ≥ 2)');
  });
});
