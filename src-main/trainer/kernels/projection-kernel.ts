/**
 * Bias-free projections of one input by one or more weights, x W_0, x W_1, ... (attention's Q, K, V
 * together, or W_o alone), as one kernel each way, on dense-products.ts. Forward: a product per
 * weight. Backward on the wasm heap: dx = sum_i dy_i W_iᵀ accumulated in place and dW_i = xᵀ dy_i
 * each (x read transposed in place). Elsewhere: dx = [dy_0 | dy_1 | ...] @ [W_0ᵀ; W_1ᵀ; ...] and
 * every dW_i from one xᵀ [dy_0 | ...] product, split. Reference: tensor-ops.ts `matmul` per weight.
 * The fused trunk (trunk-kernel.ts) calls these kernel functions; test-support/kernel-ops.ts wraps
 * them as tfjs ops for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { heapGemm, matrixOf, productInfo, productSumInfo, transpose, transposeInfo, weightGradient, type Matrix, type Operand } from './dense-products.js';
import { outputOf, type KernelArgs } from './kernel-io.js';

export const weightNames = (count: number) => Array.from({ length: count }, (_, i) => `w${i}`);

export function projectKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  return weightNames(attrs!.count as number).map((name) => productInfo(be, inputs.x!, inputs[name]!));
}

/** Side by side: (N, a) | (N, b) | ... -> (N, a + b + ...). */
function concatColumns(parts: Matrix[]): Matrix {
  const rows = parts[0]!.rows;
  const cols = parts.reduce((n, p) => n + p.cols, 0);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let at = r * cols;
    for (const p of parts) {
      out.set(p.values.subarray(r * p.cols, (r + 1) * p.cols), at);
      at += p.cols;
    }
  }
  return { values: out, rows, cols };
}

/** Stacked: (a, d) over (b, d) over ... -> (a + b + ..., d). */
function concatRows(parts: Matrix[]): Matrix {
  const out = new Float32Array(parts.reduce((n, p) => n + p.values.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.values, at);
    at += p.values.length;
  }
  return { values: out, rows: out.length / parts[0]!.cols, cols: parts[0]!.cols };
}

export function projectGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const names = weightNames(attrs!.count as number);
  const single = names.length === 1;
  const weights = names.map((name) => inputs[name]!);
  const dys = names.map((_, i) => inputs[`dy${i}`]!);
  if (!single && heapGemm(be) && inputs.x!.shape[1]! % 4 === 0) {
    // On the wasm heap: dx = sum_i dy_i W_iᵀ accumulated in place and dW_i = xᵀ dy_i apiece, no concatenation or split.
    const transposed = weights.map((w) => transposeInfo(be, w));
    const dx = productSumInfo(be, dys.map((dy, i) => [dy, transposed[i]!] as const));
    for (const t of transposed) be.disposeData(t.dataId);
    if (dx) return [dx, ...dys.map((dy) => weightGradient(be, inputs.x!, dy))];
  }
  // [dy_0 | dy_1 | ...] (N, sum dOut) and [W_0ᵀ; W_1ᵀ; ...] (sum dOut, dIn): one product for dx.
  const dyAll: Operand = single ? inputs.dy0! : concatColumns(names.map((_, i) => matrixOf(be, inputs[`dy${i}`]!)));
  const wT: Operand = single ? transposeInfo(be, weights[0]!) : concatRows(weights.map((w) => transpose(matrixOf(be, w))));
  const dx = productInfo(be, dyAll, wT); // (N, dIn)
  const dW = weightGradient(be, inputs.x!, dyAll); // (dIn, sum dOut)
  if (!('values' in wT)) be.disposeData(wT.dataId);
  if (single) return [dx, dW];
  const all = matrixOf(be, dW);
  be.disposeData(dW.dataId);
  let first = 0;
  const dWs = weights.map((w) => {
    const [rows, cols] = w.shape as [number, number];
    const part = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) part.set(all.values.subarray(r * all.cols + first, r * all.cols + first + cols), r * cols);
    first += cols;
    return outputOf(be, part, [rows, cols]);
  });
  return [dx, ...dWs];
}
