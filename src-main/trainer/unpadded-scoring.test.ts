// Scoring with `scored` counts (the padding after each sequence's first EOS left out): the scored
// tokens keep their exact bits, the rest are 0 with no gradient, the fused path matches the tfjs
// reference path, the max attention logits cover the needed rows only (checked against each
// sequence scored alone, cut at its last needed row). That the dense layers skip the padding:
// unpadded-rows.test.ts.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectSameScores } from '../../test-support/gradient-checks.js';
import { expectClose, useWasmBackend } from '../../test-support/numerics.js';
import { initBackend } from './backend.js';
import { useFusedKernels } from './kernels/kernel-io.js';
import { PolicyModel } from './policy-model.js';
import { Rng } from './rng.js';
import { completionLogProbs } from './sampling.js';

beforeAll(useWasmBackend);
afterEach(() => useFusedKernels(true));

const [batch, promptLength, width] = [4, 3, 10];
const completionLength = width - promptLength;
const rng = new Rng(5);
// A GRPO-like batch: sequences 0 and 1 share their prompt, 2 and 3 their prompt and first two completion tokens.
const distinct = Int32Array.from({ length: batch * width }, () => 1 + rng.nextInt(12));
const TOKENS = Int32Array.from(distinct, (token, i) => {
  const [b, t] = [Math.floor(i / width), i % width];
  return (b === 1 && t < promptLength) || (b === 3 && t < promptLength + 2) ? distinct[(b - 1) * width + t]! : token;
});
/** Scored completion tokens per sequence: all, two, four, one. The tokens after them are left random (not EOS) on purpose. */
const SCORED = [completionLength, 2, 4, 1];

// Heads of 4 floats take the SIMD loops on the wasm heap; heads of 10 floats and rows of 30 the JS fallbacks.
const CONFIGS = [
  { vocabSize: 13, maxSeqLen: 12, dModel: 16, nLayers: 2, nHeads: 4, mlpRatio: 4, seed: 3 },
  { vocabSize: 13, maxSeqLen: 12, dModel: 30, nLayers: 2, nHeads: 3, mlpRatio: 2, seed: 4 },
];

function score(model: PolicyModel, tokens: Int32Array, rows: number, scored?: number[]): { logp: number[]; entropy: number[]; attn: number[] } {
  let out: { logp: number[]; entropy: number[]; attn: number[] } | undefined;
  tf.tidy(() => {
    const s = completionLogProbs(model, tf.tensor2d(tokens, [rows, tokens.length / rows], 'int32'), promptLength, 0.8, scored);
    out = { logp: Array.from(s.logp.dataSync()), entropy: Array.from(s.entropy.dataSync()), attn: Array.from(s.attnMaxLogits.dataSync()) };
  });
  return out!;
}

describe.each(CONFIGS)('completionLogProbs with scored counts (d_model $dModel, $nHeads heads)', (config) => {
  afterEach(useWasmBackend);

  it('keeps the bits of every scored token, and gives 0 log-prob and entropy to the others', () => {
    const model = new PolicyModel(config);
    const full = score(model, TOKENS, batch);
    const unpadded = score(model, TOKENS, batch, SCORED);
    for (let i = 0; i < batch * completionLength; i++) {
      const scoredToken = i % completionLength < SCORED[Math.floor(i / completionLength)]!;
      expect(unpadded.logp[i], `logp ${i}`).toBe(scoredToken ? full.logp[i] : 0);
      expect(unpadded.entropy[i], `entropy ${i}`).toBe(scoredToken ? full.entropy[i] : 0);
    }
    model.dispose();
  });

  it('takes the max attention logits over the needed rows only: those of each sequence scored alone, cut after its last scored token', () => {
    const model = new PolicyModel(config);
    for (const fused of [true, false]) {
      useFusedKernels(fused);
      const together = score(model, TOKENS, batch, SCORED).attn;
      const alone = SCORED.map((n, b) => score(model, TOKENS.subarray(b * width, b * width + promptLength + n), 1).attn);
      const expected = together.map((_, i) => Math.max(...alone.map((a) => a[i]!)));
      expectClose(together, expected, 2e-6, 1e-7);
      // Without the counts the padding's logits are in the max: a different figure on this batch.
      expect(score(model, TOKENS, batch).attn, `fused ${fused}`).not.toEqual(together);
    }
    model.dispose();
  });

  it.each(['wasm', 'cpu'] as const)('matches the tfjs reference path in log-probs, entropies, max logits and every variable gradient (%s backend)', async (backend) => {
    await initBackend(backend); // the fused trunk runs on both (the pure-JS backend by the kernels' JS fallbacks)
    const model = new PolicyModel(config);
    const weights = Float32Array.from({ length: batch * completionLength }, () => rng.truncatedNormal(1)); // every position weighted, padding included
    const run = (fused: boolean) => {
      useFusedKernels(fused);
      const before = tf.memory().numTensors;
      let result: { logp: Float32Array; entropy: Float32Array; attn: Float32Array; gradients: Map<string, Float32Array> } | undefined;
      tf.tidy(() => {
        const tokens = tf.tensor2d(TOKENS, [batch, width], 'int32');
        const w = tf.tensor2d(weights, [batch, completionLength]);
        let kept: { logp: Float32Array; entropy: Float32Array; attn: Float32Array } | undefined;
        const { grads } = tf.variableGrads(() => {
          const s = completionLogProbs(model, tokens, promptLength, 0.8, SCORED);
          kept = { logp: s.logp.dataSync() as Float32Array, entropy: s.entropy.dataSync() as Float32Array, attn: s.attnMaxLogits.dataSync() as Float32Array };
          return tf.add(tf.sum(tf.mul(s.logp, w)), tf.sum(tf.mul(s.entropy, w))) as tf.Scalar;
        }, model.params().map((p) => p.variable));
        result = { ...kept!, gradients: new Map(model.params().map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array])) };
      });
      expect(tf.memory().numTensors, 'no tensor leaked').toBe(before);
      return result!;
    };
    const [fused, reference] = [run(true), run(false)];
    expectSameScores(fused, reference);
    model.dispose();
  });
});

describe('the unpadded scorer', () => {
  it('refuses scored counts that do not fit the batch, with one line naming the problem', () => {
    const model = new PolicyModel(CONFIGS[0]!);
    expect(() => score(model, TOKENS, batch, [1, 2])).toThrow('completionLogProbs: scored must hold 4 counts in 0..7');
    expect(() => score(model, TOKENS, batch, [1, 2, 3, 8])).toThrow('completionLogProbs: scored must hold 4 counts in 0..7');
    model.dispose();
  });
});
