/**
 * Token plus position embedding as one kernel each way: x[b*T + t] = E[token(b, t)] + P[t], and the
 * backward scatter-adds dx rows into dE (by token) and dP (by position). The tfjs reference
 * (policy-model.ts) builds a one-hot matrix and multiplies it (gather has no gradient on wasm):
 * about eight kernels forward and as many backward, one of them a product.
 * The fused trunk (trunk-kernel.ts) calls these kernel functions; test-support/kernel-ops.ts wraps
 * them as tfjs ops for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { floatsOf, intsOf, outputOf, type KernelArgs } from './kernel-io.js';

export function embedKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as tf.KernelBackend;
  const [batch, seqLen] = inputs.tokens!.shape as [number, number];
  const [vocab, d] = inputs.tokenTable!.shape as [number, number];
  const tokens = intsOf(be, inputs.tokens!), table = floatsOf(be, inputs.tokenTable!), positions = floatsOf(be, inputs.positionTable!);
  const x = new Float32Array(batch * seqLen * d);
  for (let r = 0; r < batch * seqLen; r++) {
    const token = tokens[r]!;
    if (!(token >= 0 && token < vocab)) throw new Error(`embedding: token ${token} is outside the vocabulary [0, ${vocab})`);
    const [e, p] = [token * d, (r % seqLen) * d];
    for (let c = 0; c < d; c++) x[r * d + c] = table[e + c]! + positions[p + c]!;
  }
  return outputOf(be, x, [batch * seqLen, d]);
}

export function embedGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const [batch, seqLen] = inputs.tokens!.shape as [number, number];
  const [vocab, d] = inputs.tokenTable!.shape as [number, number];
  const maxLen = inputs.positionTable!.shape[0]!;
  const tokens = intsOf(be, inputs.tokens!), dy = floatsOf(be, inputs.dy!);
  const dTable = new Float32Array(vocab * d), dPositions = new Float32Array(maxLen * d);
  for (let r = 0; r < batch * seqLen; r++) {
    const [e, p] = [tokens[r]! * d, (r % seqLen) * d];
    for (let c = 0; c < d; c++) {
      const g = dy[r * d + c]!;
      dTable[e + c] = dTable[e + c]! + g;
      dPositions[p + c] = dPositions[p + c]! + g;
    }
  }
  return [outputOf(be, dTable, [vocab, d]), outputOf(be, dPositions, [maxLen, d])];
}
