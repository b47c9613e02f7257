import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectMatchesReference, plainAndTaped, randomTensor as random } from '../../test-support/gradient-checks.js';
import { initBackend } from './backend.js';
import { layerNorm, linear, matmul, oneHotFloat } from './tensor-ops.js';

describe('tensor-ops', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matmul matches tf.matMul in value and gradient, for both weight-gradient orientations', () => {
    for (const [m, k, n] of [[5, 3, 7], [6, 8, 2]] as const) {
      const a = random([m, k], 1);
      const b = random([k, n], 2);
      expectMatchesReference((x, y) => matmul(x as tf.Tensor2D, y as tf.Tensor2D), (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), [a, b], 3);
      tf.dispose([a, b]);
    }
  });

  it('linear matches matMul + bias (+ relu) in value and gradient', () => {
    const x = random([9, 4], 4);
    const w = random([4, 6], 5);
    const bias = random([6], 6);
    for (const activation of ['linear', 'relu'] as const) {
      expectMatchesReference(
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
    expectMatchesReference((a, g, b) => layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), (a, g, b) => reference(a!, g!, b!), [x, gain, bias], 16);
    tf.dispose([x, gain, bias]);
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
    });
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });
});

describe('linear under a gradient tape', () => {
  it('gives bit-identical outputs with and without a tape (on-policy ratios must be exactly 1)', async () => {
    await initBackend('wasm');
    const x = tf.randomNormal([37, 16], 0, 1, 'float32', 1) as tf.Tensor2D;
    const w = tf.variable(tf.randomNormal([16, 64], 0, 0.3, 'float32', 2));
    const b = tf.variable(tf.randomNormal([64], 0, 0.3, 'float32', 3));
    for (const activation of ['relu', 'linear'] as const) {
      const { plain, taped } = plainAndTaped(() => linear(x, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, activation), [w, b]);
      expect(taped, activation).toEqual(plain);
    }
    [x, w, b].forEach((t) => t.dispose());
  });
});
