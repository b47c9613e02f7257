/**
 * Debiased EMA: starts at the first raw value, keeps constants constant, matches hand-computed
 * values, is causal (a prefix smooths to the prefix of the smoothed whole), skips non-finite values.
 */
import { describe, expect, it } from 'vitest';
import { debiasedEma, describeSmoothing } from './smoothing.js';

/** The textbook form, s_t = w s_{t-1} + (1 - w) x_t reported as s_t / (1 - w^t), as an oracle. */
function textbookDebiasedEma(values: number[], w: number): number[] {
  let s = 0;
  return values.map((x, i) => {
    s = w * s + (1 - w) * x;
    return s / (1 - w ** (i + 1));
  });
}

describe('debiasedEma', () => {
  it('starts at the raw first value for any weight (an undebiased EMA would start at (1 - w) x_1)', () => {
    for (const w of [0, 0.5, 0.9, 0.99, 0.999]) {
      expect(debiasedEma([3.25, 10, -4], w)[0]).toBe(3.25);
    }
  });

  it('keeps a constant series exactly constant', () => {
    const constant = new Array<number>(500).fill(0.1);
    for (const w of [0.3, 0.9, 0.999]) {
      expect(debiasedEma(constant, w)).toEqual(constant);
    }
  });

  it('matches hand-computed values: w = 0.5 on [1, 2, 3] gives [1, 5/3, 17/7]', () => {
    // s1 = 0.5 -> /0.5 = 1; s2 = 0.25 + 1 = 1.25 -> /0.75 = 5/3; s3 = 0.625 + 1.5 = 2.125 -> /0.875 = 17/7
    const out = debiasedEma([1, 2, 3], 0.5);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeCloseTo(5 / 3, 14);
    expect(out[2]).toBeCloseTo(17 / 7, 14);
  });

  it('agrees with the textbook recurrence on a noisy series', () => {
    const xs = Array.from({ length: 200 }, (_, i) => Math.sin(i / 7) + ((i * 37) % 11) / 10);
    const ours = debiasedEma(xs, 0.8);
    const oracle = textbookDebiasedEma(xs, 0.8);
    ours.forEach((v, i) => expect(v).toBeCloseTo(oracle[i] as number, 12));
  });

  it('is the identity at weight 0 and returns a new array', () => {
    const xs = [5, -1, 2.5];
    const out = debiasedEma(xs, 0);
    expect(out).toEqual(xs);
    expect(out).not.toBe(xs);
  });

  it('is causal: smoothing a prefix gives the prefix of the smoothed series (no dependence on point count)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => Math.cos(i / 3) * i);
    const whole = debiasedEma(xs, 0.95);
    expect(debiasedEma(xs.slice(0, 40), 0.95)).toEqual(whole.slice(0, 40));
  });

  it('passes non-finite values through without letting them poison later points', () => {
    const out = debiasedEma([1, Number.NaN, 1, Number.POSITIVE_INFINITY, 1], 0.9);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(1);
    expect(out[3]).toBe(Number.POSITIVE_INFINITY);
    expect(out[4]).toBe(1);
  });

  it('rejects weights outside [0, 1)', () => {
    expect(() => debiasedEma([1], 1)).toThrow(RangeError);
    expect(() => debiasedEma([1], -0.1)).toThrow(/\[0, 1\)/);
    expect(() => debiasedEma([1], Number.NaN)).toThrow(RangeError);
  });

  it('handles an empty series', () => {
    expect(debiasedEma([], 0.9)).toEqual([]);
  });
});

describe('describeSmoothing', () => {
  it('names the weight for the legend', () => {
    expect(describeSmoothing(0)).toBe('no smoothing');
    expect(describeSmoothing(0.9)).toBe('debiased EMA, weight 0.9, per seed before aggregation');
  });
});
