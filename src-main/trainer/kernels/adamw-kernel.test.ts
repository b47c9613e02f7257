// The fused AdamW kernel against the same update written in tf ops, on random inputs, with and
// without decay and gradient scaling, late in training (bias correction near 1) and early.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, useWasmBackend } from '../../../test-support/numerics.js';
import { Rng } from '../rng.js';
import { adamwReference, adamwUpdate, type AdamWUpdate } from './adamw-kernel.js';

beforeAll(useWasmBackend);

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
        fused.forEach((t, i) => expectClose(t.dataSync(), reference[i]!.dataSync(), 1e-6, 1e-9));
        // The update actually moved the weights (a kernel that returned p would fail above only by luck).
        expect(Math.max(...Array.from(tf.abs(tf.sub(fused[0], p)).dataSync()))).toBeGreaterThan(1e-4);
      });
    });
  }
});
