/**
 * Causal multi-head self-attention as one tfjs kernel each way (forward, and backward from the
 * saved softmax), registered for the active backend. On wasm the SIMD loops run on the backend's
 * heap where q, k, v and the outputs live; elsewhere (or for heads not a multiple of 4 floats) on
 * the shared training arena's loops, with copies in and out. The fused trunk (trunk-kernel.ts) calls
 * the kernel functions directly; the tfjs reference path of model-layers.ts calls
 * `causalSelfAttention`. With query rows per sequence, only those rows run. What this is not: the projections around it
 * (projection-kernel.ts) or the decoder's KV-cached attention (decoder.ts drives the loops itself).
 */
import * as tf from '@tensorflow/tfjs';
import { AttentionArena, softmaxRows } from './attention-arena.js';
import { simdKernels, type AttentionKernels } from './attention-loops.js';
import { ensureKernel, floatsOf, outputOf, type KernelArgs } from './kernel-io.js';
import { heapGemm } from './dense-products.js';
import type { GemmKernels } from './gemm-loops.js';
import { f32Bits } from './optimizer-loops.js';
import { softmaxKernels, type SoftmaxKernels } from './softmax-loops.js';
import { boundTo } from './wasm-heap.js';

let sharedArena: AttentionArena | undefined;
const trainingArena = () => (sharedArena ??= new AttentionArena());
let simdOnHeap = true;

/**
 * Tests: run the training attention kernels on the SIMD loops (default: on the wasm heap, where the
 * tensors live) or the JS ones (in the arena, with copies in and out).
 */
export function useSimdAttention(simd: boolean): void {
  sharedArena = new AttentionArena(simd);
  simdOnHeap = simd;
}

/**
 * The attention loops with their two P-times-rows products (pv, ptb) done by the dense product of
 * gemm-loops.ts, one call per head: its 4x8 tiles keep eight sums going where the splat loops keep
 * one. They skip most of the zero triangle (causal ranges of the product) but not all of it, so P
 * and dS must be zero above the diagonal (the softmax writes those zeros; the backward writes dS's). Causal rows only (`first` 0: training, not decoding).
 */
function withDenseProducts(loops: AttentionKernels, dense: GemmKernels): AttentionKernels {
  return {
    qk: loops.qk,
    norm: loops.norm,
    pv(groups, p, pG, pS, b, bG, bS, y, yG, yS, n, dBytes) {
      for (let g = 0; g < groups; g++) dense.gemm(p + g * pG, pS, 4, b + g * bG, bS, y + g * yG, yS, n, n, dBytes >> 2, 0, 0, 0, 1); // P lower triangular
    },
    ptb(groups, p, pG, pS, b, bG, bS, y, yG, yS, n, dBytes) {
      for (let g = 0; g < groups; g++) dense.gemm(p + g * pG, 4, pS, b + g * bG, bS, y + g * yG, yS, n, n, dBytes >> 2, 0, 0, 0, 2); // Pᵀ upper triangular
    },
  };
}

const boundLoops = new WeakMap<object, AttentionKernels | null>();
const boundSoftmax = new WeakMap<object, SoftmaxKernels | null>();
/** The SIMD loops on `be`'s heap, where `be` is wasm and a head's rows are a multiple of 4 floats. */
function heapLoops(be: tf.KernelBackend, headDim: number) {
  if (!simdOnHeap || headDim % 4 !== 0) return null;
  const dense = heapGemm(be);
  const attention = boundTo(be, boundLoops, simdKernels);
  return dense && attention ? { heap: attention.heap, loops: withDenseProducts(attention.loops, dense.loops) } : null;
}

const ATTENTION = 'HmpoCausalAttention';
const ATTENTION_GRAD = 'HmpoCausalAttentionGrad';

interface AttentionAttrs {
  batch: number;
  seqLen: number;
  nHeads: number;
  /** Per sequence, how many leading rows run, as queries and keys (the rest are padding); absent: all. */
  queryRows?: number[];
}

/** The attrs both attention kernels take, for `causalSelfAttention` and for the trunk's direct calls. */
export function attentionAttrs(batch: number, seqLen: number, nHeads: number, queryRows?: readonly number[]): tf.NamedAttrMap {
  const attrs: AttentionAttrs = { batch, seqLen, nHeads, ...(queryRows ? { queryRows: [...queryRows] } : {}) };
  return attrs as unknown as tf.NamedAttrMap;
}

type Sizes = ReturnType<typeof shapeOf>;

/** The sizes both kernels work with: rows n = B*T of width W = H*D; `size` = n*W floats, `block` = T*T floats of one head's scores. */
function shapeOf(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined) {
  const { batch, seqLen, nHeads, queryRows } = attrs as unknown as AttentionAttrs;
  const [n, width] = inputs.q!.shape as [number, number];
  const headDim = width / nHeads;
  return { batch, seqLen, nHeads, queryRows, n, width, headDim, scale: 1 / Math.sqrt(headDim), size: n * width, block: seqLen * seqLen };
}

/**
 * Rows a sequence's attention computes: the first queryRows[b] (all T without them). A causal
 * row reads keys up to itself only, so the rows after are left out as queries and as keys alike;
 * their outputs (and, backward, their gradients) are zeros.
 */
const rowsOf = (s: Sizes, b: number) => s.queryRows?.[b] ?? s.seqLen;

/** Zeros rows n..T-1 of sequence b in a (B*T, W) buffer at float offset `at`. */
function zeroRowsAfter(m: Float32Array, at: number, s: Sizes, b: number, n: number): void {
  if (n < s.seqLen) m.fill(0, at + (b * s.seqLen + n) * s.width, at + (b + 1) * s.seqLen * s.width);
}

/**
 * The forward on buffers at byte addresses in the memory `m` views (the loops' memory): P =
 * softmax(q kᵀ scale, causal) and y = P v per (sequence, head), on the first rowsOf(b) rows of
 * each sequence. Returns the max scaled logit per head (over those rows).
 */
function forwardLoops(loops: AttentionKernels, m: Float32Array, s: Sizes, at: { q: number; k: number; v: number; y: number; p: number }, simdSoftmax?: { loops: SoftmaxKernels; maxOut: number }): Float32Array {
  const { batch, seqLen, nHeads, width, headDim, scale, block } = s;
  const rowBytes = width * 4, dBytes = headDim * 4;
  const maxLogit = new Float32Array(nHeads).fill(-Infinity); // (H)
  const scaleBits = f32Bits(scale);
  for (let b = 0; b < batch; b++) {
    // One call per sequence covers its heads: head h is `dBytes` further along each row and one block further in P.
    const row = b * seqLen * rowBytes; // first row of sequence b, bytes
    const p = at.p + b * nHeads * block * 4;
    const n = rowsOf(s, b);
    loops.qk(nHeads, at.q + row, dBytes, rowBytes, at.k + row, dBytes, rowBytes, p, block * 4, seqLen * 4, n, dBytes, 0);
    if (simdSoftmax) simdSoftmax.loops.causal(p, nHeads, n, seqLen * 4, block * 4, scaleBits, simdSoftmax.maxOut);
    else for (let h = 0; h < nHeads; h++) maxLogit[h] = Math.max(maxLogit[h]!, softmaxRows(m, (p >> 2) + h * block, n, seqLen, 0, scale));
    loops.pv(nHeads, p, block * 4, seqLen * 4, at.v + row, dBytes, rowBytes, at.y + row, dBytes, rowBytes, n, dBytes, 0);
    zeroRowsAfter(m, at.y >> 2, s, b, n);
  }
  return maxLogit;
}

export function attentionKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const s = shapeOf(inputs, attrs);
  const { batch, nHeads, n, width, headDim, size, block } = s;
  const onHeap = heapLoops(be, headDim);
  if (onHeap) {
    const { heap, loops } = onHeap;
    const [y, probs, maxOut] = [heap.empty([n, width]), heap.empty([batch * nHeads, s.seqLen, s.seqLen]), heap.empty([nHeads])];
    const a = (t: tf.TensorInfo) => heap.addressOf(t);
    const m = heap.f32();
    // The SIMD softmax's last chunk reads 12 bytes past P (softmax-loops.ts): only where memory has them.
    const softmax = boundTo(be, boundSoftmax, softmaxKernels);
    const roomAfterP = m.length * 4 >= a(probs) + batch * nHeads * block * 4 + 12;
    if (softmax && roomAfterP) m.fill(-Infinity, a(maxOut) >> 2, (a(maxOut) >> 2) + nHeads);
    const maxLogit = forwardLoops(loops, m, s, { q: a(inputs.q!), k: a(inputs.k!), v: a(inputs.v!), y: a(y), p: a(probs) }, softmax && roomAfterP ? { loops: softmax.loops, maxOut: a(maxOut) } : undefined);
    if (!(softmax && roomAfterP)) m.set(maxLogit, a(maxOut) >> 2);
    return [y, probs, maxOut];
  }
  // Arena layout (floats): q, k, v, y (N, W) each, then the softmax P (B*H, T, T).
  const [Q, K, V, Y, P] = [0, size, 2 * size, 3 * size, 4 * size];
  const arena = trainingArena();
  arena.reserve(P + batch * nHeads * block);
  const m = arena.f32;
  m.set(floatsOf(be, inputs.q!), Q);
  m.set(floatsOf(be, inputs.k!), K);
  m.set(floatsOf(be, inputs.v!), V);
  const maxLogit = forwardLoops(arena.kernels(headDim), m, s, { q: Q * 4, k: K * 4, v: V * 4, y: Y * 4, p: P * 4 });
  return [
    outputOf(be, m.subarray(Y, Y + size), [n, width]), // y (B*T, H*D)
    outputOf(be, m.subarray(P, P + batch * nHeads * block), [batch * nHeads, s.seqLen, s.seqLen]), // P, zero above the diagonal; with query rows, only each block's n x n corner is written
    outputOf(be, maxLogit, [nHeads]),
  ];
}

/**
 * The backward on buffers at byte addresses (as `forwardLoops`), per (sequence, head), on the
 * first rowsOf(b) rows: dP = dy vᵀ; dS_ij = P_ij (dP_ij - sum_j' P_ij' dP_ij') scale; dq = dS k;
 * dk = dSᵀ q; dv = Pᵀ dy; zeros on the rows after. `ds` is scratch of P's size.
 */
function backwardLoops(loops: AttentionKernels, m: Float32Array, s: Sizes, at: { q: number; k: number; v: number; dy: number; p: number; ds: number; dq: number; dk: number; dv: number }, simdSoftmax?: SoftmaxKernels): void {
  const { batch, seqLen, nHeads, width, headDim, scale, block } = s;
  const rowBytes = width * 4, dBytes = headDim * 4, pRow = seqLen * 4;
  const blockBytes = block * 4;
  for (let b = 0; b < batch; b++) {
    // One call per sequence covers its heads (see the forward).
    const row = b * seqLen * rowBytes; // bytes
    const p = at.p + b * nHeads * blockBytes, ds = at.ds + b * nHeads * blockBytes; // bytes
    const n = rowsOf(s, b);
    loops.qk(nHeads, at.dy + row, dBytes, rowBytes, at.v + row, dBytes, rowBytes, ds, blockBytes, pRow, n, dBytes, 0); // dP, lower triangle
    if (simdSoftmax) simdSoftmax.causalBackward(p, ds, nHeads, n, pRow, blockBytes, f32Bits(scale));
    else {
      const [pf, dsf] = [p >> 2, ds >> 2];
      for (let h = 0; h < nHeads; h++) {
        for (let i = 0; i < n; i++) {
          const r = h * block + i * seqLen;
          let rowDot = 0;
          for (let j = 0; j <= i; j++) rowDot += m[pf + r + j]! * m[dsf + r + j]!;
          for (let j = 0; j <= i; j++) m[dsf + r + j] = m[pf + r + j]! * (m[dsf + r + j]! - rowDot) * scale;
          m.fill(0, dsf + r + i + 1, dsf + r + n); // causal: dS is zero above the diagonal
        }
      }
    }
    loops.pv(nHeads, ds, blockBytes, pRow, at.k + row, dBytes, rowBytes, at.dq + row, dBytes, rowBytes, n, dBytes, 0);
    loops.ptb(nHeads, ds, blockBytes, pRow, at.q + row, dBytes, rowBytes, at.dk + row, dBytes, rowBytes, n, dBytes);
    loops.ptb(nHeads, p, blockBytes, pRow, at.dy + row, dBytes, rowBytes, at.dv + row, dBytes, rowBytes, n, dBytes);
    for (const out of [at.dq, at.dk, at.dv]) zeroRowsAfter(m, out >> 2, s, b, n);
  }
}

export function attentionGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const s = shapeOf(inputs, attrs);
  const { batch, nHeads, n, width, headDim, size, block } = s;
  const probSize = batch * nHeads * block;
  const onHeap = heapLoops(be, headDim);
  if (onHeap) {
    const { heap, loops } = onHeap;
    const [dq, dk, dv, ds] = [heap.empty([n, width]), heap.empty([n, width]), heap.empty([n, width]), heap.empty([probSize])];
    const a = (t: tf.TensorInfo) => heap.addressOf(t);
    const m = heap.f32();
    // The SIMD softmax backward's last chunk reads 12 bytes past dS and P (softmax-loops.ts): only where memory has them.
    const softmax = boundTo(be, boundSoftmax, softmaxKernels);
    const room = m.length * 4 >= Math.max(a(ds), a(inputs.probs!)) + probSize * 4 + 12;
    backwardLoops(loops, m, s, { q: a(inputs.q!), k: a(inputs.k!), v: a(inputs.v!), dy: a(inputs.dy!), p: a(inputs.probs!), ds: a(ds), dq: a(dq), dk: a(dk), dv: a(dv) }, softmax && room ? softmax.loops : undefined);
    be.disposeData(ds.dataId);
    return [dq, dk, dv];
  }
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
  backwardLoops(arena.kernels(headDim), m, s, { q: Q! * 4, k: K! * 4, v: V! * 4, dy: DY! * 4, p: P! * 4, ds: DS! * 4, dq: DQ! * 4, dk: DK! * 4, dv: DV! * 4 });
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
 * gradient; with `queryRows`, only over the first queryRows[b] query rows of sequence b (the rows
 * after are padding that training never scores). One kernel each way instead of split-heads, two batched products, mask, softmax, max
 * and merge-heads (and their gradients); differentiable w.r.t. q, k and v. Deterministic, so the
 * same inputs give bit-identical outputs with or without a gradient tape.
 */
export function causalSelfAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, batch: number, seqLen: number, nHeads: number, queryRows?: readonly number[]): { y: tf.Tensor2D; maxLogit: tf.Tensor1D } {
  const [n, width] = q.shape;
  if (n !== batch * seqLen || width % nHeads !== 0) throw new Error(`causalSelfAttention: q is [${q.shape.join(', ')}], expected [${batch * seqLen}, a multiple of ${nHeads}]`);
  if (queryRows !== undefined && (queryRows.length !== batch || queryRows.some((r) => !Number.isInteger(r) || r < 1 || r > seqLen))) throw new Error(`causalSelfAttention: queryRows must hold ${batch} counts in 1..${seqLen}`);
  ensureKernel(ATTENTION, attentionKernel);
  ensureKernel(ATTENTION_GRAD, attentionGradKernel);
  const [y, , maxLogit] = tf.engine().runKernel(ATTENTION, { q, k, v }, attentionAttrs(batch, seqLen, nHeads, queryRows)) as tf.Tensor[];
  return { y: y as tf.Tensor2D, maxLogit: maxLogit as tf.Tensor1D };
}
