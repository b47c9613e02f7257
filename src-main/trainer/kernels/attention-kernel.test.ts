// The causal attention kernels (SIMD and JS loops) against split heads + masked softmax + batched
// products in value, max logit and gradient; the arena's row normalisation; bit-identical outputs
// with and without a tape; no leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectMatchesReference, expectTensorClose, plainAndTaped, randomTensor as random } from '../../../test-support/gradient-checks.js';
import { initBackend } from '../backend.js';
import { Rng } from '../rng.js';
import { AttentionArena } from './attention-arena.js';
import { causalSelfAttention, useSimdAttention } from './attention-kernel.js';

describe('causal attention kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('causalSelfAttention matches split heads + masked softmax + batched products, in value, max logit and gradient', () => {
    expect(new AttentionArena().simd).toBe(true); // Node has WebAssembly SIMD: the fast loops are what runs
    for (const simd of [true, false]) {
      useSimdAttention(simd);
      for (const [batch, seqLen, nHeads, headDim] of [[3, 5, 2, 4], [2, 7, 3, 8], [2, 4, 2, 3]] as const) {
        const width = nHeads * headDim;
        const [q, k, v] = [20, 21, 22].map((seed) => random([batch * seqLen, width], seed));
        const mask = tf.tensor2d(Float32Array.from({ length: seqLen * seqLen }, (_, i) => (i % seqLen > Math.floor(i / seqLen) ? -1e9 : 0)), [seqLen, seqLen]);
        const split = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [batch, seqLen, nHeads, headDim]), [0, 2, 1, 3]), [batch * nHeads, seqLen, headDim]);
        const logitsOf = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.div(tf.matMul(split(a), split(b), false, true), Math.sqrt(headDim)), mask); // (B*H, T, T)
        const reference = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const mixed = tf.matMul(tf.softmax(logitsOf(a, b)), split(c)); // (B*H, T, D)
          return tf.reshape(tf.transpose(tf.reshape(mixed, [batch, nHeads, seqLen, headDim]), [0, 2, 1, 3]), [batch * seqLen, width]);
        };
        const ours = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => causalSelfAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, batch, seqLen, nHeads).y;
        expectMatchesReference(ours, reference, [q!, k!, v!], 23);
        tf.tidy(() => {
          const expected = tf.max(tf.transpose(tf.reshape(logitsOf(q!, k!), [batch, nHeads, seqLen * seqLen]), [1, 0, 2]).reshape([nHeads, -1]), 1);
          expectTensorClose(causalSelfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, batch, seqLen, nHeads).maxLogit, expected, 1e-5);
        });
        tf.dispose([q!, k!, v!, mask]);
      }
    }
    useSimdAttention(true);
  });

  it('with query rows per sequence: the same bits on those rows, zeros after them forward and backward, the max over those rows', () => {
    for (const simd of [true, false]) {
      useSimdAttention(simd);
      for (const [batch, seqLen, nHeads, headDim, rows] of [[3, 7, 2, 4, [7, 3, 1]], [2, 6, 3, 3, [2, 5]]] as const) {
        const width = nHeads * headDim;
        const [q, k, v, dy] = [50, 51, 52, 53].map((seed) => random([batch * seqLen, width], seed));
        const run = (queryRows?: readonly number[]) => tf.tidy(() => {
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => causalSelfAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, batch, seqLen, nHeads, queryRows);
          // The upstream gradient is zero past each sequence's rows, as the scorer's row map makes it.
          const upstream = tf.mul(dy!, tf.tensor2d(Float32Array.from({ length: batch * seqLen * width }, (_, i) => (Math.floor(i / width) % seqLen < rows[Math.floor(i / width / seqLen)]! ? 1 : 0)), [batch * seqLen, width]));
          const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c).y, upstream)))([q!, k!, v!]);
          return { y: Array.from(f(q!, k!, v!).y.dataSync()), max: Array.from(f(q!, k!, v!).maxLogit.dataSync()), grads: grads.map((g) => Array.from(g.dataSync())) };
        });
        const [full, cut] = [run(), run(rows)];
        for (let i = 0; i < batch * seqLen * width; i++) {
          const needed = Math.floor(i / width) % seqLen < rows[Math.floor(i / width / seqLen)]!;
          expect(cut.y[i], `y ${i} (simd ${simd})`).toBe(needed ? full.y[i] : 0);
          cut.grads.forEach((g, which) => expect(g[i], `gradient ${which} at ${i} (simd ${simd})`).toBe(needed ? full.grads[which]![i] : 0));
        }
        // The max over the needed rows: each sequence alone, cut after its rows, without queryRows.
        const alone = rows.map((n, b) => {
          const part = (t: tf.Tensor) => tf.slice(t, [b * seqLen, 0], [n, width]) as tf.Tensor2D;
          return tf.tidy(() => Array.from(causalSelfAttention(part(q!), part(k!), part(v!), 1, n, nHeads).maxLogit.dataSync()));
        });
        expect(cut.max).toEqual(cut.max.map((_, h) => Math.max(...alone.map((a) => a[h]!))));
        expect(full.max).not.toEqual(cut.max);
        tf.dispose([q!, k!, v!, dy!]);
      }
    }
    useSimdAttention(true);
  });

  it('the arena row normalisation (SIMD and JS) matches the layer-norm formula', () => {
    for (const simd of [true, false]) {
      const arena = new AttentionArena(simd);
      const [rows, d] = [5, 12];
      arena.reserve(2 * rows * d);
      const m = arena.f32;
      const rng = new Rng(40);
      for (let i = 0; i < rows * d; i++) m[i] = 3 * rng.normal() + (i % 5);
      arena.kernels(d).norm(0, rows * d * 4, rows, d * 4);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(m.subarray(r * d, (r + 1) * d));
        const mean = row.reduce((a, b) => a + b) / d;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
        row.forEach((x, c) => expect(Math.abs((x - mean) / Math.sqrt(variance + 1e-5) - m[rows * d + r * d + c]!), `simd ${simd}`).toBeLessThan(1e-5));
      }
    }
  });

  it('gives bit-identical outputs with and without a tape', () => {
    const [q, k, v] = [30, 31, 32].map((seed) => tf.variable(tf.randomNormal([2 * 9, 16], 0, 1, 'float32', seed)));
    const { plain, taped } = plainAndTaped(() => causalSelfAttention(q as unknown as tf.Tensor2D, k as unknown as tf.Tensor2D, v as unknown as tf.Tensor2D, 2, 9, 4).y, [q!, k!, v!]);
    expect(taped).toEqual(plain);
    [q, k, v].forEach((t) => t!.dispose());
  });

  it('leaks no tensors', () => {
    const a = random([4, 4], 17);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((x: tf.Tensor) => tf.sum(causalSelfAttention(x as tf.Tensor2D, x as tf.Tensor2D, x as tf.Tensor2D, 2, 2, 1).y))([a]);
    });
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });
});
