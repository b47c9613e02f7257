/**
 * Muon's elementwise work around Newton-Schulz as two kernels, one pass each: before it,
 * (buffer, grad) -> (buffer' = mu buffer + scale grad, u = scale grad + mu buffer'); after it,
 * (p, o) -> p (1 - decay) - step o. Newton-Schulz itself stays in tf (its products are matmuls,
 * newton-schulz.ts). The order of optim/muon.ts's former tf ops with float64 intermediates; the
 * tests hold these to those ops.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureKernel, floatsOf, outputOf, type KernelArgs } from './kernel-io.js';

const MOMENTUM = 'HmpoMuonMomentum';
const APPLY = 'HmpoMuonApply';

interface MomentumAttrs {
  momentum: number;
  gradScale: number;
}

interface ApplyAttrs {
  /** lr * weightDecay (0: no decay). */
  decay: number;
  /** lr times the update-RMS match, the factor on the orthogonalised update. */
  step: number;
}

function momentumKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { momentum, gradScale } = attrs as unknown as MomentumAttrs;
  const buffer = floatsOf(be, inputs.buffer!), grad = floatsOf(be, inputs.grad!);
  const n = buffer.length;
  const out = new Float32Array(2 * n); // buffer' | u
  for (let i = 0; i < n; i++) {
    const g = grad[i]! * gradScale;
    const b = Math.fround(buffer[i]! * momentum + g); // the buffer as stored
    out[i] = b;
    out[n + i] = g + b * momentum;
  }
  const shape = [...inputs.buffer!.shape];
  return [outputOf(be, out.subarray(0, n), shape), outputOf(be, out.subarray(n), shape)];
}

function applyKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as tf.KernelBackend;
  const { decay, step } = attrs as unknown as ApplyAttrs;
  const p = floatsOf(be, inputs.p!), o = floatsOf(be, inputs.o!);
  const out = new Float32Array(p.length);
  const keep = 1 - decay;
  for (let i = 0; i < p.length; i++) out[i] = p[i]! * keep - o[i]! * step;
  return outputOf(be, out, [...inputs.p!.shape]);
}

/** Nesterov momentum in the SGD form: returns (new buffer, u). Gradients are scaled by `gradScale` first. */
export function muonMomentum(buffer: tf.Tensor, grad: tf.Tensor, momentum: number, gradScale: number): [tf.Tensor, tf.Tensor] {
  ensureKernel(MOMENTUM, momentumKernel);
  const attrs: MomentumAttrs = { momentum, gradScale };
  return tf.engine().runKernel(MOMENTUM, { buffer, grad }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor];
}

/** p (1 - decay) - step o, the decoupled decay and the orthogonalised step; a new tensor. */
export function muonApply(p: tf.Tensor, o: tf.Tensor, decay: number, step: number): tf.Tensor {
  ensureKernel(APPLY, applyKernel);
  const attrs: ApplyAttrs = { decay, step };
  return tf.engine().runKernel(APPLY, { p, o }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
