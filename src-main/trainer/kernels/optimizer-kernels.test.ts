// The fused optimizer kernels against the same updates written in tf ops, on random inputs: AdamW
// with and without decay and gradient scaling, late in training (bias correction near 1) and
// early; Muon's momentum step and its decayed, scaled application around Newton-Schulz.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, useWasmBackend } from '../../../test-support/numerics.js';
import { Rng } from '../rng.js';
import { adamwReference, adamwUpdate, type AdamWUpdate } from './adamw-kernel.js';
import { sumOfSquares } from './kernel-io.js';
import { muonApply, muonMomentum } from './muon-kernel.js';

beforeAll(useWasmBackend);

/**
 * The tf ops round every intermediate to float32; the kernels keep float64 intermediates (or, in
 * AdamW's SIMD loop, another float32 order): near a cancellation the two differ by a few float32
 * ulps of the operands (~0.1 here), not of the result.
 */
const ULPS = 1e-8;

function random(rng: Rng, n: number, scale: number, positive = false): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: n }, () => (positive ? Math.abs(rng.truncatedNormal(scale)) : rng.truncatedNormal(scale))), [n / 8, 8]);
}

describe('fused AdamW kernel', () => {
  const cases: [string, Partial<AdamWUpdate>][] = [
    ['first step, decayed', { step: 1, decay: 0.003 * 0.1 }],
    ['late step, no decay, clipped gradient', { step: 500, decay: 0, gradScale: 0.37 }],
  ];
  for (const [name, overrides] of cases) {
    it(`equals the tf-op update within float32 rounding: ${name}`, () => {
      const rng = new Rng(7);
      const update: AdamWUpdate = { lr: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decay: 0, step: 1, gradScale: 1, ...overrides };
      tf.tidy(() => {
        const [p, g, m, v] = [random(rng, 4096, 0.02), random(rng, 4096, 0.1), random(rng, 4096, 0.01), random(rng, 4096, 0.001, true)];
        const before = tf.memory().numTensors;
        const fused = adamwUpdate(p, g, m, v, update);
        expect(tf.memory().numTensors - before, 'exactly the three outputs').toBe(3);
        const reference = adamwReference(p, g, m, v, update);
        fused.forEach((t, i) => expectClose(t.dataSync(), reference[i]!.dataSync(), 1e-6, ULPS));
        // The update actually moved the weights (a kernel that returned p would fail above only by luck).
        expect(Math.max(...Array.from(tf.abs(tf.sub(fused[0], p)).dataSync()))).toBeGreaterThan(1e-4);
      });
    });
  }

  it('updates every value of a parameter whose size is not a multiple of 4 (the SIMD loop\'s tail)', () => {
    const rng = new Rng(17);
    const update: AdamWUpdate = { lr: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decay: 0.0003, step: 3, gradScale: 0.8 };
    tf.tidy(() => {
      const values = (scale: number, positive = false) => tf.tensor2d(Float32Array.from({ length: 21 }, () => (positive ? Math.abs(rng.truncatedNormal(scale)) : rng.truncatedNormal(scale))), [3, 7]);
      const [p, g, m, v] = [values(0.02), values(0.1), values(0.01), values(0.001, true)];
      const fused = adamwUpdate(p, g, m, v, update);
      const reference = adamwReference(p, g, m, v, update);
      fused.forEach((t, i) => expectClose(t.dataSync(), reference[i]!.dataSync(), 1e-6, ULPS));
    });
  });
});

describe('fused Muon kernels', () => {
  it('momentum: B <- mu B + s G and U = s G + mu B, as the tf ops compute them', () => {
    const rng = new Rng(8);
    tf.tidy(() => {
      const [buffer, grad] = [random(rng, 512, 0.05), random(rng, 512, 0.1)];
      for (const scale of [1, 0.42]) {
        const [b, u] = muonMomentum(buffer, grad, 0.95, scale);
        const g = scale === 1 ? grad : tf.mul(grad, scale);
        const bRef = tf.add(tf.mul(buffer, 0.95), g);
        expectClose(b.dataSync(), bRef.dataSync(), 1e-6, ULPS);
        expectClose(u.dataSync(), tf.add(g, tf.mul(bRef, 0.95)).dataSync(), 1e-6, ULPS);
      }
    });
  });

  it('apply: p (1 - lr wd) - step O, and p - step O without decay', () => {
    const rng = new Rng(9);
    tf.tidy(() => {
      const [p, o] = [random(rng, 512, 0.05), random(rng, 512, 1)];
      expectClose(muonApply(p, o, 0.003 * 0.1, 0.003 * 1.6).dataSync(), tf.sub(tf.mul(p, 1 - 0.003 * 0.1), tf.mul(o, 0.003 * 1.6)).dataSync(), 1e-6, ULPS);
      expectClose(muonApply(p, o, 0, 0.01).dataSync(), tf.sub(p, tf.mul(o, 0.01)).dataSync(), 1e-6, ULPS);
    });
  });
});

describe('sum of squares (the gradient norm)', () => {
  it('sums squares in float64 over every value, SIMD body and tail alike', () => {
    const rng = new Rng(12);
    for (const n of [4099, 8, 3]) {
      const values = Float32Array.from({ length: n }, () => rng.truncatedNormal(0.1));
      let expected = 0;
      for (const v of values) expected += v * v;
      tf.tidy(() => {
        expect(Math.abs(sumOfSquares(tf.tensor1d(values)) - expected)).toBeLessThanOrEqual(1e-12 * expected);
      });
    }
  });
});
