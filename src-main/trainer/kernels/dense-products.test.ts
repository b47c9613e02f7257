// The dense products the fused kernels use (dense-products.ts over gemm-loops.ts on the wasm heap)
// against a float64 reference: every tile and tail shape, a transposed left operand (weight
// gradients), bias and ReLU, widths that fall back to the backend's matmul, and a row's result not
// depending on the rows around it (prefix sharing relies on that).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, useWasmBackend } from '../../../test-support/numerics.js';
import { Rng } from '../rng.js';
import { biasGradient, columnSums, matrixOf, product, reluBackwardInPlace, productInfo, transpose, transposeInfo, weightGradient, type Matrix } from './dense-products.js';
import { gemmKernels } from './gemm-loops.js';
import { heapOf } from './wasm-heap.js';

beforeAll(useWasmBackend);

const rng = new Rng(5);
const randomMatrix = (rows: number, cols: number): Matrix => ({ values: Float32Array.from({ length: rows * cols }, () => rng.truncatedNormal(1)), rows, cols });

/** a @ b (+ bias) (relu) in float64. */
function reference(a: Matrix, b: Matrix, bias?: Float32Array, relu = false): Float64Array {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let sum = bias ? bias[j]! : 0;
      for (let k = 0; k < a.cols; k++) sum += a.values[i * a.cols + k]! * b.values[k * b.cols + j]!;
      out[i * b.cols + j] = relu ? Math.max(sum, 0) : sum;
    }
  }
  return out;
}

const be = () => tf.backend();

/** A backend tensor's values, read and freed. */
function take(t: tf.TensorInfo): Float32Array {
  const values = matrixOf(be(), t).values;
  be().disposeData(t.dataId);
  return values;
}

describe('dense products on the wasm heap', () => {
  it('runs the SIMD product here (the CI machine trains on it)', () => {
    const heap = heapOf(be());
    expect(heap, 'the wasm backend exposes its heap').not.toBeNull();
    expect(gemmKernels(heap!.memory), 'the SIMD product compiles').not.toBeNull();
  });

  it('does not reach the backend matmul or transpose for widths that are a multiple of 4', () => {
    const calls: string[] = [];
    const kernels = ['_FusedMatMul', 'Transpose'].map((name) => tf.getKernel(name, tf.getBackend())!);
    const originals = kernels.map((kernel) => kernel.kernelFunc);
    kernels.forEach((kernel, i) => {
      (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
        calls.push(kernel.kernelName);
        return originals[i]!(args);
      };
    });
    try {
      const a = randomMatrix(6, 8), b = randomMatrix(8, 4);
      product(be(), a, b);
      take(weightGradient(be(), a, randomMatrix(6, 12)));
      take(transposeInfo(be(), a));
    } finally {
      kernels.forEach((kernel, i) => ((kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i]!));
    }
    expect(calls).toEqual([]);
  });

  // Rows around the 4-row tile (tails of 1 to 3 rows); columns 4, 8, 12, 24: the 8-wide tile, the 4-wide tail, both.
  for (const [m, k, n] of [[1, 1, 4], [3, 5, 8], [4, 7, 12], [9, 16, 24], [37, 64, 256], [130, 33, 20]] as const) {
    it(`a (${m}, ${k}) @ b (${k}, ${n}) matches float64, with and without bias and ReLU`, () => {
      const a = randomMatrix(m, k), b = randomMatrix(k, n), bias = randomMatrix(1, n).values;
      expectClose(product(be(), a, b).values, reference(a, b), 1e-5, 1e-5 * Math.sqrt(k));
      expectClose(product(be(), a, b, bias, 'relu').values, reference(a, b, bias, true), 1e-5, 1e-5 * Math.sqrt(k));
      const withBias = product(be(), a, b, bias).values;
      expect(withBias.some((v) => v < 0), 'linear keeps negatives').toBe(true);
      expectClose(withBias, reference(a, b, bias), 1e-5, 1e-5 * Math.sqrt(k));
    });
  }

  it('weight gradient xᵀ dz (x read transposed in place) matches float64, tails included', () => {
    for (const [rows, dIn, dOut] of [[37, 16, 64], [5, 3, 4], [272, 64, 192], [11, 64, 12]] as const) {
      const x = randomMatrix(rows, dIn), dz = randomMatrix(rows, dOut);
      expectClose(take(weightGradient(be(), x, dz)), reference(transpose(x), dz), 1e-5, 1e-5 * Math.sqrt(rows));
    }
  });

  it('takes backend tensors and plain values alike, and transposes on the heap', () => {
    const a = randomMatrix(6, 8), b = randomMatrix(8, 4);
    tf.tidy(() => {
      const bTensor = tf.tensor2d(b.values, [8, 4]);
      expectClose(take(productInfo(be(), a, bTensor)), reference(a, b), 1e-5, 1e-5);
      expect(Array.from(take(transposeInfo(be(), bTensor)))).toEqual(Array.from(transpose(b).values));
      expect(Array.from(take(transposeInfo(be(), a)))).toEqual(Array.from(transpose(a).values));
    });
  });

  it('widths that are not a multiple of 4 fall back to the backend matmul with the same results', () => {
    const a = randomMatrix(10, 7), b = randomMatrix(7, 3), dz = randomMatrix(10, 5);
    expectClose(product(be(), a, b).values, reference(a, b), 1e-5, 1e-5);
    expectClose(take(weightGradient(be(), a, dz)), reference(transpose(a), dz), 1e-5, 1e-5);
  });

  it('gives each row the same bits alone as in a batch (tile position does not change the sums)', () => {
    const a = randomMatrix(11, 64), b = randomMatrix(64, 20);
    const batch = product(be(), a, b).values;
    for (let i = 0; i < a.rows; i++) {
      const alone = product(be(), { values: a.values.slice(i * 64, (i + 1) * 64), rows: 1, cols: 64 }, b).values;
      expect(Array.from(alone)).toEqual(Array.from(batch.subarray(i * 20, (i + 1) * 20)));
    }
  });

  it('bias gradient: column sums within float32 rounding of the float64 sums, both widths', () => {
    for (const [rows, cols] of [[37, 64], [5, 3], [272, 256]] as const) {
      const dz = randomMatrix(rows, cols);
      tf.tidy(() => {
        const sums = take(biasGradient(be(), tf.tensor2d(dz.values, [rows, cols])));
        expectClose(sums, columnSums(dz.values, rows, cols), 1e-5, 1e-6 * Math.sqrt(rows));
      });
    }
  });

  it('ReLU backward zeroes dz exactly where the saved output is not positive, both widths', () => {
    for (const n of [64, 7]) {
      const dz = randomMatrix(1, n), hidden = randomMatrix(1, n);
      hidden.values[0] = 0; // ReLU's output is 0 where it cut: no gradient there either
      const expected = dz.values.map((g, i) => (hidden.values[i]! > 0 ? g : 0));
      const dzInfo = be().write(dz.values.slice(), [1, n], 'float32'), hiddenInfo = be().write(hidden.values, [1, n], 'float32');
      const dzTensor = { dataId: dzInfo, shape: [1, n], dtype: 'float32' as const };
      reluBackwardInPlace(be(), dzTensor, { dataId: hiddenInfo, shape: [1, n], dtype: 'float32' });
      expect(Array.from(take(dzTensor))).toEqual(Array.from(expected));
      be().disposeData(hiddenInfo);
    }
  });

  it('frees what it uploads: the backend holds no more data after a round of products', () => {
    const before = be().numDataIds();
    const a = randomMatrix(9, 8), b = randomMatrix(8, 8), bias = randomMatrix(1, 8).values;
    product(be(), a, b, bias, 'relu');
    take(weightGradient(be(), a, randomMatrix(9, 8)));
    take(transposeInfo(be(), a));
    expect(be().numDataIds()).toBe(before);
  });
});
