/**
 * Rollout sampling and teacher-forced scoring of completions. `sampleCompletions` generates with the
 * model's KV-cached Decoder and samples on the JS side from one logits readback per step;
 * `completionLogProbs` recomputes log-probs (differentiable) for the objective. Grouping prompts
 * into G completions, rewards and advantages live elsewhere (train.ts, advantages.ts).
 *
 * Temperature convention (TRL's): logits are divided by the temperature both when sampling and when
 * scoring, so the "old log-probs" of the objective are log-probs of the distribution sampled from.
 */
import * as tf from '@tensorflow/tfjs';
import type { PolicyModel } from './policy-model.js';
import type { Rng } from './rng.js';
import { fusedCompletionHead } from './kernels/head-kernel.js';
import { fusedKernelsOn } from './kernels/kernel-io.js';
import { oneHotFloat } from './tensor-ops.js';

/** How to sample one rollout. */
export interface SampleOptions {
  /** Completion tokens per sequence (Tc); generation stops early once every sequence hit EOS. */
  readonly completionLength: number;
  /** Logits are divided by this before the softmax (also in `completionLogProbs`). */
  readonly temperature: number;
  /** End-of-sequence token; it is scored, and it also pads every position after it. */
  readonly eosId: number;
  /** Source of every random draw: the same seed gives the same completions. */
  readonly rng: Rng;
}

/** A sampled batch as plain row-major typed arrays (ready for tf.tensor2d). */
export interface Completions {
  readonly batchSize: number;
  readonly promptLength: number;
  readonly completionLength: number;
  /** (B, P + Tc): the prompt, then the completion; positions after the first EOS hold `eosId`. */
  readonly tokens: Int32Array;
  /** (B, Tc): 1 for a scored token (the first completion token up to and including the first EOS), else 0. */
  readonly mask: Float32Array;
  /** (B, Tc): log pi(token | prefix) under logits / temperature at sampling time; 0 where mask is 0. */
  readonly logProbs: Float32Array;
}

/** Teacher-forced scores of the completion tokens (all tensors; the caller disposes them). */
export interface CompletionScores {
  /** (B, Tc): log pi(completion token t | prefix), differentiable. */
  readonly logp: tf.Tensor2D;
  /** (nLayers, nHeads): max pre-softmax attention logit of this pass (for QK-clip). */
  readonly attnMaxLogits: tf.Tensor2D;
  /** (B, Tc): entropy of the next-token distribution at each completion position. */
  readonly entropy: tf.Tensor2D;
}

function flattenPrompts(prompts: readonly Int32Array[] | tf.Tensor2D): { flat: Int32Array; batch: number; promptLength: number } {
  if (prompts instanceof tf.Tensor) {
    if (prompts.dtype !== 'int32') throw new Error(`sampleCompletions: prompts must be int32, got ${prompts.dtype}`);
    const [batch, promptLength] = prompts.shape;
    return { flat: Int32Array.from(prompts.dataSync()), batch, promptLength };
  }
  const batch = prompts.length;
  const promptLength = prompts[0]?.length ?? 0;
  if (batch === 0 || promptLength === 0) throw new Error('sampleCompletions: need at least one non-empty prompt');
  const flat = new Int32Array(batch * promptLength);
  prompts.forEach((p, b) => {
    if (p.length !== promptLength) throw new Error(`sampleCompletions: prompt ${b} has ${p.length} tokens, expected ${promptLength} like prompt 0`);
    flat.set(p, b * promptLength);
  });
  return { flat, batch, promptLength };
}

/**
 * Draws one token from softmax(row) and returns it with its log-prob. `row` already holds
 * logits / temperature. One uniform draw per call, so the stream is reproducible.
 */
let weights = new Float64Array(64);

function sampleRow(logits: Float32Array, offset: number, vocab: number, rng: Rng): { token: number; logProb: number } {
  if (weights.length < vocab) weights = new Float64Array(vocab);
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]!);
  let total = 0;
  for (let v = 0; v < vocab; v++) {
    const w = Math.exp(logits[offset + v]! - max);
    weights[v] = w;
    total += w;
  }
  const target = rng.next() * total;
  let token = vocab - 1; // rounding can leave target just above the last partial sum
  let cumulative = 0;
  for (let v = 0; v < vocab; v++) {
    cumulative += weights[v]!;
    if (target < cumulative) {
      token = v;
      break;
    }
  }
  return { token, logProb: logits[offset + token]! - max - Math.log(total) };
}

/**
 * Samples `completionLength` tokens after each prompt (all prompts the same length P) with the
 * KV-cached decoder: the prompts run once, then each step costs one position per sequence.
 * A sequence that emitted EOS keeps EOS (mask 0) while the others finish.
 */
export function sampleCompletions(model: PolicyModel, prompts: readonly Int32Array[] | tf.Tensor2D, options: SampleOptions): Completions {
  const { completionLength, temperature, eosId, rng } = options;
  const { flat, batch, promptLength } = flattenPrompts(prompts);
  const vocab = model.config.vocabSize;
  if (!Number.isInteger(completionLength) || completionLength < 1) throw new Error(`sampleCompletions: completionLength must be >= 1, got ${completionLength}`);
  if (!(eosId >= 0 && eosId < vocab)) throw new Error(`sampleCompletions: eosId ${eosId} is outside the vocabulary [0, ${vocab})`);
  const width = promptLength + completionLength;
  const tokens = new Int32Array(batch * width);
  const mask = new Float32Array(batch * completionLength);
  const logProbs = new Float32Array(batch * completionLength);
  for (let b = 0; b < batch; b++) tokens.set(flat.subarray(b * promptLength, (b + 1) * promptLength), b * width);

  const decoder = model.startDecoding(batch, temperature);
  try {
    let logits = decoder.prefill(flat, promptLength); // (B, V) for completion position 0
    const done = new Uint8Array(batch);
    let active = batch;
    const next = new Int32Array(batch);
    for (let t = 0; t < completionLength; t++) {
      for (let b = 0; b < batch; b++) {
        const at = b * completionLength + t;
        if (done[b]) {
          next[b] = eosId;
        } else {
          const { token, logProb } = sampleRow(logits, b * vocab, vocab, rng);
          next[b] = token;
          mask[at] = 1;
          logProbs[at] = logProb;
          if (token === eosId) {
            done[b] = 1;
            active--;
          }
        }
        tokens[b * width + promptLength + t] = next[b]!;
      }
      if (active === 0) {
        // Everyone ended: pad the rest with EOS without running the model.
        for (let b = 0; b < batch; b++) tokens.fill(eosId, b * width + promptLength + t + 1, (b + 1) * width);
        break;
      }
      // Finished sequences only pad with EOS from here on: the decoder skips them.
      if (t + 1 < completionLength) logits = decoder.step(next, done);
    }
  } finally {
    decoder.dispose();
  }
  return { batchSize: batch, promptLength, completionLength, tokens, mask, logProbs };
}

/**
 * Teacher-forced log-probs of the completion tokens of `tokens` (B, P + Tc) int32: position
 * P - 1 + t predicts completion token t, from logits / temperature (the sampling distribution).
 * Differentiable w.r.t. the model's variables; call inside tf.tidy or tf.variableGrads.
 *
 * `scored` (B), where given: sequence b's completion tokens t >= scored[b] are not scored (the
 * padding after its first EOS, mask 0). Their log-prob and entropy are 0 with no gradient, the
 * max attention logits leave their positions out, and the fused trunk does not compute their rows
 * (no loss term reads them, and causally no scored token depends on them; the output head's
 * product still covers every completion row, its softmax only the scored ones). Scored tokens get
 * the same bits with or without it.
 */
export function completionLogProbs(model: PolicyModel, tokens: tf.Tensor2D, promptLength: number, temperature: number, scored?: ArrayLike<number>): CompletionScores {
  const [batch, width] = tokens.shape;
  const completionLength = width - promptLength;
  const vocab = model.config.vocabSize;
  if (promptLength < 1 || completionLength < 1) throw new Error(`completionLogProbs: need promptLength >= 1 and at least one completion token, got P=${promptLength} of ${width}`);
  const scoredCounts = scored === undefined ? undefined : Array.from(scored);
  if (scoredCounts !== undefined && (scoredCounts.length !== batch || scoredCounts.some((n) => !Number.isInteger(n) || n < 0 || n > completionLength))) {
    throw new Error(`completionLogProbs: scored must hold ${batch} counts in 0..${completionLength}`);
  }
  // Row P - 1 + t predicts completion token t: a sequence needs its rows up to its last scored prediction (at least one).
  const rowsNeeded = scoredCounts?.map((n) => promptLength - 1 + Math.max(n, 1));
  const inputs = tf.slice(tokens, [0, 0], [batch, width - 1]); // (B, P + Tc - 1): the last token predicts nothing
  if (fusedKernelsOn()) {
    // One kernel from the final hidden states to log-probs and entropies, at completion positions only.
    const { hidden, attnMaxLogits } = model.trunk(inputs, rowsNeeded); // (B*(P + Tc - 1), d)
    return { ...fusedCompletionHead(hidden, model.head as tf.Tensor2D, tokens, promptLength, temperature, scoredCounts), attnMaxLogits };
  }
  const { logits, attnMaxLogits } = model.forward(inputs, rowsNeeded); // (B, P + Tc - 1, V)
  const scaled = tf.div(tf.slice(logits, [0, promptLength - 1, 0], [batch, completionLength, vocab]), temperature); // (B, Tc, V)
  const logProbsAll = tf.logSoftmax(scaled); // (B, Tc, V)
  const targets = oneHotFloat(tf.slice(tokens, [0, promptLength], [batch, completionLength]), vocab); // (B, Tc, V)
  let logp = tf.sum(tf.mul(logProbsAll, targets), 2) as tf.Tensor2D; // (B, Tc)
  let entropy = tf.neg(tf.sum(tf.mul(tf.exp(logProbsAll), logProbsAll), 2)) as tf.Tensor2D; // (B, Tc)
  if (scoredCounts !== undefined) {
    const scoredMask = tf.tensor2d(Float32Array.from({ length: batch * completionLength }, (_, i) => (i % completionLength < scoredCounts[Math.floor(i / completionLength)]! ? 1 : 0)), [batch, completionLength]);
    [logp, entropy] = [tf.mul(logp, scoredMask), tf.mul(entropy, scoredMask)];
  }
  return { logp, attnMaxLogits, entropy };
}
