import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { Rng } from './rng.js';
import { AttentionArena, causalSelfAttention, layerNorm, linear, matmul, oneHotFloat, useSimdAttention } from './tensor-ops.js';

function random(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
}

function expectClose(actual: tf.Tensor, expected: tf.Tensor, tol = 1e-4): void {
  expect(actual.shape).toEqual(expected.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!);
  expect(diff).toBeLessThan(tol);
}

/** Checks value and gradients of `ours` against `reference` for a random upstream gradient. */
function checkAgainst(ours: (...x: tf.Tensor[]) => tf.Tensor, reference: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): void {
  tf.tidy(() => {
    const expected = reference(...inputs);
    expectClose(ours(...inputs), expected);
    const upstream = random(expected.shape, seed);
    const loss = (f: (...x: tf.Tensor[]) => tf.Tensor) => (...x: tf.Tensor[]) => tf.sum(tf.mul(f(...x), upstream));
    const ourGrads = tf.grads(loss(ours))(inputs);
    const refGrads = tf.grads(loss(reference))(inputs);
    ourGrads.forEach((g, i) => expectClose(g, refGrads[i]!, 1e-3));
  });
}

describe('tensor-ops', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matmul matches tf.matMul in value and gradient, for both weight-gradient orientations', () => {
    for (const [m, k, n] of [[5, 3, 7], [6, 8, 2]] as const) {
      const a = random([m, k], 1);
      const b = random([k, n], 2);
      checkAgainst((x, y) => matmul(x as tf.Tensor2D, y as tf.Tensor2D), (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), [a, b], 3);
      tf.dispose([a, b]);
    }
  });

  it('linear matches matMul + bias (+ relu) in value and gradient', () => {
    const x = random([9, 4], 4);
    const w = random([4, 6], 5);
    const bias = random([6], 6);
    for (const activation of ['linear', 'relu'] as const) {
      checkAgainst(
        (a, b, c) => linear(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor1D, activation),
        (a, b, c) => {
          const z = tf.add(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), c);
          return activation === 'relu' ? tf.relu(z) : z;
        },
        [x, w, bias],
        7,
      );
    }
    tf.dispose([x, w, bias]);
  });

  it('layerNorm matches the composed formula in value and gradient', () => {
    const x = random([7, 8], 13);
    const gain = random([8], 14);
    const bias = random([8], 15);
    const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, 1, true);
      return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    checkAgainst((a, g, b) => layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), (a, g, b) => reference(a!, g!, b!), [x, gain, bias], 16);
    tf.dispose([x, gain, bias]);
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
        checkAgainst(ours, reference, [q!, k!, v!], 23);
        tf.tidy(() => {
          const expected = tf.max(tf.transpose(tf.reshape(logitsOf(q!, k!), [batch, nHeads, seqLen * seqLen]), [1, 0, 2]).reshape([nHeads, -1]), 1);
          expectClose(causalSelfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, batch, seqLen, nHeads).maxLogit, expected, 1e-5);
        });
        tf.dispose([q!, k!, v!, mask]);
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

  it('oneHotFloat gives real float ones (wasm OneHot ignores its dtype argument)', () => {
    tf.tidy(() => {
      const ids = tf.tensor2d([[1, 0], [2, 2]], [2, 2], 'int32');
      const oneHot = oneHotFloat(ids, 3);
      expect(oneHot.dtype).toBe('float32');
      expect(oneHot.shape).toEqual([2, 2, 3]);
      expect(Array.from(oneHot.dataSync())).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    });
  });

  it('leaks no tensors', () => {
    const a = random([4, 4], 17);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const square = (x: tf.Tensor) => linear(matmul(x as tf.Tensor2D, x as tf.Tensor2D), x as tf.Tensor2D, tf.ones([4]), 'relu');
      tf.grads((x: tf.Tensor) => tf.sum(layerNorm(square(x), tf.ones([4]), tf.zeros([4]))))([a]);
      tf.grads((x: tf.Tensor) => tf.sum(causalSelfAttention(x as tf.Tensor2D, x as tf.Tensor2D, x as tf.Tensor2D, 2, 2, 1).y))([a]);
    });
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });
});

describe('causalSelfAttention under a gradient tape', () => {
  it('gives bit-identical outputs with and without a tape', async () => {
    await initBackend('wasm');
    const [q, k, v] = [30, 31, 32].map((seed) => tf.variable(tf.randomNormal([2 * 9, 16], 0, 1, 'float32', seed)));
    const f = () => causalSelfAttention(q as unknown as tf.Tensor2D, k as unknown as tf.Tensor2D, v as unknown as tf.Tensor2D, 2, 9, 4).y;
    const plain = tf.tidy(() => Array.from(f().dataSync()));
    let taped: number[] = [];
    tf.tidy(() => {
      tf.variableGrads(() => {
        const y = f();
        taped = Array.from(y.dataSync());
        return tf.sum(y) as tf.Scalar;
      }, [q!, k!, v!]);
    });
    expect(taped).toEqual(plain);
    [q, k, v].forEach((t) => t!.dispose());
  });
});

describe('linear under a gradient tape', () => {
  it('gives bit-identical outputs with and without a tape (on-policy ratios must be exactly 1)', async () => {
    await initBackend('wasm');
    const x = tf.randomNormal([37, 16], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([16, 64], 0, 0.3, 'float32', 2));
    const b = tf.variable(tf.randomNormal([64], 0, 0.3, 'float32', 3));
    for (const activation of ['relu', 'linear'] as const) {
      const f = () => linear(x, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, activation);
      const plain = tf.tidy(() => Array.from(f().dataSync()));
      let taped: number[] = [];
      tf.tidy(() => {
        tf.variableGrads(() => {
          const y = f();
          taped = Array.from(y.dataSync());
          return tf.sum(y) as tf.Scalar;
        }, [w, b]);
      });
      expect(taped, activation).toEqual(plain);
    }
    [x, w, b].forEach((t) => t.dispose());
  });
});
