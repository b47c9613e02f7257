/**
 * Property tests of the masked log-space power mean (objectives.md section 4): ordering in p,
 * continuity across p = 0, padding invariance, the gradient identity d log M_p / dz = softmax(p z),
 * agreement with a float64 reference, and tensor hygiene.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { logPowerMean, SERIES_THRESHOLD } from './power-mean.js';
import { expectClose, expectNoLeak, useWasmBackend } from '../../test-support/numerics.js';

beforeAll(useWasmBackend);

/** float64 reference: log M_p of the values z. */
function referenceLogPowerMean(z: readonly number[], p: number): number {
  const n = z.length;
  if (p === 0) return z.reduce((a, b) => a + b, 0) / n;
  const m = Math.max(...z.map((v) => p * v));
  return (m + Math.log(z.reduce((a, v) => a + Math.exp(p * v - m), 0) / n)) / p;
}

/** log M_p of one unpadded sequence, computed by the library (padded to width 8). */
function libraryLogPowerMean(z: readonly number[], p: number | 'tensor', pValue = 0): number {
  return tf.tidy(() => {
    const width = 8;
    const row = [...z, ...new Array<number>(width - z.length).fill(123)]; // padding garbage must not matter
    const mask = [...z.map(() => 1), ...new Array<number>(width - z.length).fill(0)];
    const pArg = p === 'tensor' ? tf.scalar(pValue) : p;
    return logPowerMean(tf.tensor2d([row]), tf.tensor2d([mask]), pArg).dataSync()[0]!;
  });
}

const logRatios = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 8 });
const RUNS = { numRuns: 60, seed: 20261121 };

describe('power mean properties', () => {
  it('M_-1 <= M_0 <= M_1, and M_p is non-decreasing in p', () => {
    const ps = [-4, -2, -1, -0.5, 0, 0.5, 1, 2, 4];
    fc.assert(
      fc.property(logRatios, (z) => {
        const values = ps.map((p) => libraryLogPowerMean(z, p));
        for (let i = 1; i < values.length; i++) {
          expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]! - 1e-6);
        }
      }),
      RUNS,
    );
  });

  it('matches a float64 reference for p in [-4, 4]', () => {
    fc.assert(
      fc.property(logRatios, fc.double({ min: -4, max: 4, noNaN: true }), (z, p) => {
        const usable = Math.abs(p) < SERIES_THRESHOLD ? 0 : p; // below the threshold the spec prescribes the series
        const expected = Math.abs(p) < SERIES_THRESHOLD ? referenceLogPowerMean(z, 0) + (p / 2) * variance(z) : referenceLogPowerMean(z, usable);
        expectClose(libraryLogPowerMean(z, p), expected, 2e-6, 2e-6);
      }),
      RUNS,
    );
  });

  it('is continuous across p = 0 and across the series threshold', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 2, maxLength: 8 }), (z) => {
        const below = libraryLogPowerMean(z, SERIES_THRESHOLD * 0.999);
        const above = libraryLogPowerMean(z, SERIES_THRESHOLD * 1.001);
        expect(Math.abs(above - below)).toBeLessThan(1e-6);
        const negBelow = libraryLogPowerMean(z, -SERIES_THRESHOLD * 0.999);
        const negAbove = libraryLogPowerMean(z, -SERIES_THRESHOLD * 1.001);
        expect(Math.abs(negAbove - negBelow)).toBeLessThan(1e-6);
        // Approaching 0 from either side lands on the geometric mean.
        const geometric = libraryLogPowerMean(z, 0);
        expect(Math.abs(libraryLogPowerMean(z, 1e-7) - geometric)).toBeLessThan(1e-6);
        expect(Math.abs(libraryLogPowerMean(z, -1e-7) - geometric)).toBeLessThan(1e-6);
      }),
      RUNS,
    );
  });

  it('a tensor p gives the same values as a number p (learnable path)', () => {
    fc.assert(
      fc.property(logRatios, fc.constantFrom(-1.5, -1, -1e-4, 0, 2e-3, 0.5, 1), (z, p) => {
        expectClose(libraryLogPowerMean(z, 'tensor', p), libraryLogPowerMean(z, p), 1e-6, 1e-7);
      }),
      RUNS,
    );
  });

  it('d log M_p / dz = softmax(p z) over the scored tokens, 0 on padding', () => {
    const z = [0.3, -0.7, 1.1];
    for (const p of [-1, 0.5, 2]) {
      const grad = tf.tidy(() =>
        Array.from(tf.grad((zt: tf.Tensor) => tf.sum(logPowerMean(zt as tf.Tensor2D, tf.tensor2d([[1, 1, 1, 0]]), p)))(tf.tensor2d([[...z, 9]])).dataSync()),
      );
      const weights = z.map((v) => Math.exp(p * v));
      const total = weights.reduce((a, b) => a + b, 0);
      expectClose(grad, [...weights.map((w) => w / total), 0], 1e-5, 1e-7);
    }
  });

  it('an all-padding row gives log M = 0 and no NaN', () => {
    const value = tf.tidy(() => logPowerMean(tf.tensor2d([[5, 5]]), tf.tensor2d([[0, 0]]), -1).dataSync()[0]);
    expect(value).toBe(0);
  });

  it('leaks no tensor', () => {
    expectNoLeak(() => libraryLogPowerMean([0.1, 0.2], 'tensor', 0.7));
    expectNoLeak(() => libraryLogPowerMean([0.1, 0.2], 1e-4));
  });
});

function variance(z: readonly number[]): number {
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  return z.reduce((a, v) => a + (v - mean) ** 2, 0) / z.length;
}
