// Every fused kernel (layer norm, MLP, projections, output head, embedding; the first four as the
// tfjs ops of test-support/kernel-ops.ts) against the tfjs reference path it replaces, in value and in the gradient of every differentiable input, on
// random inputs; then the whole teacher-forced scorer with the kernels on and off, its gradients
// for every model variable, bit-identical results with and without a tape, and no leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectSameScores } from '../../../test-support/gradient-checks.js';
import { fusedEmbedding, fusedLayerNorm, fusedMlp, fusedProjections } from '../../../test-support/kernel-ops.js';
import { expectClose, useWasmBackend } from '../../../test-support/numerics.js';
import { PolicyModel } from '../policy-model.js';
import { Rng } from '../rng.js';
import { completionLogProbs } from '../sampling.js';
import { layerNorm, linear, matmul, oneHotFloat } from '../tensor-ops.js';
import { fusedCompletionHead } from './head-kernel.js';
import { useFusedKernels } from './kernel-io.js';

beforeAll(useWasmBackend);
afterEach(() => useFusedKernels(true));

const rng = new Rng(11);
const random = (shape: number[], std = 1) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.truncatedNormal(std)), shape);

/**
 * Value and gradients of sum_i <outputs_i, weights_i> w.r.t. every input, for the fused function
 * and the reference, compared within float32 tolerance. Random output weights make every element
 * of every output matter to the gradient.
 */
function expectSameValueAndGradients(inputs: tf.Tensor[], fused: (...x: tf.Tensor[]) => tf.Tensor[], reference: (...x: tf.Tensor[]) => tf.Tensor[], rel = 2e-5, abs = 2e-6): void {
  tf.tidy(() => {
    const outFused = fused(...inputs);
    const outReference = reference(...inputs);
    const weights = outReference.map((o) => random(o.shape));
    outFused.forEach((o, i) => expectClose(o.dataSync(), outReference[i]!.dataSync(), rel, abs));
    const objective = (f: (...x: tf.Tensor[]) => tf.Tensor[]) => (...x: tf.Tensor[]) => tf.addN(f(...x).map((o, i) => tf.sum(tf.mul(o, weights[i]!)))) as tf.Scalar;
    const gradFused = tf.grads(objective(fused))(inputs);
    const gradReference = tf.grads(objective(reference))(inputs);
    gradFused.forEach((g, i) => {
      expect(Math.max(...Array.from(tf.abs(gradReference[i]!).dataSync())), `gradient ${i} is not trivially zero`).toBeGreaterThan(0);
      expectClose(g.dataSync(), gradReference[i]!.dataSync(), rel, abs);
    });
  });
}

describe('fused kernels against the tfjs reference path', () => {
  it('layer norm: value and d x, d gain, d bias', () => {
    const inputs = [random([37, 24], 2), random([24]), random([24])];
    expectSameValueAndGradients(inputs, (x, g, b) => [fusedLayerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D)], (x, g, b) => [layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D)]);
  });

  it('layer norm on rows that are not a multiple of 4 floats (the JS path): value and every gradient', () => {
    const inputs = [random([9, 6], 2), random([6]), random([6])];
    expectSameValueAndGradients(inputs, (x, g, b) => [fusedLayerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D)], (x, g, b) => [layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D)]);
  });

  it('MLP with ReLU: value and the gradient of x and every weight', () => {
    const inputs = [random([37, 16]), random([16, 64], 0.3), random([64], 0.1), random([64, 16], 0.3), random([16], 0.1)];
    expectSameValueAndGradients(inputs, (x, w1, b1, w2, b2) => [fusedMlp(x as tf.Tensor2D, w1 as tf.Tensor2D, b1 as tf.Tensor1D, w2 as tf.Tensor2D, b2 as tf.Tensor1D)],
      (x, w1, b1, w2, b2) => [linear(linear(x as tf.Tensor2D, w1 as tf.Tensor2D, b1 as tf.Tensor1D, 'relu'), w2 as tf.Tensor2D, b2 as tf.Tensor1D)]);
  });

  it('projections: Q, K, V together and W_o alone', () => {
    const three = [random([37, 16]), random([16, 16], 0.3), random([16, 16], 0.3), random([16, 16], 0.3)];
    expectSameValueAndGradients(three, (x, ...w) => fusedProjections(x as tf.Tensor2D, w as tf.Tensor2D[]), (x, ...w) => w.map((wi) => matmul(x as tf.Tensor2D, wi as tf.Tensor2D)));
    const one = [random([37, 16]), random([16, 24], 0.3)];
    expectSameValueAndGradients(one, (x, w) => fusedProjections(x as tf.Tensor2D, [w as tf.Tensor2D]), (x, w) => [matmul(x as tf.Tensor2D, w as tf.Tensor2D)]);
  });

  it('output head: completion log-probs and entropies (temperature 0.7), gradients of x and W', () => {
    const [batch, promptLength, completionLength, vocab] = [3, 4, 5, 11];
    const width = promptLength + completionLength;
    const tokens = tf.tensor2d(Int32Array.from({ length: batch * width }, () => rng.nextInt(vocab)), [batch, width], 'int32');
    const reference = (x: tf.Tensor, w: tf.Tensor) => {
      const logits = tf.reshape(matmul(x as tf.Tensor2D, w as tf.Tensor2D), [batch, width - 1, vocab]);
      const scaled = tf.div(tf.slice(logits, [0, promptLength - 1, 0], [batch, completionLength, vocab]), 0.7);
      const all = tf.logSoftmax(scaled);
      const targets = oneHotFloat(tf.slice(tokens, [0, promptLength], [batch, completionLength]), vocab);
      return [tf.sum(tf.mul(all, targets), 2), tf.neg(tf.sum(tf.mul(tf.exp(all), all), 2))];
    };
    const fused = (x: tf.Tensor, w: tf.Tensor) => {
      const { logp, entropy } = fusedCompletionHead(x as tf.Tensor2D, w as tf.Tensor2D, tokens, promptLength, 0.7);
      return [logp, entropy];
    };
    expectSameValueAndGradients([random([batch * (width - 1), 8]), random([8, vocab])], fused, reference);
    tokens.dispose();
  });

  it('embedding: token plus position rows, gradients of both tables', () => {
    const [batch, seqLen, vocab, d] = [3, 6, 9, 8];
    const tokens = tf.tensor2d(Int32Array.from({ length: batch * seqLen }, () => rng.nextInt(vocab)), [batch, seqLen], 'int32');
    const reference = (table: tf.Tensor, positions: tf.Tensor) => {
      const rows = tf.reshape(matmul(oneHotFloat(tf.reshape(tokens, [batch * seqLen]), vocab) as tf.Tensor2D, table as tf.Tensor2D), [batch, seqLen, d]);
      return [tf.reshape(tf.add(rows, tf.slice(positions, [0, 0], [seqLen, d])), [batch * seqLen, d])];
    };
    const fused = (table: tf.Tensor, positions: tf.Tensor) => [fusedEmbedding(tokens, table as tf.Tensor2D, positions as tf.Tensor2D)];
    expectSameValueAndGradients([random([vocab, d]), random([seqLen + 2, d])], fused, (t, p) => {
      // The reference leaves rows of P past T out of the graph; pad its gradient with zeros to compare.
      const [out] = reference(t, p);
      return [out!];
    });
    tokens.dispose();
  });
});

describe('the teacher-forced scorer with fused kernels', () => {
  const config = { vocabSize: 13, maxSeqLen: 12, dModel: 16, nLayers: 2, nHeads: 4, mlpRatio: 4, seed: 3 };
  const [batch, promptLength, width] = [4, 3, 10];
  const distinct = Int32Array.from({ length: batch * width }, () => rng.nextInt(config.vocabSize));
  // A GRPO-like batch: sequences 0 and 1 share their prompt, 2 and 3 their prompt and first two completion tokens.
  const grouped = Int32Array.from(distinct, (token, i) => {
    const [b, t] = [Math.floor(i / width), i % width];
    return (b === 1 && t < promptLength) || (b === 3 && t < promptLength + 2) ? distinct[(b - 1) * width + t]! : token;
  });
  let tokenValues = distinct;

  /** logp, entropy and attention max logits, and the gradient of every variable, with the kernels on or off. */
  function scoreAndGradients(model: PolicyModel, fused: boolean, weights: { logp: tf.Tensor; entropy: tf.Tensor }) {
    useFusedKernels(fused);
    const tokens = tf.tensor2d(tokenValues, [batch, width], 'int32');
    const kept: { logp?: Float32Array; entropy?: Float32Array; attn?: Float32Array } = {};
    const { value, grads } = tf.variableGrads(() => {
      const s = completionLogProbs(model, tokens, promptLength, 0.8);
      [kept.logp, kept.entropy, kept.attn] = [s.logp.dataSync() as Float32Array, s.entropy.dataSync() as Float32Array, s.attnMaxLogits.dataSync() as Float32Array];
      return tf.add(tf.sum(tf.mul(s.logp, weights.logp)), tf.sum(tf.mul(s.entropy, weights.entropy))) as tf.Scalar;
    }, model.params().map((p) => p.variable));
    const gradients = new Map(model.params().map((p) => [p.name, grads[p.variable.name]!.dataSync()]));
    tf.dispose([tokens, value, ...Object.values(grads)]);
    return { logp: kept.logp!, entropy: kept.entropy!, attn: kept.attn!, gradients };
  }

  for (const [label, values] of [['distinct sequences', distinct], ['shared prefixes, computed once', grouped]] as const) {
  it(`matches the reference path in log-probs, entropies, max logits and every variable gradient (${label})`, () => {
    tokenValues = values;
    const model = new PolicyModel(config);
    const weights = { logp: random([batch, width - promptLength]), entropy: random([batch, width - promptLength]) };
    const before = tf.memory().numTensors;
    const fused = scoreAndGradients(model, true, weights);
    expect(tf.memory().numTensors, 'no tensor leaked').toBe(before);
    const reference = scoreAndGradients(model, false, weights);
    expectSameScores(fused, reference);
    tf.dispose([weights.logp, weights.entropy]);
    model.dispose();
  });
  }

  it('scores each sequence of a batch with shared prefixes bit-identically to scoring it alone', () => {
    const model = new PolicyModel(config);
    const score = (rows: Int32Array, count: number) => tf.tidy(() => Array.from(completionLogProbs(model, tf.tensor2d(rows, [count, width], 'int32'), promptLength, 1).logp.dataSync()));
    const together = score(grouped, batch);
    for (let b = 0; b < batch; b++) {
      const completion = width - promptLength;
      expect(score(grouped.subarray(b * width, (b + 1) * width), 1), `sequence ${b}`).toEqual(together.slice(b * completion, (b + 1) * completion));
    }
    model.dispose();
  });

  it('gives bit-identical log-probs with and without a gradient tape (on-policy ratios are exactly 1)', () => {
    const model = new PolicyModel(config);
    const tokens = tf.tensor2d(grouped, [batch, width], 'int32');
    const plain = tf.tidy(() => completionLogProbs(model, tokens, promptLength, 1).logp.dataSync());
    let taped: Float32Array | undefined;
    tf.tidy(() => {
      tf.variableGrads(() => {
        const logp = completionLogProbs(model, tokens, promptLength, 1).logp;
        taped = logp.dataSync() as Float32Array;
        return tf.sum(logp) as tf.Scalar;
      });
    });
    expect(Array.from(taped!)).toEqual(Array.from(plain));
    tokens.dispose();
    model.dispose();
  });
});
