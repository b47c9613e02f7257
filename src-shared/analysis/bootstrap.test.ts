/**
 * Bootstrap building blocks: a deterministic PRNG, type-7 quantiles that survive infinities, an exact
 * mean for identical values, and percentile intervals that contain the estimate and are reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  bootstrapMeanInterval,
  meanOf,
  mulberry32,
  percentileInterval,
  quantileSorted,
  resampleIndices,
  resolveBootstrapOptions,
} from './bootstrap.js';

describe('mulberry32', () => {
  it('is deterministic per seed, differs across seeds, and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(meanOf(xs)).toBeCloseTo(0.5, 1.5);
  });
});

describe('quantileSorted', () => {
  it('interpolates between order statistics like numpy (type 7)', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 0.25)).toBe(1.75);
    expect(quantileSorted(sorted, 0.5)).toBe(2.5);
    expect(quantileSorted(sorted, 1)).toBe(4);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('returns Infinity, never NaN, when infinite values are involved', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(quantileSorted([1, inf, inf], 0.9)).toBe(inf);
    expect(quantileSorted([1, 2, inf], 0.75)).toBe(inf);
    expect(quantileSorted([1, 2, inf], 0.5)).toBe(2);
  });
});

describe('percentileInterval', () => {
  it('selects the same quantiles as sorting does, with ties and infinities', () => {
    const value = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }), fc.constant(Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (xs, confidence) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const tail = (1 - confidence) / 2;
        const got = percentileInterval(Float64Array.from(xs), confidence);
        // `+ 0` maps -0 to 0: sorting and selection may pick either of two equal zeros (fast-check draws both).
        expect(got.low + 0).toBe(quantileSorted(sorted, tail) + 0);
        expect(got.high + 0).toBe(quantileSorted(sorted, 1 - tail) + 0);
      }),
      { numRuns: 500 },
    );
  });

  it('returns NaN ends when a value is NaN', () => {
    expect(percentileInterval(Float64Array.from([1, Number.NaN, 2]), 0.9).low).toBeNaN();
  });
});

describe('meanOf', () => {
  it('is exact for identical values (no hairline band from rounding)', () => {
    expect(meanOf([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toBe(0.1);
    expect(meanOf([1, 2, 3, 4])).toBe(2.5);
    expect(meanOf([])).toBeNaN();
  });
});

describe('resampleIndices', () => {
  it('draws n indices in [0, n) per resample, reproducibly', () => {
    const indices = resampleIndices(5, 200, 7);
    expect(indices.length).toBe(1000);
    expect(Array.from(indices).every((i) => i < 5)).toBe(true);
    expect(new Set(indices).size).toBe(5);
    expect(resampleIndices(5, 200, 7)).toEqual(indices);
  });
});

describe('bootstrapMeanInterval', () => {
  const values = [0.2, 0.35, 0.5, 0.41, 0.28, 0.6, 0.33, 0.47];

  it('contains the sample mean and lies within the data range', () => {
    const ci = bootstrapMeanInterval(values);
    const mean = meanOf(values);
    expect(ci).not.toBeNull();
    expect(ci!.low).toBeLessThan(mean);
    expect(ci!.high).toBeGreaterThan(mean);
    expect(ci!.low).toBeGreaterThanOrEqual(Math.min(...values));
    expect(ci!.high).toBeLessThanOrEqual(Math.max(...values));
  });

  it('is reproducible for a seed and changes with the seed', () => {
    expect(bootstrapMeanInterval(values, { seed: 3 })).toEqual(bootstrapMeanInterval(values, { seed: 3 }));
    expect(bootstrapMeanInterval(values, { seed: 3 })).not.toEqual(bootstrapMeanInterval(values, { seed: 4 }));
  });

  it('widens with the confidence level', () => {
    const ci80 = bootstrapMeanInterval(values, { confidence: 0.8 })!;
    const ci99 = bootstrapMeanInterval(values, { confidence: 0.99 })!;
    expect(ci99.high - ci99.low).toBeGreaterThan(ci80.high - ci80.low);
  });

  it('has width 0 for identical values and is null for fewer than two', () => {
    expect(bootstrapMeanInterval([0.7, 0.7, 0.7])).toEqual({ low: 0.7, high: 0.7 });
    expect(bootstrapMeanInterval([0.7])).toBeNull();
    expect(bootstrapMeanInterval([])).toBeNull();
  });
});

describe('bootstrapInterval', () => {
  it('bootstraps any statistic, here a median with an infinite value', () => {
    const median = (s: Float64Array): number => quantileSorted(s.sort(), 0.5);
    const ci = bootstrapInterval([100, 120, 140, 160, Number.POSITIVE_INFINITY], median)!;
    expect(ci.low).toBeGreaterThanOrEqual(100);
    expect(ci.low).toBeLessThanOrEqual(140);
    expect(ci.high).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('resolveBootstrapOptions', () => {
  it('fills defaults and rejects bad values', () => {
    expect(resolveBootstrapOptions()).toEqual({ resamples: 1000, seed: 0, confidence: 0.95 });
    expect(() => resolveBootstrapOptions({ resamples: 0 })).toThrow(RangeError);
    expect(() => resolveBootstrapOptions({ confidence: 1 })).toThrow(RangeError);
  });
});
