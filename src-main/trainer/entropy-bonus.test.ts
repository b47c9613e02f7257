/**
 * The entropy bonus (objective.entCoef): the loss falls by entCoef x mean entropy over scored
 * tokens, its gradient with respect to the logits is the analytic one (dH/dz_j = -p_j (log p_j + H)),
 * padding gets no gradient, and entCoef = 0 leaves the loss as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveObjective } from '../../src-shared/objective-config.js';
import { validateRunConfig } from '../../src-shared/run-config.js';
import { maskedMean, withEntropyBonus } from './objectives.js';
import { expectClose, expectNoLeak, useWasmBackend } from '../../test-support/numerics.js';

// (B=2, T=2, V=3) logits; the second sequence's last token is padding.
const LOGITS = [
  [[0.5, -1, 2], [0, 0, 0]],
  [[1, 3, -2], [4, -4, 0.5]],
];
const MASK = [[1, 1], [1, 0]];

/** Per-token entropy exactly as sampling.ts computes it: -sum p log p of the log-softmax. */
function tokenEntropy(logits: tf.Tensor3D): tf.Tensor2D {
  const logProbs = tf.logSoftmax(logits); // (B, T, V)
  return tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 2)) as tf.Tensor2D; // (B, T)
}

function lossAndGrad(entCoef: number): { loss: number; grad: number[][][] } {
  return tf.tidy(() => {
    const logits = tf.tensor3d(LOGITS);
    const mask = tf.tensor2d(MASK);
    const f = (z: tf.Tensor) => withEntropyBonus(tf.scalar(0.25), maskedMean(tokenEntropy(z as tf.Tensor3D), mask), entCoef);
    const { value, grad } = tf.valueAndGrad(f)(logits);
    return { loss: value.dataSync()[0]!, grad: grad.arraySync() as number[][][] };
  });
}

/** Plain-number entropy and its logit gradient for one token. */
function analytic(z: number[]): { h: number; dh: number[] } {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / s);
  const h = -p.reduce((a, pj) => a + pj * Math.log(pj), 0);
  return { h, dh: p.map((pj) => -pj * (Math.log(pj) + h)) };
}

describe('entropy bonus (objective.entCoef)', () => {
  beforeAll(useWasmBackend);

  it('subtracts entCoef x the masked mean entropy and has the analytic gradient', () => {
    const coef = 0.1;
    const { loss, grad } = expectNoLeak(() => lossAndGrad(coef));
    const scored = [LOGITS[0]![0]!, LOGITS[0]![1]!, LOGITS[1]![0]!].map(analytic);
    const meanH = scored.reduce((a, t) => a + t.h, 0) / 3;
    expectClose(loss, 0.25 - coef * meanH, 1e-5, 1e-6);
    // d(loss)/dz = -coef/3 * dH/dz on the three scored tokens, 0 on the padded one.
    expectClose(grad[0]![0]!, scored[0]!.dh.map((g) => (-coef / 3) * g), 1e-4, 1e-6);
    expectClose(grad[0]![1]!, scored[1]!.dh.map((g) => (-coef / 3) * g), 1e-4, 1e-6);
    expectClose(grad[1]![0]!, scored[2]!.dh.map((g) => (-coef / 3) * g), 1e-4, 1e-6);
    expect(grad[1]![1]!.every((g) => g === 0)).toBe(true);
    // The gradient step raises entropy: moving against it flattens the peaked first token.
    const stepped = LOGITS[0]![0]!.map((z, j) => z - 10 * grad[0]![0]![j]!);
    expect(analytic(stepped).h).toBeGreaterThan(scored[0]!.h);
  });

  it('entCoef = 0 returns the loss tensor itself (the loss does not depend on entropy at all)', () => {
    tf.tidy(() => {
      const loss = tf.scalar(0.25);
      expect(withEntropyBonus(loss, maskedMean(tokenEntropy(tf.tensor3d(LOGITS)), tf.tensor2d(MASK)), 0)).toBe(loss);
    });
  });

  it('is a validated objective knob with default 0, applying to every preset', () => {
    const config = validateRunConfig({ objective: { preset: 'grpo', entCoef: 0.01 } });
    expect(config.ok && resolveObjective(config.value.objective).entCoef).toBe(0.01);
    expect(resolveObjective({ preset: 'hmpo' }).entCoef).toBe(0);
    const bad = validateRunConfig({ objective: { preset: 'hmpo', entCoef: -1 } });
    expect(!bad.ok && bad.error.message).toMatch(/entCoef must be >= 0/);
  });
});
