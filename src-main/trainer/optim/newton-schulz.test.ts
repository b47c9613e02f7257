// Newton-Schulz against the float64 vector of objectives.md section 8, on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { newtonSchulz } from './newton-schulz.js';

const INPUT = [[1, 2, 3], [4, 5, 6]];
// Float64 reference of 5 steps (spec section 8).
const EXPECTED = [
  [-0.5682901101, 0.0577419431, 0.6837739964],
  [0.5633546975, 0.405612831, 0.2478709646],
];

function expectMatrixClose(actual: number[][], expected: number[][], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => row.forEach((x, c) => expect(Math.abs(x - (expected[r]?.[c] ?? Number.NaN))).toBeLessThan(tol)));
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('newtonSchulz', () => {
  it('matches the spec vector for a wide matrix', () => {
    const g = tf.tensor2d(INPUT);
    const out = newtonSchulz(g);
    expectMatrixClose(out.arraySync(), EXPECTED, 1e-5);
    tf.dispose([g, out]);
  });

  it('gives the transposed result for the transposed (tall) input', () => {
    const g = tf.tensor2d(INPUT).transpose() as tf.Tensor2D;
    const out = newtonSchulz(g);
    expect(out.shape).toEqual([3, 2]);
    const expectedT = [0, 1, 2].map((c) => EXPECTED.map((row) => row[c] ?? Number.NaN));
    expectMatrixClose(out.arraySync(), expectedT, 1e-5);
    tf.dispose([g, out]);
  });

  it('ignores the scale of the input and keeps a zero matrix at zero', () => {
    const g = tf.mul(tf.tensor2d(INPUT), 1000) as tf.Tensor2D;
    const out = newtonSchulz(g);
    expectMatrixClose(out.arraySync(), EXPECTED, 1e-5);
    const zero = tf.zeros([2, 3]) as tf.Tensor2D;
    const outZero = newtonSchulz(zero);
    expect(outZero.arraySync()).toEqual([[0, 0, 0], [0, 0, 0]]);
    tf.dispose([g, out, zero, outZero]);
  });

  it('leaves exactly one new tensor (the result) and does not dispose the input', () => {
    const g = tf.randomNormal([8, 5]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const out = newtonSchulz(g);
    expect(tf.memory().numTensors).toBe(before + 1);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(g.isDisposed).toBe(false);
    g.dispose();
  });
});
