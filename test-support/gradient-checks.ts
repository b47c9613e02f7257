/**
 * Checks shared by the tests of hand-written tensor ops (tensor-ops, attention): value and gradient
 * against a tfjs reference composition, and outputs computed with and without a gradient tape; and
 * the whole fused scorer against the reference path (fused-kernels, unpadded-scoring).
 * Test-only; nothing in src-* imports it.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { Rng } from '../src-main/trainer/rng.js';
import { expectClose } from './numerics.js';

/** A tensor of standard normal values from `seed`. */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
}

/** Same shape and max |actual - expected| < tol. */
export function expectTensorClose(actual: tf.Tensor, expected: tf.Tensor, tol = 1e-4): void {
  expect(actual.shape).toEqual(expected.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!);
  expect(diff).toBeLessThan(tol);
}

/** Checks value and gradients of `ours` against `reference` for a random upstream gradient. */
export function expectMatchesReference(ours: (...x: tf.Tensor[]) => tf.Tensor, reference: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): void {
  tf.tidy(() => {
    const expected = reference(...inputs);
    expectTensorClose(ours(...inputs), expected);
    const upstream = randomTensor(expected.shape, seed);
    const loss = (f: (...x: tf.Tensor[]) => tf.Tensor) => (...x: tf.Tensor[]) => tf.sum(tf.mul(f(...x), upstream));
    const ourGrads = tf.grads(loss(ours))(inputs);
    const refGrads = tf.grads(loss(reference))(inputs);
    ourGrads.forEach((g, i) => expectTensorClose(g, refGrads[i]!, 1e-3));
  });
}

/**
 * `f`'s output values computed plainly and while a gradient tape over `variables` records. They
 * must be bit-identical: the no-grad scoring pass and the training pass see the same weights, so
 * an on-policy ratio is exactly 1.
 */
export function plainAndTaped(f: () => tf.Tensor, variables: tf.Variable[]): { plain: number[]; taped: number[] } {
  const plain = tf.tidy(() => Array.from(f().dataSync()));
  let taped: number[] = [];
  tf.tidy(() => {
    tf.variableGrads(() => {
      const y = f();
      taped = Array.from(y.dataSync());
      return tf.sum(y) as tf.Scalar;
    }, variables);
  });
  return { plain, taped };
}

/** What a scorer test reads back from completionLogProbs and its variable gradients. */
export interface ScoresAndGradients {
  readonly logp: ArrayLike<number>;
  readonly entropy: ArrayLike<number>;
  readonly attn: ArrayLike<number>;
  readonly gradients: ReadonlyMap<string, ArrayLike<number>>;
}

/**
 * The fused scorer against the tfjs reference path: log-probs, entropies and max logits within
 * float32 tolerance, and every variable's gradient non-trivial in the reference and close in ours
 * (the failure names the variable).
 */
export function expectSameScores(fused: ScoresAndGradients, reference: ScoresAndGradients): void {
  expectClose(fused.logp, reference.logp, 2e-5, 2e-6);
  expectClose(fused.entropy, reference.entropy, 2e-5, 2e-6);
  expectClose(fused.attn, reference.attn, 2e-5, 2e-6);
  for (const [name, g] of reference.gradients) {
    expect(Math.max(...Array.from(g, Math.abs)), `${name} gradient is not trivially zero`).toBeGreaterThan(0);
    try {
      expectClose(fused.gradients.get(name)!, g, 1e-4, 1e-6);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
  }
}
