// The fused power-mean loss kernel against the tfjs composition it replaces (objectives.ts with the
// fused kernels off), in value and in d loss / d logpNew, on random batches with padding, a
// one-token sequence, both advantage signs and log-ratios on both sides of the token clip; every fixed-p
// preset shape (series p, geometric, harmonic, arithmetic, p = 0.5), with and without the token and
// sequence clips. Plus: on-policy (logpNew = logpOld) the loss is exactly -mean(A), and no leaks.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveObjective, type ObjectiveInput } from '../../../src-shared/objective-config.js';
import { expectClose, expectNoLeak, useWasmBackend } from '../../../test-support/numerics.js';
import { policyLoss, type PolicyBatch } from '../objectives.js';
import { Rng } from '../rng.js';
import { useFusedKernels } from './kernel-io.js';

beforeAll(useWasmBackend);
afterEach(() => useFusedKernels(true));

const [B, T] = [6, 7];

function randomBatch(seed: number, spread: number): PolicyBatch {
  const rng = new Rng(seed);
  const lengths = [7, 3, 2, 5, 1, 6]; // every completion scores at least its first token
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)]! ? 1 : 0));
  const logpOld = Float32Array.from({ length: B * T }, () => -Math.abs(rng.normal()) - 0.1);
  const logpNew = Float32Array.from(logpOld, (v) => v + spread * rng.normal());
  const advantages = Float32Array.from([1.2, -0.7, 0.5, -1.1, 0, 0.9]);
  return { logpNew: tf.tensor2d(logpNew, [B, T]), logpOld: tf.tensor2d(logpOld, [B, T]), mask: tf.tensor2d(mask, [B, T]), advantages: tf.tensor1d(advantages) };
}

/** Loss and d loss / d logpNew of `input` on `batch`, with the fused kernels on or off. */
function lossAndGradient(batch: PolicyBatch, input: ObjectiveInput, fused: boolean): { loss: number; grad: Float32Array } {
  useFusedKernels(fused);
  const objective = resolveObjective(input);
  const logpNew = tf.variable(batch.logpNew);
  const result = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => policyLoss({ ...batch, logpNew: logpNew as tf.Tensor2D }, objective), [logpNew]);
    return { loss: value.dataSync()[0]!, grad: grads[logpNew.name]!.dataSync() as Float32Array };
  });
  logpNew.dispose();
  return result;
}

const CASES: [string, ObjectiveInput][] = [
  ['hmpo', { preset: 'hmpo' }],
  ['gmpo', { preset: 'gmpo' }],
  ['amp', { preset: 'amp' }],
  ['power p = 0.5', { preset: 'power', p: 0.5 }],
  ['power p = 5e-4 (series)', { preset: 'power', p: 5e-4 }],
  ['power p = -2, no token clip', { preset: 'power', p: -2, tokenClip: null }],
  ['gspo (sequence clip, no token clip)', { preset: 'gspo' }],
  ['hmpo with a wide sequence clip', { preset: 'hmpo', seqClipLow: 0.05, seqClipHigh: 0.05 }],
];

describe('fused power-mean loss kernel', () => {
  for (const [name, input] of CASES) {
    it(`${name}: value and gradient equal the tfjs reference`, () => {
      for (const [seed, spread] of [[1, 0.3], [2, 1.5]] as const) {
        const batch = randomBatch(seed, spread);
        const fused = lossAndGradient(batch, input, true);
        const reference = lossAndGradient(batch, input, false);
        expectClose(fused.loss, reference.loss, 2e-6, 1e-7);
        expect(Math.max(...Array.from(reference.grad, Math.abs)), 'gradient is not trivially zero').toBeGreaterThan(0);
        expectClose(fused.grad, reference.grad, 2e-5, 2e-7);
        tf.dispose(Object.values(batch));
      }
    });
  }

  it('on-policy (logpNew = logpOld) every ratio is exactly 1: the loss is exactly -mean(A)', () => {
    const batch = randomBatch(3, 0);
    const loss = tf.tidy(() => policyLoss(batch, resolveObjective({ preset: 'hmpo' })).dataSync()[0]!);
    const advantages = [1.2, -0.7, 0.5, -1.1, 0, 0.9].map(Math.fround);
    expect(loss).toBe(Math.fround(advantages.reduce((sum, a) => sum - a, 0) / advantages.length));
    tf.dispose(Object.values(batch));
  });

  it('leaks no tensors, forward or backward', () => {
    const batch = randomBatch(4, 0.5);
    expectNoLeak(() => lossAndGradient(batch, { preset: 'hmpo' }, true));
    tf.dispose(Object.values(batch));
  });
});
