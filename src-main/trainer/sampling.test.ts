import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { PolicyModel, type PolicyModelConfig } from './policy-model.js';
import { Rng } from './rng.js';
import { completionLogProbs, sampleCompletions } from './sampling.js';

const EOS = 0;
const CONFIG: PolicyModelConfig = { vocabSize: 6, maxSeqLen: 16, dModel: 16, nLayers: 2, nHeads: 2, mlpRatio: 2, seed: 3 };

/** A model whose next token is certain: the head is replaced so that logits favour one id by `margin`. */
function scriptedModel(favourite: number, margin: number): PolicyModel {
  const model = new PolicyModel(CONFIG);
  tf.tidy(() => {
    const head = new Float32Array(CONFIG.dModel * CONFIG.vocabSize);
    // The final layer norm's bias feeds this constant into every position's logits.
    model.lnFinal.bias.assign(tf.fill([CONFIG.dModel], 1));
    model.lnFinal.gain.assign(tf.zeros([CONFIG.dModel]));
    for (let r = 0; r < CONFIG.dModel; r++) head[r * CONFIG.vocabSize + favourite] = margin / CONFIG.dModel;
    model.head.assign(tf.tensor2d(head, [CONFIG.dModel, CONFIG.vocabSize]));
  });
  return model;
}

function prompts(batch: number, length: number, rng: Rng): Int32Array[] {
  return Array.from({ length: batch }, () => Int32Array.from({ length }, () => 1 + rng.nextInt(CONFIG.vocabSize - 1)));
}

describe('sampling', () => {
  let model: PolicyModel;

  beforeAll(async () => {
    await initBackend('wasm');
    model = new PolicyModel(CONFIG);
    // Sharper than the 0.02-std init, so sequences differ and EOS shows up early in some.
    tf.tidy(() => {
      for (const p of model.params()) if (p.variable.rank === 2) p.variable.assign(tf.mul(p.variable, 40));
    });
  });
  afterAll(() => model.dispose());

  it('scores the first completion token, everything up to and including the first EOS, and nothing after', () => {
    const rng = new Rng(1);
    const batch = 32;
    const out = sampleCompletions(model, prompts(batch, 4, rng), { completionLength: 8, temperature: 1, eosId: EOS, rng });
    expect(out.tokens.length).toBe(batch * 12);
    let sawEarlyEos = false;
    for (let b = 0; b < batch; b++) {
      const completion = Array.from(out.tokens.subarray(b * 12 + 4, (b + 1) * 12));
      const mask = Array.from(out.mask.subarray(b * 8, (b + 1) * 8));
      const firstEos = completion.indexOf(EOS);
      const scored = firstEos === -1 ? 8 : firstEos + 1;
      if (firstEos >= 0 && firstEos < 7) sawEarlyEos = true;
      expect(mask).toEqual(Array.from({ length: 8 }, (_, t) => (t < scored ? 1 : 0)));
      expect(completion.slice(scored).every((t) => t === EOS)).toBe(true);
      const logProbs = Array.from(out.logProbs.subarray(b * 8, (b + 1) * 8));
      logProbs.forEach((lp, t) => (t < scored ? expect(lp).toBeLessThanOrEqual(0) : expect(lp).toBe(0)));
    }
    expect(sawEarlyEos).toBe(true);
  });

  it('masks exactly on hand-built cases: EOS first, EOS mid-way, no EOS', () => {
    const alwaysEos = scriptedModel(EOS, 60);
    const first = sampleCompletions(alwaysEos, [Int32Array.from([1, 2, 3])], { completionLength: 5, temperature: 1, eosId: EOS, rng: new Rng(0) });
    expect(Array.from(first.tokens)).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
    expect(Array.from(first.mask)).toEqual([1, 0, 0, 0, 0]);
    expect(first.logProbs[0]).toBeCloseTo(0, 5);
    alwaysEos.dispose();

    const neverEos = scriptedModel(4, 60);
    const none = sampleCompletions(neverEos, [Int32Array.from([1, 2, 3])], { completionLength: 5, temperature: 1, eosId: EOS, rng: new Rng(0) });
    expect(Array.from(none.tokens)).toEqual([1, 2, 3, 4, 4, 4, 4, 4]);
    expect(Array.from(none.mask)).toEqual([1, 1, 1, 1, 1]);
    // Scored teacher-forced on a hand-built sequence with an EOS in the middle.
    tf.tidy(() => {
      const tokens = tf.tensor2d([[1, 2, 3, 4, 4, 0, 0, 0]], undefined, 'int32');
      const { logp } = completionLogProbs(neverEos, tokens, 3, 1);
      const values = Array.from(logp.dataSync());
      expect(values.slice(0, 2).every((v) => v > -1e-3)).toBe(true); // the favourite, 4
      expect(values.slice(2).every((v) => v < -10)).toBe(true); // EOS is very unlikely
    });
    neverEos.dispose();
  });

  it('gives the KV-cache sampler the same log-probs as teacher-forced scoring (temperature applied to both)', () => {
    for (const temperature of [1, 0.7]) {
      const rng = new Rng(5);
      const out = sampleCompletions(model, prompts(16, 5, rng), { completionLength: 9, temperature, eosId: EOS, rng });
      const teacher = tf.tidy(() => completionLogProbs(model, tf.tensor2d(out.tokens, [16, 14], 'int32'), 5, temperature).logp.dataSync());
      let maxDiff = 0;
      for (let i = 0; i < out.mask.length; i++) if (out.mask[i] === 1) maxDiff = Math.max(maxDiff, Math.abs(teacher[i]! - out.logProbs[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('shares the prefill of repeated prompts (GRPO groups) without changing any log-prob', () => {
    const rng = new Rng(6);
    const distinct = prompts(4, 5, rng);
    const grouped = distinct.flatMap((p) => [p, p, p]); // 4 prompts x group of 3
    const out = sampleCompletions(model, grouped, { completionLength: 7, temperature: 0.8, eosId: EOS, rng });
    const teacher = tf.tidy(() => completionLogProbs(model, tf.tensor2d(out.tokens, [12, 12], 'int32'), 5, 0.8).logp.dataSync());
    let maxDiff = 0;
    for (let i = 0; i < out.mask.length; i++) if (out.mask[i] === 1) maxDiff = Math.max(maxDiff, Math.abs(teacher[i]! - out.logProbs[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    // Members of a group share the prompt but draw their own completions.
    const completion = (b: number) => Array.from(out.tokens.subarray(b * 12 + 5, (b + 1) * 12));
    expect([completion(1), completion(2)]).not.toEqual([completion(0), completion(0)]);
  });

  it('is reproducible: the same seed gives the same samples, another seed other samples', () => {
    const run = (seed: number) => {
      const rng = new Rng(seed);
      return sampleCompletions(model, prompts(8, 4, new Rng(0)), { completionLength: 6, temperature: 1, eosId: EOS, rng });
    };
    const a = run(11);
    const b = run(11);
    expect(Array.from(b.tokens)).toEqual(Array.from(a.tokens));
    expect(Array.from(b.logProbs)).toEqual(Array.from(a.logProbs));
    expect(Array.from(run(12).tokens)).not.toEqual(Array.from(a.tokens));
  });

  it('accepts prompts as an int32 tensor', () => {
    const rows = prompts(3, 4, new Rng(2));
    const fromArrays = sampleCompletions(model, rows, { completionLength: 4, temperature: 1, eosId: EOS, rng: new Rng(9) });
    const tensor = tf.tensor2d(rows.map((r) => Array.from(r)), undefined, 'int32');
    const fromTensor = sampleCompletions(model, tensor, { completionLength: 4, temperature: 1, eosId: EOS, rng: new Rng(9) });
    tensor.dispose();
    expect(Array.from(fromTensor.tokens)).toEqual(Array.from(fromArrays.tokens));
  });

  it('returns entropy in [0, log V], a differentiable logp and attention maxima from scoring', () => {
    tf.tidy(() => {
      const tokens = tf.tensor2d([[1, 2, 3, 4, 5, 0], [5, 4, 3, 2, 1, 1]], undefined, 'int32');
      const { logp, entropy, attnMaxLogits } = completionLogProbs(model, tokens, 2, 1);
      expect(logp.shape).toEqual([2, 4]);
      expect(attnMaxLogits.shape).toEqual([2, 2]);
      for (const h of entropy.dataSync()) {
        expect(h).toBeGreaterThanOrEqual(-1e-5);
        expect(h).toBeLessThanOrEqual(Math.log(CONFIG.vocabSize) + 1e-5);
      }
      const { grads } = tf.variableGrads(() => tf.sum(completionLogProbs(model, tokens, 2, 1).logp) as tf.Scalar, [model.head]);
      expect(Math.max(...Array.from(grads[model.head.name]!.dataSync(), Math.abs))).toBeGreaterThan(0);
    });
  });

  it('leaks no tensors when sampling or scoring', () => {
    const rng = new Rng(4);
    const rows = prompts(4, 3, rng);
    const before = tf.memory().numTensors;
    sampleCompletions(model, rows, { completionLength: 5, temperature: 1, eosId: EOS, rng });
    tf.tidy(() => {
      completionLogProbs(model, tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32'), 2, 1);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects an EOS id outside the vocabulary and ragged prompts', () => {
    const rng = new Rng(0);
    expect(() => sampleCompletions(model, [Int32Array.from([1, 2])], { completionLength: 2, temperature: 1, eosId: 6, rng })).toThrow(/eosId 6/);
    expect(() => sampleCompletions(model, [Int32Array.from([1, 2]), Int32Array.from([1])], { completionLength: 2, temperature: 1, eosId: EOS, rng })).toThrow(/prompt 1 has 1 tokens/);
  });
});
