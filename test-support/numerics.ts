/**
 * Assertions and set-up shared by the numerics tests: float32-aware closeness, tensor-leak checks
 * and backend initialisation. Test-only; nothing in src-* imports it.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { initBackend } from '../src-main/trainer/backend.js';

/** Initialises the wasm backend once per test file (the backend the CI machine trains on). */
export async function useWasmBackend(): Promise<void> {
  await initBackend('wasm');
}

/** |actual - expected| <= abs + rel * |expected|, elementwise, with a message naming the index. */
export function expectClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, rel = 2e-6, abs = 1e-7): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length, 'length').toBe(e.length);
  a.forEach((value, i) => {
    const tolerance = abs + rel * Math.abs(e[i]!);
    if (!(Math.abs(value - e[i]!) <= tolerance)) {
      throw new Error(`element ${i}: got ${value}, expected ${e[i]} (tolerance ${tolerance.toExponential(2)})`);
    }
  });
}

/** Runs `fn` and asserts it leaves the live tensor count unchanged. Returns its result. */
export function expectNoLeak<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const result = fn();
  expect(tf.memory().numTensors, 'tensor leak').toBe(before);
  return result;
}

/** Reads a tensor built inside `fn` as a plain array and disposes everything `fn` allocated. */
export function read(fn: () => tf.Tensor): number[] {
  return tf.tidy(() => Array.from(fn().dataSync()));
}

/** Reads a (B, T) tensor as ragged rows, trimming each row to `lengths[i]`. */
export function readRows(fn: () => tf.Tensor, lengths: readonly number[]): number[][] {
  const flat = read(fn);
  const width = flat.length / lengths.length;
  return lengths.map((length, i) => flat.slice(i * width, i * width + length));
}
