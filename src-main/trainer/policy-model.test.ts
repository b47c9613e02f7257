import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { PolicyModel, type PolicyModelConfig } from './policy-model.js';

const CONFIG: PolicyModelConfig = { vocabSize: 11, maxSeqLen: 12, dModel: 16, nLayers: 2, nHeads: 4, mlpRatio: 2, seed: 7 };
const TOKENS = [
  [1, 2, 3, 4, 5, 6, 7],
  [10, 9, 8, 0, 0, 3, 1],
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Scales every matrix so attention logits and the output are far from uniform. */
function sharpen(model: PolicyModel, factor: number): void {
  tf.tidy(() => {
    for (const p of model.params()) if (p.variable.rank === 2) p.variable.assign(tf.mul(p.variable, factor));
  });
}

describe('PolicyModel', () => {
  let model: PolicyModel;

  beforeAll(async () => {
    await initBackend('wasm');
    model = new PolicyModel(CONFIG);
  });
  afterAll(() => model.dispose());

  it('exposes every variable once, with the kinds the optimizers route on', () => {
    const params = model.params();
    const names = params.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    const kindOf = new Map(params.map((p) => [p.name, p.kind]));
    expect(kindOf.get('tokenEmbedding')).toBe('embedding');
    expect(kindOf.get('positionEmbedding')).toBe('embedding');
    expect(kindOf.get('head')).toBe('output-head');
    expect(kindOf.get('blocks.1.attn.wq')).toBe('hidden-matrix');
    expect(kindOf.get('blocks.0.mlp.w2')).toBe('hidden-matrix');
    expect(kindOf.get('blocks.0.mlp.b1')).toBe('bias');
    expect(kindOf.get('blocks.0.ln1.gain')).toBe('norm');
    expect(kindOf.get('lnFinal.bias')).toBe('norm');
    // Every 2-D weight inside a block is a hidden matrix; nothing else is.
    for (const p of params) expect(p.kind === 'hidden-matrix').toBe(p.name.startsWith('blocks.') && p.variable.rank === 2);
    expect(params.map((p) => p.variable.shape)).toContainEqual([CONFIG.vocabSize, CONFIG.dModel]);
  });

  it('hands QK-clip per-layer W_q/W_k in head-column layout', () => {
    const projections = model.attentionProjections();
    expect(projections.map((p) => p.layer)).toEqual([0, 1]);
    for (const p of projections) {
      expect(p.nHeads).toBe(4);
      expect(p.headDim).toBe(4);
      expect(p.wq.shape).toEqual([16, 16]);
      expect(p.wq).toBe(model.params().find((q) => q.name === `blocks.${p.layer}.attn.wq`)!.variable);
      expect(p.wk).toBe(model.params().find((q) => q.name === `blocks.${p.layer}.attn.wk`)!.variable);
    }
  });

  it('is bit-identical for the same seed and different for another seed', () => {
    const twin = new PolicyModel(CONFIG);
    const other = new PolicyModel({ ...CONFIG, seed: 8 });
    const a = model.getWeights();
    const b = twin.getWeights();
    const c = other.getWeights();
    for (const [name, w] of a) {
      expect(Array.from(b.get(name)!.data), name).toEqual(Array.from(w.data));
      if (w.data.some((v) => v !== w.data[0])) expect(Array.from(c.get(name)!.data), name).not.toEqual(Array.from(w.data));
    }
    twin.dispose();
    other.dispose();
  });

  it('returns logits (B, T, V) and per-head max logits (nLayers, nHeads) without leaking tensors', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { logits, attnMaxLogits } = model.forward(tf.tensor2d(TOKENS, undefined, 'int32'));
      expect(logits.shape).toEqual([2, 7, CONFIG.vocabSize]);
      expect(attnMaxLogits.shape).toEqual([2, 4]);
      expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    tf.tidy(() => {
      const a = model.forward(tf.tensor2d([[1, 2, 3, 4, 5]], undefined, 'int32')).logits;
      const b = model.forward(tf.tensor2d([[1, 2, 3, 9, 0]], undefined, 'int32')).logits;
      const early = (t: tf.Tensor3D) => tf.slice(t, [0, 0, 0], [1, 3, CONFIG.vocabSize]).dataSync();
      expect(maxAbsDiff(early(a), early(b))).toBeLessThan(1e-6);
      const late = (t: tf.Tensor3D) => tf.slice(t, [0, 3, 0], [1, 2, CONFIG.vocabSize]).dataSync();
      expect(maxAbsDiff(late(a), late(b))).toBeGreaterThan(1e-4);
    });
  });

  it('records the max scaled pre-softmax logit over the batch and the causal positions', () => {
    const sharp = model.clone();
    sharpen(sharp, 4);
    const recorded = tf.tidy(() => sharp.forward(tf.tensor2d(TOKENS, undefined, 'int32')).attnMaxLogits.arraySync());
    // Recompute by hand for layer 0 from the embeddings: h = LN1(x); logits = q kᵀ / sqrt(D).
    const expected = tf.tidy(() => {
      const block = sharp.blocks[0]!;
      const [B, T, d, H, D] = [2, 7, 16, 4, 4];
      const x = tf.add(tf.gather(sharp.tokenEmbedding, tf.tensor1d(TOKENS.flat(), 'int32')), tf.tile(tf.slice(sharp.positionEmbedding, [0, 0], [T, d]), [B, 1])); // (B*T, d)
      const { mean, variance } = tf.moments(x, 1, true);
      const h = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), block.ln1.gain), block.ln1.bias); // (B*T, d)
      const q = tf.reshape(tf.matMul(h, block.attn.wq), [B, T, H, D]); // (B, T, H, D)
      const k = tf.reshape(tf.matMul(h, block.attn.wk), [B, T, H, D]); // (B, T, H, D)
      const qd = q.arraySync() as number[][][][];
      const kd = k.arraySync() as number[][][][];
      const maxes = new Array<number>(H).fill(-Infinity);
      for (let b = 0; b < B; b++) for (let hh = 0; hh < H; hh++) for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < D; c++) dot += qd[b]![i]![hh]![c]! * kd[b]![j]![hh]![c]!;
        maxes[hh] = Math.max(maxes[hh]!, dot / Math.sqrt(D));
      }
      return maxes;
    });
    expect(maxAbsDiff(recorded[0]!, expected)).toBeLessThan(1e-3 * Math.max(1, ...expected.map(Math.abs)));
    sharp.dispose();
  });

  it('gives every variable a finite, non-zero gradient', () => {
    const sharp = model.clone();
    sharpen(sharp, 3);
    tf.tidy(() => {
      const tokens = tf.tensor2d(TOKENS, undefined, 'int32');
      const target = tf.randomNormal([2, 7, CONFIG.vocabSize], 0, 1, 'float32', 1);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(sharp.forward(tokens).logits, target)) as tf.Scalar, sharp.params().map((p) => p.variable));
      for (const p of sharp.params()) {
        const g = grads[p.variable.name];
        expect(g, p.name).toBeDefined();
        const values = g!.dataSync();
        expect(Array.from(values).every(Number.isFinite), p.name).toBe(true);
        expect(Math.max(...Array.from(values, Math.abs)), p.name).toBeGreaterThan(0);
      }
    });
    sharp.dispose();
  });

  it('matches a reference built from plain tf ops (tfjs autodiff) in logits and in every gradient', () => {
    const sharp = model.clone();
    sharpen(sharp, 3);
    const [B, T] = [2, 7];
    const { dModel: d, nHeads: H, vocabSize: V } = CONFIG;
    const D = d / H;
    const reference = (tokens: tf.Tensor2D): tf.Tensor => {
      const ln = (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, 1, true);
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), bias);
      };
      const split = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]);
      const mask = tf.tensor2d(Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
      const oneHot = tf.cast(tf.oneHot(tf.reshape(tokens, [B * T]), V), 'float32');
      let x: tf.Tensor = tf.add(tf.matMul(oneHot, sharp.tokenEmbedding), tf.tile(tf.slice(sharp.positionEmbedding, [0, 0], [T, d]), [B, 1]));
      for (const block of sharp.blocks) {
        const h = ln(x, block.ln1.gain, block.ln1.bias);
        const [q, k, v] = [block.attn.wq, block.attn.wk, block.attn.wv].map((w) => split(tf.matMul(h, w)));
        const p = tf.softmax(tf.add(tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(D)), mask));
        const y = tf.reshape(tf.transpose(tf.reshape(tf.matMul(p, v!), [B, H, T, D]), [0, 2, 1, 3]), [B * T, d]);
        x = tf.add(x, tf.matMul(y, block.attn.wo));
        const hidden = tf.relu(tf.add(tf.matMul(ln(x, block.ln2.gain, block.ln2.bias), block.mlp.w1), block.mlp.b1));
        x = tf.add(x, tf.add(tf.matMul(hidden, block.mlp.w2), block.mlp.b2));
      }
      return tf.reshape(tf.matMul(ln(x, sharp.lnFinal.gain, sharp.lnFinal.bias), sharp.head), [B, T, V]);
    };
    tf.tidy(() => {
      const tokens = tf.tensor2d(TOKENS, undefined, 'int32');
      const upstream = tf.randomNormal([B, T, V], 0, 1, 'float32', 5);
      const variables = sharp.params().map((p) => p.variable);
      const ours = tf.variableGrads(() => tf.sum(tf.mul(sharp.forward(tokens).logits, upstream)) as tf.Scalar, variables);
      const theirs = tf.variableGrads(() => tf.sum(tf.mul(reference(tokens), upstream)) as tf.Scalar, variables);
      expect(Math.abs(ours.value.dataSync()[0]! - theirs.value.dataSync()[0]!)).toBeLessThan(1e-3);
      for (const p of sharp.params()) {
        const a = ours.grads[p.variable.name]!.dataSync();
        const b = theirs.grads[p.variable.name]!.dataSync();
        const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
        expect(maxAbsDiff(a, b) / scale, p.name).toBeLessThan(1e-3);
      }
    });
    sharp.dispose();
  });

  it('round-trips weights through getWeights/setWeights and clone, and rejects a mismatch', () => {
    const copy = new PolicyModel({ ...CONFIG, seed: 99 });
    copy.setWeights(model.getWeights());
    const clone = model.clone();
    tf.tidy(() => {
      const tokens = tf.tensor2d(TOKENS, undefined, 'int32');
      const ref = model.forward(tokens).logits.dataSync();
      expect(maxAbsDiff(copy.forward(tokens).logits.dataSync(), ref)).toBe(0);
      expect(maxAbsDiff(clone.forward(tokens).logits.dataSync(), ref)).toBe(0);
    });
    const weights = model.getWeights();
    weights.delete('head');
    expect(() => copy.setWeights(weights)).toThrow(/missing head/);
    const small = new PolicyModel({ ...CONFIG, dModel: 8 });
    expect(() => copy.setWeights(small.getWeights())).toThrow(/shape/);
    for (const m of [copy, clone, small]) m.dispose();
  });

  it('rejects a dModel that nHeads does not divide', () => {
    expect(() => new PolicyModel({ ...CONFIG, nHeads: 3 })).toThrow(/not divisible/);
  });

  it('decodes like the full forward pass when dModel and headDim are not multiples of 4 (the JS loops)', () => {
    const odd = new PolicyModel({ ...CONFIG, dModel: 6, nHeads: 2 });
    sharpen(odd, 3);
    const full = tf.tidy(() => odd.forward(tf.tensor2d(TOKENS, undefined, 'int32')).logits.arraySync());
    const decoder = odd.startDecoding(2, 1);
    const rows = (t: number) => [...full[0]![t]!, ...full[1]![t]!];
    expect(maxAbsDiff(decoder.prefill(Int32Array.from([...TOKENS[0]!.slice(0, 3), ...TOKENS[1]!.slice(0, 3)]), 3), rows(2))).toBeLessThan(1e-4);
    for (let t = 3; t < 7; t++) expect(maxAbsDiff(decoder.step(Int32Array.from([TOKENS[0]![t]!, TOKENS[1]![t]!])), rows(t))).toBeLessThan(1e-4);
    decoder.dispose();
    odd.dispose();
  });

  it('skips finished sequences: the live rows keep their logits, finished rows stay finished', () => {
    const prompts = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]); // three sequences of three tokens
    const all = model.startDecoding(3, 1);
    const some = model.startDecoding(3, 1);
    all.prefill(prompts, 3);
    some.prefill(prompts, 3);
    const vocab = CONFIG.vocabSize;
    for (const tokens of [[4, 5, 6], [7, 8, 9]]) {
      const full = all.step(Int32Array.from(tokens));
      const skipped = some.step(Int32Array.from(tokens), [0, 1, 0]);
      for (const b of [0, 2]) expect(maxAbsDiff(skipped.subarray(b * vocab, (b + 1) * vocab), full.subarray(b * vocab, (b + 1) * vocab))).toBeLessThan(1e-6);
      expect(Array.from(skipped.subarray(vocab, 2 * vocab)).every((v) => v === 0)).toBe(true);
    }
    expect(() => some.step(Int32Array.from([1, 1, 1]), [0, 0, 0])).toThrow(/finished/);
    all.dispose();
    some.dispose();
  });

  it('decodes with a KV cache to the same logits as the full forward pass', () => {
    const sharp = model.clone();
    sharpen(sharp, 3);
    const temperature = 0.5;
    const full = tf.tidy(() => (tf.div(sharp.forward(tf.tensor2d(TOKENS, undefined, 'int32')).logits, temperature) as tf.Tensor3D).arraySync());
    const before = tf.memory().numTensors;
    const decoder = sharp.startDecoding(2, temperature);
    const promptLength = 4;
    const rows = (t: number) => [...full[0]![t]!, ...full[1]![t]!];
    const first = decoder.prefill(Int32Array.from([...TOKENS[0]!.slice(0, promptLength), ...TOKENS[1]!.slice(0, promptLength)]), promptLength);
    expect(maxAbsDiff(first, rows(promptLength - 1))).toBeLessThan(1e-4);
    for (let t = promptLength; t < 7; t++) {
      const next = decoder.step(Int32Array.from([TOKENS[0]![t]!, TOKENS[1]![t]!]));
      expect(maxAbsDiff(next, rows(t))).toBeLessThan(1e-4);
    }
    expect(decoder.length).toBe(7);
    decoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
    sharp.dispose();
  });
});
