/**
 * AdamW's whole per-parameter update as one kernel: (p, g, m, v) -> (p', m', v') in a single
 * pass, gradient scale (the grad-norm clip), decoupled decay and bias correction included. It
 * replaces about a dozen elementwise tf ops per parameter (each a kernel dispatch and a fresh
 * tensor). PyTorch's order of operations: on wasm, the SIMD loop of optimizer-loops.ts in float32
 * writing the outputs where they live on the heap; elsewhere (and for the last n mod 4 values) a
 * JS loop with float64 intermediates. `adamwReference` is the same update in tf ops, the reference
 * the tests hold both to. No state lives here: optim/adamw.ts owns the moments.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureKernel, floatsOf, outputOf, type KernelArgs } from './kernel-io.js';
import { f32Bits, optimizerKernels, type OptimizerKernels } from './optimizer-loops.js';
import { boundTo } from './wasm-heap.js';

/** One update's scalars. `decay` is lr * weightDecay, 0 for parameters that are not decayed. */
export interface AdamWUpdate {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly decay: number;
  /** This parameter's step count after the update (1 on the first), for the bias correction. */
  readonly step: number;
  readonly gradScale: number;
}

const ADAMW = 'HmpoAdamW';

let scratch = new Float32Array(0);
const bound = new WeakMap<object, OptimizerKernels | null>();

/** (p, g, m, v) -> [p', m', v'] as new tensors on the wasm heap: SIMD for the first n - n mod 4 values. */
function heapUpdate(be: tf.KernelBackend, inputs: tf.NamedTensorInfoMap, u: AdamWUpdate): tf.TensorInfo[] | null {
  const onHeap = boundTo(be, bound, optimizerKernels);
  if (!onHeap) return null;
  const { heap, loops } = onHeap;
  const shape = [...inputs.p!.shape];
  const outs = [0, 1, 2].map(() => heap.empty(shape));
  const n = tf.util.sizeFromShape(shape);
  const simd = n - (n % 4);
  const [bias1, bias2, keep] = [1 - u.beta1 ** u.step, 1 - u.beta2 ** u.step, 1 - u.decay];
  const address = (t: tf.TensorInfo) => heap.addressOf(t);
  loops.adamw(address(inputs.p!), address(inputs.g!), address(inputs.m!), address(inputs.v!), address(outs[0]!), address(outs[1]!), address(outs[2]!), simd,
    ...([u.gradScale, u.beta1, 1 - u.beta1, u.beta2, 1 - u.beta2, bias1, bias2, keep, u.epsilon, u.lr].map(f32Bits) as [number, number, number, number, number, number, number, number, number, number]));
  if (simd < n) {
    const view = (t: tf.TensorInfo) => floatsOf(be, t).subarray(simd);
    update(view(inputs.p!), view(inputs.g!), view(inputs.m!), view(inputs.v!), view(outs[0]!), view(outs[1]!), view(outs[2]!), u);
  }
  return outs;
}

/** The update of every value, float64 intermediates, float32 results. */
function update(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, u: AdamWUpdate): void {
  const { beta1, beta2, lr, epsilon, gradScale } = u;
  const [bias1, bias2, keep] = [1 - beta1 ** u.step, 1 - beta2 ** u.step, 1 - u.decay];
  // Float64 in registers, float32 in memory: Math.fround on every intermediate cost ~3x the loop.
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * gradScale;
    const mi = m[i]! * beta1 + gi * (1 - beta1);
    const vi = v[i]! * beta2 + gi * gi * (1 - beta2);
    pOut[i] = p[i]! * keep - ((mi / bias1) / (Math.sqrt(vi / bias2) + epsilon)) * lr;
    mOut[i] = mi;
    vOut[i] = vi;
  }
}

function adamwKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const u = attrs as unknown as AdamWUpdate;
  const onHeap = heapUpdate(be, inputs, u);
  if (onHeap) return onHeap;
  const p = floatsOf(be, inputs.p!), g = floatsOf(be, inputs.g!), m = floatsOf(be, inputs.m!), v = floatsOf(be, inputs.v!);
  const n = p.length;
  if (scratch.length < 3 * n) scratch = new Float32Array(3 * n);
  const out = scratch; // p' | m' | v'; other backends get copies (outputOf)
  update(p, g, m, v, out.subarray(0, n), out.subarray(n, 2 * n), out.subarray(2 * n, 3 * n), u);
  const shape = [...inputs.p!.shape];
  return [0, 1, 2].map((k) => outputOf(be, out.subarray(k * n, (k + 1) * n), shape));
}

/** The updated (p, m, v), new tensors the caller owns (assign them to the variables). */
export function adamwUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, update: AdamWUpdate): [tf.Tensor, tf.Tensor, tf.Tensor] {
  ensureKernel(ADAMW, adamwKernel);
  return tf.engine().runKernel(ADAMW, { p, g, m, v }, update as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** The same update in tf ops (the pre-kernel implementation), for tests. Call inside tf.tidy. */
export function adamwReference(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, u: AdamWUpdate): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const grad = u.gradScale === 1 ? g : tf.mul(g, u.gradScale);
  const m1 = tf.add(tf.mul(m, u.beta1), tf.mul(grad, 1 - u.beta1));
  const v1 = tf.add(tf.mul(v, u.beta2), tf.mul(tf.square(grad), 1 - u.beta2));
  const direction = tf.div(tf.div(m1, 1 - u.beta1 ** u.step), tf.add(tf.sqrt(tf.div(v1, 1 - u.beta2 ** u.step)), u.epsilon));
  const decayed = u.decay > 0 ? tf.mul(p, 1 - u.decay) : p;
  return [tf.sub(decayed, tf.mul(direction, u.lr)), m1, v1];
}
