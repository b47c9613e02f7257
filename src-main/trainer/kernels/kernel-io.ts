/**
 * Plumbing shared by the hand-written kernels (attention, layer norm, MLP, output head, embedding,
 * AdamW): reading a float32 tensor's values without a copy where the backend allows it, handing
 * values back as a new tensor, and the kernel-function signature tfjs calls them with. No math.
 */
import * as tf from '@tensorflow/tfjs';
import { optimizerKernels, type OptimizerKernels } from './optimizer-loops.js';
import { boundTo } from './wasm-heap.js';

/** What tfjs passes a registered kernel function. */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/**
 * A float32 tensor's values, live: a zero-copy view of the wasm heap where the backend offers one
 * (valid until the backend's next allocation, which may grow and move the heap: read it before
 * writing any output), else the backend's own array. Writing to it changes the tensor: only do so
 * on a temporary the kernel created.
 */
export function floatsOf(backend: tf.KernelBackend, t: tf.TensorInfo): Float32Array {
  const heap = backend as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  return heap.typedArrayFromHeap ? heap.typedArrayFromHeap(t) : (backend.readSync(t.dataId) as Float32Array);
}

/** An int32 input's values (a view on wasm, as `floatsOf`). */
export function intsOf(backend: tf.KernelBackend, t: tf.TensorInfo): Int32Array {
  const heap = backend as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Int32Array };
  return heap.typedArrayFromHeap ? heap.typedArrayFromHeap(t) : (backend.readSync(t.dataId) as Int32Array);
}

/**
 * Hands `values` to the backend as a new float32 tensor. wasm copies them into its heap; other
 * backends keep the array they are given, so those get a copy (a fresh array costs more than the
 * copy: allocation and zeroing).
 */
export function outputOf(backend: tf.KernelBackend, values: Float32Array, shape: number[]): tf.TensorInfo {
  const copiesOnWrite = 'typedArrayFromHeap' in backend;
  return { dataId: backend.write(copiesOnWrite ? values : values.slice(), shape, 'float32'), shape, dtype: 'float32' };
}

const backendKernels = new Map<string, tf.KernelConfig>();

/**
 * The active backend's own kernel `kernelName` (e.g. _FusedMatMul, Transpose, Add), to call its
 * kernelFunc directly without an engine dispatch; looked up once per backend (the hot paths call
 * it per product). Throws, naming both, where the backend has no such kernel.
 */
export function backendKernel(kernelName: string): tf.KernelConfig {
  const backendName = tf.getBackend();
  const key = `${backendName}/${kernelName}`;
  let kernel = backendKernels.get(key);
  if (kernel === undefined) {
    kernel = tf.getKernel(kernelName, backendName);
    if (!kernel) throw new Error(`no ${kernelName} kernel on backend ${backendName}`);
    backendKernels.set(key, kernel);
  }
  return kernel;
}

/** Registers `kernelFunc` under `kernelName` for the active backend, once. */
export function ensureKernel(kernelName: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void {
  const backendName = tf.getBackend();
  if (tf.getKernel(kernelName, backendName) === undefined) {
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

/**
 * Runs `f` in a tidy scope and returns the data it reads back. The array is handed out through a
 * variable, not as tidy's result: tidy walks its result looking for tensors, element by element
 * for a typed array (that walk cost more than the matmuls).
 */
export function readBack(f: () => tf.Tensor): Float32Array {
  let out: Float32Array | undefined;
  tf.tidy(() => {
    out = f().dataSync() as Float32Array;
  });
  return out!;
}

/**
 * sum(t^2) of a float32 tensor, each square and the sum in float64, no tensors created: on the
 * wasm heap a SIMD loop (optimizer-loops.ts) for all but the last n mod 4 values, else one JS pass.
 */
export function sumOfSquares(t: tf.Tensor): number {
  const be = tf.backend();
  const onHeap = boundTo(be, boundOptimizerLoops, optimizerKernels);
  const values = floatsOf(be, t);
  const simd = onHeap ? values.length - (values.length % 4) : 0;
  let total = onHeap && simd > 0 ? onHeap.loops.sumOfSquares(onHeap.heap.addressOf(t), simd) : 0;
  for (let i = simd; i < values.length; i++) total += values[i]! * values[i]!;
  return total;
}

const boundOptimizerLoops = new WeakMap<object, OptimizerKernels | null>();

let fusedDisabled = false;

/**
 * Whether the model runs its hand-written fused kernels (layer norm, QKV, MLP, output head,
 * embedding) or the tfjs reference path. On for the wasm and cpu backends, whose kernels these
 * are written against (they read and write backend memory and call its matmul kernel directly);
 * the native backends keep the reference path. Tests switch it off to compare the two.
 */
export function fusedKernelsOn(): boolean {
  if (fusedDisabled) return false;
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu';
}

/** Tests: force the tfjs reference path (false) or restore the default (true). */
export function useFusedKernels(on: boolean): void {
  fusedDisabled = !on;
}
