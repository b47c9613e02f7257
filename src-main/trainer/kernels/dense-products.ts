/**
 * Matrix products for the fused kernels, with no engine dispatch, no tape and no tensor objects:
 * on wasm, the SIMD product of gemm-loops.ts run directly on the backend's heap (weight gradients
 * xᵀ dz read x through strides, no transpose); elsewhere, or for widths that are not a multiple of
 * 4, the backend's own fused-matmul kernel function (only untransposed 2-D products reach its fast
 * path, so transposes are explicit there). Plus the transposes and column sums around them.
 * Operands are plain values (uploaded for the call) or backend tensors; results are backend
 * tensors the caller owns, or plain Float32Arrays the caller owns.
 */
import * as tf from '@tensorflow/tfjs';
import { gemmKernels, type GemmKernels } from './gemm-loops.js';
import { backendKernel, floatsOf, outputOf } from './kernel-io.js';
import { boundTo, type WasmHeap } from './wasm-heap.js';

export type Activation = 'linear' | 'relu';

/** A matrix as row-major values and its shape. */
export interface Matrix {
  readonly values: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

function upload(be: tf.KernelBackend, values: Float32Array, shape: number[]): tf.TensorInfo {
  return { dataId: be.write(values, shape, 'float32'), shape, dtype: 'float32' };
}

/** An operand: plain values (uploaded for the call) or a tensor already in backend memory. */
export type Operand = Matrix | tf.TensorInfo;

const isMatrix = (x: Operand): x is Matrix => 'values' in x;
const shapeOf = (x: Operand): [number, number] => (isMatrix(x) ? [x.rows, x.cols] : (x.shape.slice(-2) as [number, number]));


const bound = new WeakMap<object, GemmKernels | null>();
/** The SIMD product (gemm-loops.ts) bound to a backend's heap, or null where the backend is not wasm (or SIMD is missing). */
export const heapGemm = (be: tf.KernelBackend) => boundTo(be, bound, gemmKernels);

/**
 * out (rows, n) = A' @ b [+ bias] [relu] on the heap, where A' is `a` (rows, k) or, with
 * `transposeA`, aᵀ for `a` (k, rows). Plain-value operands are uploaded for the call.
 */
function heapProduct(be: tf.KernelBackend, { heap, loops: gemm }: { heap: WasmHeap; loops: GemmKernels }, a: Operand, transposeA: boolean, b: Operand, bias: Float32Array | tf.TensorInfo | null, activation: Activation): tf.TensorInfo {
  const [aRows, aCols] = shapeOf(a);
  const [k, n] = shapeOf(b);
  const rows = transposeA ? aCols : aRows;
  const owned: tf.TensorInfo[] = [];
  const onHeap = (x: Operand | Float32Array, shape: number[]): tf.TensorInfo => {
    if (x instanceof Float32Array || isMatrix(x)) {
      const t = upload(be, x instanceof Float32Array ? x : x.values, shape);
      owned.push(t);
      return t;
    }
    return x;
  };
  const aInfo = onHeap(a, [aRows, aCols]), bInfo = onHeap(b, [k, n]);
  const biasAddress = bias === null ? 0 : heap.addressOf(onHeap(bias, [n]));
  const out = heap.empty([rows, n]);
  const [rowStride, kStride] = transposeA ? [4, 4 * aCols] : [4 * aCols, 4];
  gemm.gemm(heap.addressOf(aInfo), rowStride, kStride, heap.addressOf(bInfo), 4 * n, heap.addressOf(out), 4 * n, rows, k, n, biasAddress, activation === 'relu' ? 1 : 0, 0, 0);
  for (const t of owned) be.disposeData(t.dataId);
  return out;
}

/**
 * a (M, K) @ b (K, N) [+ bias (N)] [relu] -> (M, N) as a backend tensor the caller owns (dispose it
 * with be.disposeData or return it from a kernel). On the heap for N a multiple of 4; else the
 * backend's matmul, where a weight passed as a backend tensor keeps XNNPACK's packed copy between
 * calls and plain values are packed on every call.
 */
export function productInfo(be: tf.KernelBackend, a: Operand, b: Operand, bias: Float32Array | tf.TensorInfo | null = null, activation: Activation = 'linear'): tf.TensorInfo {
  const [m, ka] = shapeOf(a);
  const [k, n] = shapeOf(b);
  if (ka !== k) throw new Error(`product: (${m}, ${ka}) @ (${k}, ${n})`);
  const onHeap = n % 4 === 0 ? heapGemm(be) : null;
  if (onHeap) return heapProduct(be, onHeap, a, false, b, bias, activation);
  const kernel = backendKernel('_FusedMatMul'); // a rollout makes ~150 products
  const owned: tf.TensorInfo[] = [];
  const as3d = (x: Operand, rows: number, cols: number): tf.TensorInfo => {
    if (!isMatrix(x)) return { dataId: x.dataId, shape: [1, rows, cols], dtype: 'float32' };
    const t = upload(be, x.values, [1, rows, cols]);
    owned.push(t);
    return t;
  };
  const biasInfo = bias === null ? null : bias instanceof Float32Array ? upload(be, bias, [n]) : bias;
  if (bias instanceof Float32Array) owned.push(biasInfo!);
  const inputs: tf.NamedTensorInfoMap = { a: as3d(a, m, k), b: as3d(b, k, n), ...(biasInfo ? { bias: biasInfo } : {}) };
  const out = kernel.kernelFunc({ inputs, backend: be, attrs: { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 } }) as tf.TensorInfo;
  for (const t of owned) be.disposeData(t.dataId);
  return { dataId: out.dataId, shape: [m, n], dtype: 'float32' };
}

/** `productInfo` read back into plain values (the backend tensor is freed). */
export function product(be: tf.KernelBackend, a: Operand, b: Operand, bias: Float32Array | tf.TensorInfo | null = null, activation: Activation = 'linear'): Matrix {
  const out = productInfo(be, a, b, bias, activation);
  const result = matrixOf(be, out);
  be.disposeData(out.dataId);
  return result;
}

/** (rows, cols) -> (cols, rows) as a backend tensor the caller owns: on the heap, else the backend's own transpose kernel. */
export function transposeInfo(be: tf.KernelBackend, x: Operand): tf.TensorInfo {
  const onHeap = heapGemm(be);
  if (onHeap) {
    const [rows, cols] = shapeOf(x);
    const input = isMatrix(x) ? upload(be, x.values, [rows, cols]) : x;
    const out = onHeap.heap.empty([cols, rows]);
    onHeap.loops.transpose(onHeap.heap.addressOf(input), onHeap.heap.addressOf(out), rows, cols);
    if (isMatrix(x)) be.disposeData(input.dataId);
    return out;
  }
  const kernel = backendKernel('Transpose');
  const [rows, cols] = shapeOf(x);
  const input = isMatrix(x) ? upload(be, x.values, [rows, cols]) : { dataId: x.dataId, shape: [rows, cols], dtype: 'float32' as const };
  const out = kernel.kernelFunc({ inputs: { x: input }, backend: be, attrs: { perm: [1, 0] } }) as tf.TensorInfo;
  if (isMatrix(x)) be.disposeData(input.dataId);
  return { dataId: out.dataId, shape: [cols, rows], dtype: 'float32' };
}

/** (rows, cols) -> (cols, rows) on the JS side. */
export function transpose(m: Matrix): Matrix {
  const { values, rows, cols } = m;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const at = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[at + c]!;
  }
  return { values: out, rows: cols, cols: rows };
}

/** Column sums of (rows, cols) values -> (cols), accumulated in float64 (a bias gradient). */
export function columnSums(values: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const at = r * cols;
    for (let c = 0; c < cols; c++) sums[c] = sums[c]! + values[at + c]!;
  }
  return Float32Array.from(sums);
}

/**
 * The sum of products a_0 @ b_0 + a_1 @ b_1 + ... (each a_i (M, K_i), b_i (K_i, N)) as one
 * backend tensor the caller owns, accumulated in place on the wasm heap; null where that cannot
 * run (not wasm, or N not a multiple of 4): the caller concatenates instead.
 */
export function productSumInfo(be: tf.KernelBackend, pairs: readonly (readonly [tf.TensorInfo, tf.TensorInfo])[]): tf.TensorInfo | null {
  const [m] = shapeOf(pairs[0]![0]);
  const n = shapeOf(pairs[0]![1])[1];
  const onHeap = n % 4 === 0 ? heapGemm(be) : null;
  if (!onHeap) return null;
  for (const [a, b] of pairs) {
    if (shapeOf(b)[0] !== shapeOf(a)[1] || shapeOf(b)[1] !== n || shapeOf(a)[0] !== m) throw new Error(`productSum: (${shapeOf(a).join(', ')}) @ (${shapeOf(b).join(', ')})`);
  }
  const { heap, loops } = onHeap;
  const out = heap.empty([m, n]);
  pairs.forEach(([a, b], i) => {
    const k = shapeOf(a)[1];
    loops.gemm(heap.addressOf(a), 4 * k, 4, heap.addressOf(b), 4 * n, heap.addressOf(out), 4 * n, m, k, n, 0, 0, i > 0 ? 1 : 0, 0);
  });
  return out;
}

/**
 * The bias gradient of a dense layer: the column sums of dz (rows, cols), a backend tensor the
 * caller owns. On the heap in float32 (as tfjs sums), else in float64 on the JS side.
 */
export function biasGradient(be: tf.KernelBackend, dz: tf.TensorInfo): tf.TensorInfo {
  const [rows, cols] = dz.shape as [number, number];
  const onHeap = cols % 4 === 0 ? heapGemm(be) : null;
  if (!onHeap) return outputOf(be, columnSums(floatsOf(be, dz), rows, cols), [cols]);
  const out = onHeap.heap.empty([cols]);
  onHeap.loops.columnSums(onHeap.heap.addressOf(dz), onHeap.heap.addressOf(out), rows, cols);
  return out;
}

/**
 * ReLU's backward from its saved output, in place: dz = 0 where hidden <= 0. `dz` must be a
 * temporary the caller created (its values change).
 */
export function reluBackwardInPlace(be: tf.KernelBackend, dz: tf.TensorInfo, hidden: tf.TensorInfo): void {
  const n = tf.util.sizeFromShape(dz.shape);
  const onHeap = n % 4 === 0 ? heapGemm(be) : null;
  if (onHeap) {
    onHeap.loops.reluMask(onHeap.heap.addressOf(dz), onHeap.heap.addressOf(hidden), n);
    return;
  }
  const h = floatsOf(be, hidden), dzValues = floatsOf(be, dz);
  // Branch-free on the bits (and-ing with all ones or zero keeps dz or gives +0 exactly): hidden's
  // sign is random, and a branch per element mispredicted half the time, six times slower.
  const dzBits = new Int32Array(dzValues.buffer, dzValues.byteOffset, dzValues.length);
  for (let i = 0; i < dzBits.length; i++) dzBits[i] = dzBits[i]! & -Number(h[i]! > 0);
}

/**
 * dW = xᵀ dz for x (N, dIn), dz (N, dOut) -> (dIn, dOut), a backend tensor the caller owns. On the
 * heap, x is read transposed through strides. Else, the right operand of a product is packed on
 * every call (~3 ns a float), so the narrower of x and dz goes there, as tensor-ops.ts
 * `weightGrad` does: (dzᵀ x)ᵀ when dz is the wider.
 */
export function weightGradient(be: tf.KernelBackend, x: Operand, dz: Operand): tf.TensorInfo {
  const [dIn, dOut] = [shapeOf(x)[1], shapeOf(dz)[1]];
  const onHeap = dOut % 4 === 0 ? heapGemm(be) : null;
  if (onHeap) return heapProduct(be, onHeap, x, true, dz, null, 'linear');
  const left = transposeInfo(be, dOut > dIn ? dz : x); // (dOut, N) or (dIn, N)
  const dW = productInfo(be, left, dOut > dIn ? x : dz);
  be.disposeData(left.dataId);
  if (dOut <= dIn) return dW;
  const flipped = transposeInfo(be, dW); // (dOut, dIn) -> (dIn, dOut)
  be.disposeData(dW.dataId);
  return flipped;
}

/** A backend tensor's values as a Matrix (a copy, safe across allocations). */
export function matrixOf(be: tf.KernelBackend, t: tf.TensorInfo): Matrix {
  const values = floatsOf(be, t).slice();
  const cols = t.shape.length === 1 ? t.shape[0]! : t.shape[t.shape.length - 1]!;
  return { values, rows: values.length / cols, cols };
}
