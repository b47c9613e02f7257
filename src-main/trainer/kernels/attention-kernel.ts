/**
 * Causal multi-head self-attention as one tfjs kernel each way (forward, and backward from the
 * saved softmax), registered for the active backend and run on the shared training arena's loops.
 * The model's attention calls `causalSelfAttention`. What this is not: the projections around it
 * (projection-kernel.ts) or the decoder's KV-cached attention (decoder.ts drives the loops itself).
 */
import * as tf from '@tensorflow/tfjs';
import { AttentionArena, softmaxRows } from './attention-arena.js';
import { ensureKernel, floatsOf, outputOf, type KernelArgs } from './kernel-io.js';

let sharedArena: AttentionArena | undefined;
const trainingArena = () => (sharedArena ??= new AttentionArena());

/** Tests: run the training attention kernels on the SIMD loops (default) or the JS ones. */
export function useSimdAttention(simd: boolean): void {
  sharedArena = new AttentionArena(simd);
}

const ATTENTION = 'HmpoCausalAttention';
const ATTENTION_GRAD = 'HmpoCausalAttentionGrad';

interface AttentionAttrs {
  batch: number;
  seqLen: number;
  nHeads: number;
}

/** The sizes both kernels work with: rows n = B*T of width W = H*D; `size` = n*W floats, `block` = T*T floats of one head's scores. */
function shapeOf(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined) {
  const { batch, seqLen, nHeads } = attrs as unknown as AttentionAttrs;
  const [n, width] = inputs.q!.shape as [number, number];
  const headDim = width / nHeads;
  return { batch, seqLen, nHeads, n, width, headDim, scale: 1 / Math.sqrt(headDim), size: n * width, block: seqLen * seqLen };
}

function attentionKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { batch, seqLen, nHeads, n, width, headDim, scale, size, block } = shapeOf(inputs, attrs);
  // Arena layout (floats): q, k, v, y (N, W) each, then the softmax P (B*H, T, T).
  const [Q, K, V, Y, P] = [0, size, 2 * size, 3 * size, 4 * size];
  const arena = trainingArena();
  arena.reserve(P + batch * nHeads * block);
  const m = arena.f32;
  m.set(floatsOf(be, inputs.q!), Q);
  m.set(floatsOf(be, inputs.k!), K);
  m.set(floatsOf(be, inputs.v!), V);
  const { qk, pv } = arena.kernels(headDim);
  const rowBytes = width * 4, dBytes = headDim * 4;
  const maxLogit = new Float32Array(nHeads).fill(-Infinity); // (H)
  for (let b = 0; b < batch; b++) {
    // One call per sequence covers its heads: head h is `dBytes` further along each row and one block further in P.
    const row = b * seqLen * width; // first row of sequence b
    const p = P + b * nHeads * block;
    qk(nHeads, (Q + row) * 4, dBytes, rowBytes, (K + row) * 4, dBytes, rowBytes, p * 4, block * 4, seqLen * 4, seqLen, dBytes, 0);
    for (let h = 0; h < nHeads; h++) maxLogit[h] = Math.max(maxLogit[h]!, softmaxRows(m, p + h * block, seqLen, seqLen, 0, scale));
    pv(nHeads, p * 4, block * 4, seqLen * 4, (V + row) * 4, dBytes, rowBytes, (Y + row) * 4, dBytes, rowBytes, seqLen, dBytes, 0);
  }
  return [
    outputOf(be, m.subarray(Y, Y + size), [n, width]), // y (B*T, H*D)
    outputOf(be, m.subarray(P, P + batch * nHeads * block), [batch * nHeads, seqLen, seqLen]), // P, zero above the diagonal
    outputOf(be, maxLogit, [nHeads]),
  ];
}

/**
 * Backward from the saved softmax P, per (sequence, head): dP = dy vᵀ; dS_ij = P_ij (dP_ij -
 * sum_j' P_ij' dP_ij') scale; dq = dS k; dk = dSᵀ q; dv = Pᵀ dy.
 */
function attentionGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { batch, seqLen, nHeads, n, width, headDim, scale, size, block } = shapeOf(inputs, attrs);
  const probSize = batch * nHeads * block;
  // Arena layout (floats): q, k, v, dy, dq, dk, dv (N, W) each, then P and dS (B*H, T, T) each.
  const [Q, K, V, DY, DQ, DK, DV, P, DS] = [0, 1, 2, 3, 4, 5, 6, 7, 7].map((x, i) => x * size + (i === 8 ? probSize : 0)) as number[];
  const arena = trainingArena();
  arena.reserve(DS! + probSize);
  const m = arena.f32;
  m.set(floatsOf(be, inputs.q!), Q);
  m.set(floatsOf(be, inputs.k!), K);
  m.set(floatsOf(be, inputs.v!), V);
  m.set(floatsOf(be, inputs.dy!), DY);
  m.set(floatsOf(be, inputs.probs!), P);
  const { qk, pv, ptb } = arena.kernels(headDim);
  const rowBytes = width * 4, dBytes = headDim * 4, pRow = seqLen * 4;
  const blockBytes = block * 4;
  for (let b = 0; b < batch; b++) {
    // One call per sequence covers its heads (see the forward kernel).
    const row = (b * seqLen * width) * 4; // bytes
    const p = P! + b * nHeads * block;
    const ds = DS! + b * nHeads * block;
    qk(nHeads, DY! * 4 + row, dBytes, rowBytes, V! * 4 + row, dBytes, rowBytes, ds * 4, blockBytes, pRow, seqLen, dBytes, 0); // dP, lower triangle
    for (let at = 0; at < nHeads * block; at += seqLen) {
      const i = (at / seqLen) % seqLen; // row within its head's block
      let rowDot = 0;
      for (let j = 0; j <= i; j++) rowDot += m[p + at + j]! * m[ds + at + j]!;
      for (let j = 0; j <= i; j++) m[ds + at + j] = m[p + at + j]! * (m[ds + at + j]! - rowDot) * scale;
    }
    pv(nHeads, ds * 4, blockBytes, pRow, K! * 4 + row, dBytes, rowBytes, DQ! * 4 + row, dBytes, rowBytes, seqLen, dBytes, 0);
    ptb(nHeads, ds * 4, blockBytes, pRow, Q! * 4 + row, dBytes, rowBytes, DK! * 4 + row, dBytes, rowBytes, seqLen, dBytes);
    ptb(nHeads, p * 4, blockBytes, pRow, DY! * 4 + row, dBytes, rowBytes, DV! * 4 + row, dBytes, rowBytes, seqLen, dBytes);
  }
  return [DQ!, DK!, DV!].map((at) => outputOf(be, m.subarray(at, at + size), [n, width]));
}

tf.registerGradient({
  kernelName: ATTENTION,
  inputsToSave: ['q', 'k', 'v'],
  outputsToSave: [false, true, false],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [q, k, v, probs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dOut = Array.isArray(dy) ? dy[0]! : dy;
    const [dq, dk, dv] = tf.engine().runKernel(ATTENTION_GRAD, { dy: dOut, q, k, v, probs }, attrs) as tf.Tensor[];
    return { q: () => dq!, k: () => dk!, v: () => dv! };
  },
});

/**
 * Causal multi-head self-attention of q, k, v (B*T, H*D), rows grouped by sequence, head h in
 * columns [h*D, (h+1)*D): softmax(q kᵀ / sqrt(D) + causal mask) v -> y (B*T, H*D), plus the max
 * scaled pre-softmax logit per head over the batch and the causal positions (H), which carries no
 * gradient. One kernel each way instead of split-heads, two batched products, mask, softmax, max
 * and merge-heads (and their gradients); differentiable w.r.t. q, k and v. Deterministic, so the
 * same inputs give bit-identical outputs with or without a gradient tape.
 */
export function causalSelfAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, batch: number, seqLen: number, nHeads: number): { y: tf.Tensor2D; maxLogit: tf.Tensor1D } {
  const [n, width] = q.shape;
  if (n !== batch * seqLen || width % nHeads !== 0) throw new Error(`causalSelfAttention: q is [${q.shape.join(', ')}], expected [${batch * seqLen}, a multiple of ${nHeads}]`);
  ensureKernel(ATTENTION, attentionKernel);
  ensureKernel(ATTENTION_GRAD, attentionGradKernel);
  const attrs: AttentionAttrs = { batch, seqLen, nHeads };
  const [y, , maxLogit] = tf.engine().runKernel(ATTENTION, { q, k, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { y: y as tf.Tensor2D, maxLogit: maxLogit as tf.Tensor1D };
}
