/**
 * The whole teacher-forced trunk (embedding, every pre-LN block, the final layer norm) as one
 * differentiable op: the forward calls the kernel functions of the other kernel files directly on
 * backend tensors, in order, and keeps what the backward needs; the backward walks the blocks in
 * reverse with their gradient kernels, adding the residual branches itself. The tfjs engine sees
 * one op each way instead of about 30 forward and 40 backward (each a dispatch, a tape node, saved
 * tensor clones and gradient-accumulating Adds: about a third of the step once the math ran on
 * SIMD loops). What this is not: new math. Each piece is the kernel its own file tests against the
 * tfjs reference path; the whole is tested against that path too (fused-kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { attentionAttrs, attentionGradKernel, attentionKernel } from './attention-kernel.js';
import { embedGradKernel, embedKernel } from './embedding-kernel.js';
import { backendKernel, floatsOf } from './kernel-io.js';
import { layerNormGradKernel, layerNormKernel } from './layer-norm-kernel.js';
import { mlpGradKernel, mlpKernel } from './mlp-kernel.js';
import { projectGradKernel, projectKernel } from './projection-kernel.js';
import { gatherKernel, scatterAddKernel, type SharedPrefixRows } from './row-gather-kernel.js';

/** One block's weights, in the order they are the op's inputs (and get their gradients). */
export interface TrunkBlockWeights {
  readonly ln1Gain: tf.Tensor1D; readonly ln1Bias: tf.Tensor1D;
  readonly wq: tf.Tensor2D; readonly wk: tf.Tensor2D; readonly wv: tf.Tensor2D; readonly wo: tf.Tensor2D;
  readonly ln2Gain: tf.Tensor1D; readonly ln2Bias: tf.Tensor1D;
  readonly w1: tf.Tensor2D; readonly b1: tf.Tensor1D; readonly w2: tf.Tensor2D; readonly b2: tf.Tensor1D;
}
const BLOCK_KEYS = ['ln1Gain', 'ln1Bias', 'wq', 'wk', 'wv', 'wo', 'ln2Gain', 'ln2Bias', 'w1', 'b1', 'w2', 'b2'] as const;

export interface TrunkWeights {
  readonly tokenTable: tf.Tensor2D;
  readonly positionTable: tf.Tensor2D;
  readonly blocks: readonly TrunkBlockWeights[];
  readonly finalGain: tf.Tensor1D;
  readonly finalBias: tf.Tensor1D;
}

/** The shapes and row maps one call works with. */
interface TrunkShape {
  readonly batch: number;
  readonly seqLen: number;
  /** One row per distinct needed prefix (see sharedPrefixRows); absent: every row of (B*T). */
  readonly rows?: SharedPrefixRows;
  /** What the attention kernels take (the rows each sequence needs included), built once per call. */
  readonly attention: tf.NamedAttrMap;
}

/** What the forward of one block keeps for its backward (backend tensors). */
interface BlockSaved {
  x: tf.TensorInfo; stats1: tf.TensorInfo; h1: tf.TensorInfo;
  q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo; probs: tf.TensorInfo;
  y: tf.TensorInfo; x2: tf.TensorInfo; stats2: tf.TensorInfo; h2: tf.TensorInfo; hidden: tf.TensorInfo;
}
const SAVED_KEYS = ['x', 'stats1', 'h1', 'q', 'k', 'v', 'probs', 'y', 'x2', 'stats2', 'h2', 'hidden'] as const;

const one = (out: tf.TensorInfo | tf.TensorInfo[]) => (Array.isArray(out) ? out[0]! : out);

/** The backend's own elementwise Add, called directly (no engine dispatch). */
function add(be: tf.KernelBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return one(backendKernel('Add').kernelFunc({ inputs: { a, b }, backend: be }) as tf.TensorInfo);
}

function gather(be: tf.KernelBackend, x: tf.TensorInfo, index: number[]): tf.TensorInfo {
  return gatherKernel({ inputs: { x }, backend: be, attrs: { index, sourceRows: x.shape[0]! } as unknown as tf.NamedAttrMap });
}

function scatterAdd(be: tf.KernelBackend, dy: tf.TensorInfo, index: number[], sourceRows: number): tf.TensorInfo {
  return scatterAddKernel({ inputs: { dy }, backend: be, attrs: { index, sourceRows } as unknown as tf.NamedAttrMap });
}

const free = (be: tf.KernelBackend, ...infos: tf.TensorInfo[]) => {
  for (const t of infos) be.disposeData(t.dataId);
};

/** One block forward: x -> x + attn(ln1 x) -> + mlp(ln2 .). Returns the new stream, its saved tensors and the max logits. */
function blockForward(be: tf.KernelBackend, w: TrunkBlockWeights, x: tf.TensorInfo, s: TrunkShape): { out: tf.TensorInfo; saved: BlockSaved; maxLogit: Float32Array } {
  const [h1, stats1] = layerNormKernel({ inputs: { x, gain: w.ln1Gain, bias: w.ln1Bias }, backend: be }) as [tf.TensorInfo, tf.TensorInfo];
  let [q, k, v] = projectKernel({ inputs: { x: h1, w0: w.wq, w1: w.wk, w2: w.wv }, backend: be, attrs: { count: 3 } }) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  if (s.rows) {
    const expanded = [q, k, v].map((t) => gather(be, t, s.rows!.expand));
    free(be, q, k, v);
    [q, k, v] = expanded as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  }
  const [attentionOut, probs, maxOut] = attentionKernel({ inputs: { q, k, v }, backend: be, attrs: s.attention }) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  let y = attentionOut;
  const maxLogit = floatsOf(be, maxOut).slice();
  free(be, maxOut);
  if (s.rows) {
    const compressed = gather(be, y, s.rows.compress);
    free(be, y);
    y = compressed;
  }
  const [attended] = projectKernel({ inputs: { x: y, w0: w.wo }, backend: be, attrs: { count: 1 } }) as [tf.TensorInfo];
  const x2 = add(be, x, attended);
  free(be, attended);
  const [h2, stats2] = layerNormKernel({ inputs: { x: x2, gain: w.ln2Gain, bias: w.ln2Bias }, backend: be }) as [tf.TensorInfo, tf.TensorInfo];
  const [mlpOut, hidden] = mlpKernel({ inputs: { x: h2, w1: w.w1, b1: w.b1, w2: w.w2, b2: w.b2 }, backend: be }) as [tf.TensorInfo, tf.TensorInfo];
  const out = add(be, x2, mlpOut);
  free(be, mlpOut);
  return { out, saved: { x, stats1, h1, q, k, v, probs, y, x2, stats2, h2, hidden }, maxLogit };
}

/** One block backward from d out; returns d x (a new tensor) and the block's weight gradients in BLOCK_KEYS order. */
function blockBackward(be: tf.KernelBackend, w: TrunkBlockWeights, saved: BlockSaved, dOut: tf.TensorInfo, s: TrunkShape): { dx: tf.TensorInfo; grads: tf.TensorInfo[] } {
  // out = x2 + mlp(ln2(x2)): d x2 = d out + ln2ᵀ(mlpᵀ(d out)).
  const [dh2, dW1, db1, dW2, db2] = mlpGradKernel({ inputs: { x: saved.h2, w1: w.w1, w2: w.w2, hidden: saved.hidden, dy: dOut }, backend: be }) as tf.TensorInfo[];
  const [dx2Branch, dGain2, dBias2] = layerNormGradKernel({ inputs: { x: saved.x2, gain: w.ln2Gain, stats: saved.stats2, dy: dh2! }, backend: be }) as tf.TensorInfo[];
  const dx2 = add(be, dOut, dx2Branch!);
  free(be, dh2!, dx2Branch!);
  // x2 = x + wo(attention(q, k, v)): back through W_o, the row map, attention, the row map, Q K V, ln1.
  const [dyRows, dWo] = projectGradKernel({ inputs: { x: saved.y, w0: w.wo, dy0: dx2 }, backend: be, attrs: { count: 1 } }) as tf.TensorInfo[];
  const sourceRows = s.batch * s.seqLen;
  const dy = s.rows ? scatterAdd(be, dyRows!, s.rows.compress, sourceRows) : dyRows!;
  if (s.rows) free(be, dyRows!);
  let [dq, dk, dv] = attentionGradKernel({ inputs: { dy, q: saved.q, k: saved.k, v: saved.v, probs: saved.probs }, backend: be, attrs: s.attention }) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  free(be, dy);
  if (s.rows) {
    const distinct = saved.x.shape[0]!;
    const summed = [dq, dk, dv].map((t) => scatterAdd(be, t, s.rows!.expand, distinct));
    free(be, dq, dk, dv);
    [dq, dk, dv] = summed as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  }
  const [dh1, dWq, dWk, dWv] = projectGradKernel({ inputs: { x: saved.h1, w0: w.wq, w1: w.wk, w2: w.wv, dy0: dq, dy1: dk, dy2: dv }, backend: be, attrs: { count: 3 } }) as tf.TensorInfo[];
  free(be, dq, dk, dv);
  const [dxBranch, dGain1, dBias1] = layerNormGradKernel({ inputs: { x: saved.x, gain: w.ln1Gain, stats: saved.stats1, dy: dh1! }, backend: be }) as tf.TensorInfo[];
  const dx = add(be, dx2, dxBranch!);
  free(be, dh1!, dxBranch!, dx2);
  return { dx, grads: [dGain1!, dBias1!, dWq!, dWk!, dWv!, dWo!, dGain2!, dBias2!, dW1!, db1!, dW2!, db2!] };
}

/**
 * The trunk of PolicyModel over int32 tokens (B, T): the final layer-normalised hidden state of
 * each row (B*T, d) and the max attention logit per layer and head (nLayers, nHeads, no
 * gradient). With `rows`, the dense layers run on its distinct rows and every row of the output
 * is its distinct row's (see sharedPrefixRows); `queryRows` as causalSelfAttention's.
 * Differentiable in every weight.
 */
export function fusedTrunk(tokens: tf.Tensor2D, weights: TrunkWeights, nHeads: number, rows?: SharedPrefixRows, queryRows?: readonly number[]): { hidden: tf.Tensor2D; attnMaxLogits: tf.Tensor2D } {
  const [batch, seqLen] = tokens.shape;
  const shape: TrunkShape = { batch, seqLen, ...(rows ? { rows } : {}), attention: attentionAttrs(batch, seqLen, nHeads, queryRows) };
  const inputs: tf.Tensor[] = [weights.tokenTable, weights.positionTable, ...weights.blocks.flatMap((b) => BLOCK_KEYS.map((key) => b[key])), weights.finalGain, weights.finalBias];
  const engine = tf.engine();
  let allMax: Float32Array | undefined; // the max logits leave through here: a custom gradient has one output
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[inputs.length] as tf.GradSaveFunc;
    const be = tf.backend();
    const asTensor = (t: tf.TensorInfo) => engine.makeTensorFromTensorInfo(t, be);
    // Forward: embedding, the row map, each block, the final norm, the row map back.
    let x = embedKernel({ inputs: { tokens, tokenTable: weights.tokenTable, positionTable: weights.positionTable }, backend: be });
    if (rows) {
      const compressed = gather(be, x, rows.compress);
      free(be, x);
      x = compressed;
    }
    const blockSaved: BlockSaved[] = [];
    const maxLogits: Float32Array[] = [];
    for (const w of weights.blocks) {
      const { out, saved, maxLogit } = blockForward(be, w, x, shape);
      blockSaved.push(saved);
      maxLogits.push(maxLogit);
      x = out;
    }
    const [normed, finalStats] = layerNormKernel({ inputs: { x, gain: weights.finalGain, bias: weights.finalBias }, backend: be }) as [tf.TensorInfo, tf.TensorInfo];
    const hidden = rows ? gather(be, normed, rows.expand) : normed;
    if (rows) free(be, normed);
    allMax = new Float32Array(maxLogits.length * nHeads);
    maxLogits.forEach((m, l) => allMax!.set(m, l * nHeads));
    // Everything kept becomes an engine tensor, so that the engine frees it: after the backward, or with the scope when no tape runs.
    const kept = [...blockSaved.flatMap((b) => SAVED_KEYS.map((key) => asTensor(b[key]))), asTensor(x), asTensor(finalStats), tokens];
    save(kept);
    return {
      value: asTensor(hidden),
      gradFunc: (dHidden: tf.Tensor, savedTensors: tf.Tensor[]) => {
        const bw = tf.backend();
        const blocks: BlockSaved[] = weights.blocks.map((_, l) => Object.fromEntries(SAVED_KEYS.map((key, i) => [key, savedTensors[l * SAVED_KEYS.length + i]!])) as unknown as BlockSaved);
        const [lastX, stats, savedTokens] = savedTensors.slice(-3) as [tf.Tensor, tf.Tensor, tf.Tensor];
        let d = rows ? scatterAdd(bw, dHidden, rows.expand, lastX.shape[0]!) : null;
        const [dx, dGain, dBias] = layerNormGradKernel({ inputs: { x: lastX, gain: weights.finalGain, stats, dy: d ?? dHidden }, backend: bw }) as tf.TensorInfo[];
        if (d) free(bw, d);
        d = dx!;
        const blockGrads: tf.TensorInfo[][] = [];
        for (let l = weights.blocks.length - 1; l >= 0; l--) {
          const { dx: dBlock, grads } = blockBackward(bw, weights.blocks[l]!, blocks[l]!, d, shape);
          free(bw, d);
          d = dBlock;
          blockGrads[l] = grads;
        }
        const dRows = rows ? scatterAdd(bw, d, rows.compress, batch * seqLen) : d;
        if (rows) free(bw, d);
        const [dTable, dPositions] = embedGradKernel({ inputs: { tokens: savedTokens, tokenTable: weights.tokenTable, positionTable: weights.positionTable, dy: dRows }, backend: bw }) as tf.TensorInfo[];
        free(bw, dRows);
        return [dTable!, dPositions!, ...blockGrads.flat(), dGain!, dBias!].map((g) => engine.makeTensorFromTensorInfo(g, bw));
      },
    };
  });
  const hidden = op(...inputs) as tf.Tensor2D;
  return { hidden, attnMaxLogits: tf.tensor2d(allMax!, [weights.blocks.length, nHeads]) };
}
