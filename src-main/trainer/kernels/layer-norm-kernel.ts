/**
 * Layer normalisation as one kernel each way: forward (x, gain, bias) -> y and the per-row (mean,
 * rstd); backward -> dx, dgain, dbias in one pass over the saved statistics. On wasm, the SIMD
 * loops of layer-norm-loops.ts (float32) writing their outputs where they live on the heap; else,
 * or where dModel is not a multiple of 4, JS loops with float64 accumulation per row. The tfjs
 * composition (tensor-ops.ts `layerNorm`) takes about 9 kernels forward and 12 backward, each a
 * dispatch and a fresh tensor, on rows of only dModel floats.
 * The fused trunk (trunk-kernel.ts) calls these kernel functions; test-support/kernel-ops.ts wraps
 * them as tfjs ops for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM_EPS } from '../tensor-ops.js';
import { floatsOf, outputOf, type KernelArgs } from './kernel-io.js';
import { layerNormKernels, type LayerNormKernels } from './layer-norm-loops.js';
import { boundTo } from './wasm-heap.js';

const bound = new WeakMap<object, LayerNormKernels | null>();
/** The SIMD loops on `be`'s heap, where `be` is wasm and rows are a multiple of 4 floats. */
const heapLoops = (be: tf.KernelBackend, d: number) => (d % 4 === 0 ? boundTo(be, bound, layerNormKernels) : null);

export function layerNormKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const [rows, d] = inputs.x!.shape as [number, number];
  const onHeap = heapLoops(be, d);
  if (onHeap) {
    const { heap, loops } = onHeap;
    const [y, stats] = [heap.empty([rows, d]), heap.empty([rows, 2])];
    loops.forward(heap.addressOf(inputs.x!), heap.addressOf(inputs.gain!), heap.addressOf(inputs.bias!), heap.addressOf(y), heap.addressOf(stats), rows, 4 * d);
    return [y, stats];
  }
  const x = floatsOf(be, inputs.x!), gain = floatsOf(be, inputs.gain!), bias = floatsOf(be, inputs.bias!);
  const y = new Float32Array(rows * d);
  const stats = new Float32Array(rows * 2); // (mean, rstd) per row
  for (let r = 0; r < rows; r++) {
    const at = r * d;
    let sum = 0;
    for (let c = 0; c < d; c++) sum += x[at + c]!;
    stats[2 * r] = sum / d; // mean and rstd as stored (float32): the backward recomputes xhat from them
    const mean = stats[2 * r]!;
    let squares = 0;
    for (let c = 0; c < d; c++) squares += (x[at + c]! - mean) * (x[at + c]! - mean);
    stats[2 * r + 1] = 1 / Math.sqrt(squares / d + LAYER_NORM_EPS);
    const rstd = stats[2 * r + 1]!;
    for (let c = 0; c < d; c++) y[at + c] = (x[at + c]! - mean) * rstd * gain[c]! + bias[c]!;
  }
  return [outputOf(be, y, [rows, d]), outputOf(be, stats, [rows, 2])];
}

/** dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy gain; dgain = sum dy xhat; dbias = sum dy. */
export function layerNormGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const [rows, d] = inputs.x!.shape as [number, number];
  const onHeap = heapLoops(be, d);
  if (onHeap) {
    const { heap, loops } = onHeap;
    const [dx, dGain, dBias] = [heap.empty([rows, d]), heap.empty([d]), heap.empty([d])];
    const address = (t: tf.TensorInfo) => heap.addressOf(t);
    loops.backward(address(inputs.x!), address(inputs.gain!), address(inputs.stats!), address(inputs.dy!), address(dx), address(dGain), address(dBias), rows, 4 * d);
    return [dx, dGain, dBias];
  }
  const x = floatsOf(be, inputs.x!), gain = floatsOf(be, inputs.gain!), stats = floatsOf(be, inputs.stats!), dy = floatsOf(be, inputs.dy!);
  const dx = new Float32Array(rows * d);
  const dGain = new Float64Array(d), dBias = new Float64Array(d);
  const xhat = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const at = r * d;
    const mean = stats[2 * r]!, rstd = stats[2 * r + 1]!;
    let sumG = 0, sumGx = 0;
    for (let c = 0; c < d; c++) {
      const xh = (x[at + c]! - mean) * rstd;
      const g = dy[at + c]! * gain[c]!;
      xhat[c] = xh;
      sumG += g;
      sumGx += g * xh;
      dGain[c] = dGain[c]! + dy[at + c]! * xh;
      dBias[c] = dBias[c]! + dy[at + c]!;
    }
    const meanG = sumG / d, meanGx = sumGx / d;
    for (let c = 0; c < d; c++) dx[at + c] = rstd * (dy[at + c]! * gain[c]! - meanG - xhat[c]! * meanGx);
  }
  return [outputOf(be, dx, [rows, d]), outputOf(be, Float32Array.from(dGain), [d]), outputOf(be, Float32Array.from(dBias), [d])];
}
