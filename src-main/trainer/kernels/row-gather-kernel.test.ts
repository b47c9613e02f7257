// Row gather against a selection-matrix product (its gradient is the transposed selection), and the
// prefix-sharing row maps on a small grouped batch.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, useWasmBackend } from '../../../test-support/numerics.js';
import { gatherRows } from '../../../test-support/kernel-ops.js';
import { sharedPrefixRows } from './row-gather-kernel.js';

beforeAll(useWasmBackend);

describe('gatherRows', () => {
  // Rows of 3 floats take the JS loops; rows of 8 the wasm SIMD scatter-add.
  for (const d of [3, 8]) {
    it(`equals a selection-matrix product in value and gradient, repeated and unused rows included (rows of ${d})`, () => {
      const index = [2, 0, 2, 3, 2];
      const x = tf.tensor2d(Float32Array.from({ length: 5 * d }, (_, i) => Math.sin(i + 1)), [5, d]); // row 1 and 4 unused
      const upstream = tf.tensor2d(Float32Array.from({ length: index.length * d }, (_, i) => Math.cos(i)), [index.length, d]);
      const selection = tf.tensor2d(Float32Array.from({ length: index.length * 5 }, (_, i) => (index[Math.floor(i / 5)] === i % 5 ? 1 : 0)), [index.length, 5]);
      const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, index), upstream)));
      const reference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(selection, t as tf.Tensor2D), upstream)));
      expectClose(gatherRows(x, index).dataSync(), tf.matMul(selection, x).dataSync());
      expectClose(ours(x).dataSync(), reference(x).dataSync(), 1e-6, 1e-7);
      expectNoLeak(() => tf.dispose(ours(x)));
      tf.dispose([x, upstream, selection]);
    });
  }
});

describe('sharedPrefixRows', () => {
  it('maps rows with the same prefix to one row, and a row after a differing token to a new one', () => {
    // Sequences (T = 3): [1 2 3], [1 2 4], [1 5 3], [1 2 3].
    const { expand, compress } = sharedPrefixRows(Int32Array.from([1, 2, 3, 1, 2, 4, 1, 5, 3, 1, 2, 3]), 4, 3);
    expect(expand).toEqual([0, 1, 2, 0, 1, 3, 0, 4, 5, 0, 1, 2]);
    expect(compress).toEqual([0, 1, 2, 5, 7, 8]);
    // The same token at the same position after different prefixes is a different row.
    expect(sharedPrefixRows(Int32Array.from([1, 3, 2, 3]), 2, 2).compress).toEqual([0, 1, 2, 3]);
  });

  it('leaves the rows past each sequence\'s needed ones out, as copies of its last needed row', () => {
    // Sequences (T = 3): [1 2 3] needs 2 rows, [1 2 4] needs 3, [1 5 3] needs 1.
    const { expand, compress } = sharedPrefixRows(Int32Array.from([1, 2, 3, 1, 2, 4, 1, 5, 3]), 3, 3, [2, 3, 1]);
    expect(compress).toEqual([0, 1, 5]); // [1], [1 2], [1 2 4]: neither [1 2 3] nor anything after [1] in the third
    expect(expand).toEqual([0, 1, 1, 0, 1, 2, 0, 0, 0]);
    expect(() => sharedPrefixRows(Int32Array.from([1, 2]), 1, 2, [0])).toThrow('sharedPrefixRows: sequence 0 needs 0 rows, expected 1..2');
  });
});
