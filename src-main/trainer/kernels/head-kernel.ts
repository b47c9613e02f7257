/**
 * The output head of teacher-forced scoring as one kernel each way: for the completion positions
 * only, logits = x W / temperature, log-softmax, the log-prob of each completion token (the
 * gather) and the entropy of each next-token distribution. The backward takes d logp (and d
 * entropy when something used it) to dx and dW. The tfjs reference (sampling.ts) computes logits
 * at every position, slices, and builds the gather from a one-hot product: about a dozen kernels
 * forward and twenty backward. Row sums in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { matrixOf, product, transpose, weightGradient, type Matrix } from './dense-products.js';
import { ensureKernel, intsOf, outputOf, type KernelArgs } from './kernel-io.js';

const HEAD = 'HmpoCompletionHead';
const HEAD_GRAD = 'HmpoCompletionHeadGrad';

interface HeadAttrs {
  /** Prompt tokens P: the row of position P - 1 + t predicts completion token t. */
  promptLength: number;
  temperature: number;
  /** Per sequence, how many leading completion tokens are scored; the rest give 0 and no gradient. Absent: all. */
  scored?: number[];
}

/** Whether row r (b * Tc + t) of the completion rows is scored. */
const isScored = (scored: number[] | undefined, r: number, completionLength: number) => scored === undefined || r % completionLength < scored[Math.floor(r / completionLength)]!;

/** The rows of x (B*T, d), T = P + Tc - 1, at the positions that predict completion tokens -> (B*Tc, d). */
function completionRows(x: Matrix, batch: number, seqLen: number, promptLength: number, completionLength: number): Matrix {
  const d = x.cols;
  const out = new Float32Array(batch * completionLength * d);
  for (let b = 0; b < batch; b++) {
    const from = (b * seqLen + promptLength - 1) * d;
    out.set(x.values.subarray(from, from + completionLength * d), b * completionLength * d);
  }
  return { values: out, rows: batch * completionLength, cols: d };
}

function shapes(inputs: tf.NamedTensorInfoMap, promptLength: number) {
  const [batch, width] = inputs.tokens!.shape as [number, number];
  return { batch, width, seqLen: width - 1, completionLength: width - promptLength };
}

function headKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { promptLength, temperature, scored } = attrs as unknown as HeadAttrs;
  const { batch, width, seqLen, completionLength } = shapes(inputs, promptLength);
  const x = completionRows(matrixOf(be, inputs.x!), batch, seqLen, promptLength, completionLength);
  const logits = product(be, x, inputs.w!); // (B*Tc, V)
  const tokens = intsOf(be, inputs.tokens!);
  const vocab = logits.cols;
  const logp = new Float32Array(batch * completionLength), entropy = new Float32Array(batch * completionLength);
  const probs = new Float32Array(logits.values.length);
  const inv = 1 / temperature;
  for (let r = 0; r < logits.rows; r++) {
    if (!isScored(scored, r, completionLength)) continue; // logp, entropy and probs stay 0
    const at = r * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits.values[at + v]! * inv);
    let total = 0;
    for (let v = 0; v < vocab; v++) total += Math.exp(logits.values[at + v]! * inv - max);
    const lse = max + Math.log(total);
    let expected = 0; // sum p * scaled logit
    for (let v = 0; v < vocab; v++) {
      const scaled = logits.values[at + v]! * inv;
      const p = Math.exp(scaled - lse);
      probs[at + v] = p;
      expected += p * scaled;
    }
    const b = Math.floor(r / completionLength), t = r % completionLength;
    logp[r] = logits.values[at + tokens[b * width + promptLength + t]!]! * inv - lse;
    entropy[r] = lse - expected;
  }
  return [outputOf(be, logp, [batch, completionLength]), outputOf(be, entropy, [batch, completionLength]), outputOf(be, probs, [logits.rows, vocab])];
}

/**
 * d scaled logit v = dlogp (1[v = token] - p_v) - dH p_v (log p_v + H); d logits = that / temperature;
 * dx = d logits Wᵀ at the completion rows (0 elsewhere), dW = xᵀ d logits.
 */
function headGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { promptLength, temperature, scored } = attrs as unknown as HeadAttrs;
  const { batch, width, seqLen, completionLength } = shapes(inputs, promptLength);
  const xAll = matrixOf(be, inputs.x!);
  const x = completionRows(xAll, batch, seqLen, promptLength, completionLength);
  const probs = matrixOf(be, inputs.probs!), dLogp = matrixOf(be, inputs.dLogp!).values;
  const dEntropy = inputs.dEntropy ? matrixOf(be, inputs.dEntropy).values : null;
  const entropy = dEntropy ? matrixOf(be, inputs.entropy!).values : null;
  const tokens = intsOf(be, inputs.tokens!);
  const vocab = probs.cols;
  const inv = 1 / temperature;
  const dLogits = new Float32Array(probs.values.length);
  for (let r = 0; r < probs.rows; r++) {
    if (!isScored(scored, r, completionLength)) continue; // no gradient: d logits stay 0
    const at = r * vocab;
    const b = Math.floor(r / completionLength), t = r % completionLength;
    const token = tokens[b * width + promptLength + t]!;
    const g = dLogp[r]!;
    for (let v = 0; v < vocab; v++) {
      const p = probs.values[at + v]!;
      let d = g * ((v === token ? 1 : 0) - p);
      if (dEntropy && dEntropy[r] !== 0 && p > 0) d -= dEntropy[r]! * p * (Math.log(p) + entropy![r]!);
      dLogits[at + v] = d * inv;
    }
  }
  const dz: Matrix = { values: dLogits, rows: probs.rows, cols: vocab };
  const dW = weightGradient(be, x, dz); // (d, V)
  const dxRows = product(be, dz, transpose(matrixOf(be, inputs.w!))); // (B*Tc, d)
  const d = xAll.cols;
  const dx = new Float32Array(xAll.values.length);
  for (let b = 0; b < batch; b++) dx.set(dxRows.values.subarray(b * completionLength * d, (b + 1) * completionLength * d), (b * seqLen + promptLength - 1) * d);
  return [outputOf(be, dx, [xAll.rows, d]), dW];
}

tf.registerGradient({
  kernelName: HEAD,
  inputsToSave: ['x', 'w', 'tokens'],
  outputsToSave: [false, true, true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x, w, tokens, entropy, probs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [dLogp, dEntropy] = Array.isArray(dy) ? dy : [dy];
    const logpGrad = dLogp ?? tf.zerosLike(entropy);
    const [dx, dW] = tf.engine().runKernel(HEAD_GRAD, { x, w, tokens, probs, entropy, dLogp: logpGrad, ...(dEntropy ? { dEntropy } : {}) }, attrs) as tf.Tensor[];
    return { x: () => dx!, w: () => dW!, tokens: () => tf.zeros(tokens.shape) };
  },
});

/**
 * From the final normalised hidden states x (B*T, d), T = width - 1, and the head W (d, V): the
 * log-prob (B, Tc) of each completion token of `tokens` (B, width) int32 under logits / temperature
 * and the entropy (B, Tc) of each of those next-token distributions. Differentiable in x and W.
 * With `scored` (B), completion token t of sequence b is scored only where t < scored[b]: the
 * others give log-prob and entropy 0 and send no gradient.
 */
export function fusedCompletionHead(x: tf.Tensor2D, w: tf.Tensor2D, tokens: tf.Tensor2D, promptLength: number, temperature: number, scored?: readonly number[]): { logp: tf.Tensor2D; entropy: tf.Tensor2D } {
  ensureKernel(HEAD, headKernel);
  ensureKernel(HEAD_GRAD, headGradKernel);
  const attrs: HeadAttrs = { promptLength, temperature, ...(scored ? { scored: [...scored] } : {}) };
  const [logp, entropy] = tf.engine().runKernel(HEAD, { x, w, tokens }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
  return { logp: logp!, entropy: entropy! };
}
