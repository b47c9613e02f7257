// The sharing Identity on wasm: a clone (what a gradient saves) shares its data instead of copying,
// reads the same values, outlives the original, and frees the data once both are gone.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../../test-support/numerics.js';

beforeAll(useWasmBackend);

describe('Identity on wasm', () => {
  it('shares the data of a clone, which outlives its original and is freed with the last reference', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const engineBuffers = tf.memory().numDataBuffers, buffers = tf.backend().numDataIds();
    const copy = tf.clone(x);
    expect(tf.memory().numDataBuffers, 'no new buffer in the engine').toBe(engineBuffers);
    expect(tf.backend().numDataIds(), 'no new buffer').toBe(buffers);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    copy.dispose();
    expect(tf.backend().numDataIds()).toBe(buffers - 1);
  });

  it('keeps gradients right where the tape saves inputs (a product saves both)', () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]), b = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(p, q)))([a, b]);
    expect(Array.from(da!.dataSync())).toEqual([0.5, -1, 2, 0.25]);
    expect(Array.from(db!.dataSync())).toEqual([1, 2, 3, 4]);
  });
});
