/**
 * Objective numerics against objectives.md section 8 (float64 vectors, float32 tolerance), gradients
 * against central finite differences, and tensor hygiene. Expected values are the spec's; the
 * comments derive the less obvious ones by hand.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveObjective, type ObjectiveInput, type ResolvedObjective } from '../../src-shared/objective-config.js';
import { EXPECTED, SPEC_SEQUENCES } from './spec-vectors.js';
import { batchFromSequences, type SequenceLogProbs } from './policy-batch.js';
import {
  arithmeticHarmonicRatio,
  grpoTokenLosses,
  initialPhi,
  learnableP,
  policyLoss,
  sequenceRatios,
  signAwareTokenClip,
  tokenK3,
  tokenLogRatios,
  type PolicyBatch,
} from './objectives.js';
import { expectClose, expectNoLeak, read, readRows, useWasmBackend } from '../../test-support/numerics.js';

const LENGTHS = [3, 5];
const objective = (input: ObjectiveInput): ResolvedObjective => resolveObjective(input);

function specBatch(extra: Partial<SequenceLogProbs> = {}): PolicyBatch {
  return batchFromSequences(SPEC_SEQUENCES.map((s) => ({ ...s, ...extra })));
}

function loss(input: ObjectiveInput, sequences: readonly SequenceLogProbs[] = SPEC_SEQUENCES, phi?: number): number {
  return tf.tidy(() => {
    const o = objective(input);
    return policyLoss(batchFromSequences(sequences), o, phi === undefined ? undefined : tf.scalar(phi)).dataSync()[0]!;
  });
}

/** d loss / d logpNew as ragged rows. */
function gradient(input: ObjectiveInput, sequences: readonly SequenceLogProbs[] = SPEC_SEQUENCES, phi?: number): number[][] {
  return tf.tidy(() => {
    const o = objective(input);
    const b = batchFromSequences(sequences);
    const phiT = phi === undefined ? undefined : tf.scalar(phi);
    const g = tf.grad((logpNew: tf.Tensor) => policyLoss({ ...b, logpNew: logpNew as tf.Tensor2D }, o, phiT))(b.logpNew);
    const flat = Array.from(g.dataSync());
    const width = b.logpNew.shape[1];
    return sequences.map((s, i) => flat.slice(i * width, i * width + s.logpNew.length));
  });
}

beforeAll(useWasmBackend);

describe('GRPO token-level surrogate (spec section 8)', () => {
  it('matches the per-token losses', () => {
    const rows = readRows(() => grpoTokenLosses(specBatch(), objective({ preset: 'grpo' })), LENGTHS);
    rows.forEach((row, i) => expectClose(row, EXPECTED.grpo.perToken[i]!));
  });

  it.each([
    ['seq-mean-token-mean', EXPECTED.grpo.seqMeanTokenMean],
    ['token-mean', EXPECTED.grpo.tokenMean],
    ['seq-mean-token-sum', EXPECTED.grpo.seqMeanTokenSum],
  ] as const)('aggregation %s', (aggregation, expected) => {
    expectClose(loss({ preset: 'grpo', aggregation }), expected);
  });

  it('dr-grpo divides by B * maxCompletionLength', () => {
    expectClose(loss({ preset: 'grpo', aggregation: 'dr-grpo', maxCompletionLength: 5 }), EXPECTED.grpo.drGrpoMax5);
    // Without an explicit length the padded width (5 here) is used.
    expectClose(loss({ preset: 'grpo', aggregation: 'dr-grpo' }), EXPECTED.grpo.drGrpoMax5);
  });

  it('gradient: clipped tokens get none, others -r*A/(|o|*B)', () => {
    // seq0 token 1: r = e^-0.1 = 0.904837, A = 1, |o| = 3, B = 2 -> -0.904837/6 = -0.150806.
    const g = gradient({ preset: 'grpo' });
    g.forEach((row, i) => expectClose(row, EXPECTED.grpo.gradSeqMeanTokenMean[i]!, 2e-6, 2e-7));
  });

  it('clip-higher and the two-sided cap', () => {
    expectClose(loss({ preset: 'grpo', clipLow: 0.2, clipHigh: 0.28 }), EXPECTED.grpo.clipHigher028);
    expectClose(loss({ preset: 'grpo', twoSidedCap: 1.5 }), EXPECTED.grpo.twoSidedCap15);
  });

  it('dual clip bounds the loss of negative-advantage tokens by -A*c', () => {
    // seq1 (A = -0.5): every token loss is below -A*c = 0.5*1.5 = 0.75 except token 3 (0.824 -> 0.75).
    const rows = readRows(() => grpoTokenLosses(specBatch(), objective({ preset: 'grpo', dualClip: 1.5 })), LENGTHS);
    expectClose(rows[1]!, [0.4093653765, 0.6107013791, 0.4093653765, 0.75, 0.4]);
    expectClose(rows[0]!, EXPECTED.grpo.perToken[0]!); // positive advantages are untouched
  });

  it('k3 KL against a reference equal to the old policy', () => {
    const withRef = SPEC_SEQUENCES.map((s) => ({ ...s, logpRef: s.logpOld }));
    const kl = tf.tidy(() => {
      const b = batchFromSequences(withRef);
      const perSeq = tf.div(tf.sum(tokenK3(b), 1), tf.sum(b.mask, 1));
      return tf.mean(perSeq).dataSync()[0]!;
    });
    expectClose(kl, EXPECTED.grpo.k3RefIsOld);
    expectClose(loss({ preset: 'grpo', klBeta: 0.04 }, withRef), EXPECTED.grpo.withKl004);
  });

  it('refuses klBeta > 0 without reference log-probs', () => {
    expect(() => loss({ preset: 'grpo', klBeta: 0.04 })).toThrow(/logpRef/);
  });
});

describe('GSPO sequence clip', () => {
  it('sequence ratios are the geometric means of the token ratios', () => {
    const rho = read(() => sequenceRatios(specBatch(), objective({ preset: 'gspo' })));
    expectClose(rho, EXPECTED.gspo.sequenceRatios);
  });

  it('with the paper clip (3e-4, 4e-4) both sequences are clipped: zero gradient', () => {
    expectClose(loss({ preset: 'gspo' }), EXPECTED.gspo.paperClipLoss);
    for (const row of gradient({ preset: 'gspo' })) expect(row.every((v) => v === 0)).toBe(true);
  });

  it('with a wide clip (0.2, 0.2) only seq0 is clipped', () => {
    const input: ObjectiveInput = { preset: 'gspo', seqClipLow: 0.2, seqClipHigh: 0.2 };
    expectClose(loss(input), EXPECTED.gspo.wideClipLoss);
    const [g0, g1] = gradient(input);
    expect(g0!.every((v) => v === 0)).toBe(true);
    // seq1: d/dx_t of -(1/2)*A*rho with rho = exp(mean x): -(1/2)(-0.5)(0.96079)/5 = 0.048039.
    expectClose(g1!, new Array(5).fill(EXPECTED.gspo.wideClipGradSeq1));
  });
});

describe('GMPO sign-aware token clip', () => {
  it('clips only the side that matches the advantage sign', () => {
    const z = readRows(() => {
      const b = specBatch();
      return signAwareTokenClip(tokenLogRatios(b), b.advantages, 0.4).z;
    }, LENGTHS);
    z.forEach((row, i) => expectClose(row, EXPECTED.gmpo.z[i]!));
  });

  it('ratios, loss and gradient', () => {
    expectClose(read(() => sequenceRatios(specBatch(), objective({ preset: 'gmpo' }))), EXPECTED.gmpo.ratios);
    expectClose(loss({ preset: 'gmpo' }), EXPECTED.gmpo.loss);
    gradient({ preset: 'gmpo' }).forEach((row, i) => expectClose(row, EXPECTED.gmpo.grad[i]!, 2e-6, 2e-7));
  });
});

describe('power means', () => {
  it.each(EXPECTED.powerMeans.p.map((p, i) => [p, i] as const))('M_p of the raw ratios, p = %s', (p, i) => {
    const rho = read(() => sequenceRatios(specBatch(), objective({ preset: 'power', p, tokenClip: null })));
    expectClose(rho, [EXPECTED.powerMeans.seq0[i]!, EXPECTED.powerMeans.seq1[i]!]);
  });

  it('hmpo (p = -1) and power p = 0.5 with the GMPO token clip', () => {
    expectClose(loss({ preset: 'hmpo' }), EXPECTED.hmpoLoss);
    expectClose(loss({ preset: 'power', p: 0.5 }), EXPECTED.powerHalfLoss);
  });

  it('is continuous across p = 0 (series below |p| = 1e-3, stable form above)', () => {
    const seq1 = (p: number) => read(() => sequenceRatios(specBatch(), objective({ preset: 'power', p, tokenClip: null })))[1]!;
    expectClose(seq1(1e-3), EXPECTED.continuitySeq1.p1e3, 1e-6);
    expectClose(seq1(1e-6), EXPECTED.continuitySeq1.p1e6, 1e-6);
  });
});

describe('learnable p', () => {
  const learnable = objective({ preset: 'learnable' });

  it('starts at p = 0 (phi = 0 for bounds [-2, 2]) and then equals GMPO', () => {
    expect(initialPhi(learnable)).toBeCloseTo(0, 12);
    expectClose(loss({ preset: 'learnable' }, SPEC_SEQUENCES, 0), EXPECTED.gmpo.loss);
  });

  it('maps phi through the bounded sigmoid and reaches hmpo at p = -1', () => {
    const phiForMinusOne = Math.log(0.25 / 0.75); // sigmoid(phi) = 1/4 -> p = -2 + 4/4 = -1
    expectClose(read(() => learnableP(tf.scalar(phiForMinusOne), learnable)), -1);
    expectClose(loss({ preset: 'learnable' }, SPEC_SEQUENCES, phiForMinusOne), EXPECTED.hmpoLoss, 5e-6);
  });

  it('the loss is differentiable in phi, matching finite differences', () => {
    const phi0 = 0.3;
    const analytic = tf.tidy(() => {
      const b = specBatch();
      return tf.grad((phi: tf.Tensor) => policyLoss(b, learnable, phi as tf.Scalar))(tf.scalar(phi0)).dataSync()[0]!;
    });
    const h = 1e-2;
    const numeric = (loss({ preset: 'learnable' }, SPEC_SEQUENCES, phi0 + h) - loss({ preset: 'learnable' }, SPEC_SEQUENCES, phi0 - h)) / (2 * h);
    expect(analytic).not.toBe(0);
    expectClose(analytic, numeric, 2e-2, 1e-5);
  });
});

describe('arithmetic-harmonic iteration', () => {
  it('converges to sqrt(A*H), which is not the geometric mean for three tokens', () => {
    const run = (iterations: number) =>
      tf.tidy(() => {
        const z = tf.log(tf.tensor2d([EXPECTED.ahm.ratios as unknown as number[]]));
        const r = arithmeticHarmonicRatio(z as tf.Tensor2D, tf.ones([1, 3]) as tf.Tensor2D, iterations, 1e-6);
        return { ratio: r.ratio.dataSync()[0]!, a0: r.a0.dataSync()[0]!, h0: r.h0.dataSync()[0]!, used: r.iterations.dataSync()[0]! };
      });
    const converged = run(20);
    expectClose(converged.ratio, EXPECTED.ahm.sqrtAH, 1e-6);
    expect(Math.abs(converged.ratio - EXPECTED.ahm.geometric)).toBeGreaterThan(0.1);
    expectClose(converged.a0, 4); // (1 + 2 + 9) / 3
    expectClose(converged.h0, 3 / (1 + 0.5 + 1 / 9)); // harmonic mean
    expect(converged.used).toBeLessThan(20); // stopped early once |a - h| <= 1e-6 a
    expect(run(1).used).toBe(1);
  });

  it('the agm preset gives a ratio between H0 and A0 on the spec batch', () => {
    const agm = read(() => sequenceRatios(specBatch(), objective({ preset: 'agm' })));
    const arithmetic = read(() => sequenceRatios(specBatch(), objective({ preset: 'amp' })));
    const harmonic = read(() => sequenceRatios(specBatch(), objective({ preset: 'hmpo' })));
    agm.forEach((value, i) => {
      expect(value).toBeGreaterThanOrEqual(harmonic[i]! - 1e-6);
      expect(value).toBeLessThanOrEqual(arithmetic[i]! + 1e-6);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Finite differences on random batches.
// ---------------------------------------------------------------------------------------------

/** Deterministic uniform numbers (mulberry32) so a failure reproduces. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-ratios kept at least `margin` away from every clip boundary, so the loss is smooth at each x. */
const KINKS = [Math.log(0.8), Math.log(1.2), -0.4, 0.4];
function randomSequences(seed: number, margin: number): SequenceLogProbs[] {
  const rand = uniform(seed);
  return [4, 6, 2, 5].map((length, i) => {
    const logpOld = Array.from({ length }, () => -0.2 - 2 * rand());
    const logpNew = logpOld.map((old) => {
      let x: number;
      do x = (rand() - 0.5) * 1.2;
      while (KINKS.some((k) => Math.abs(x - k) < margin));
      return old + x;
    });
    return { logpOld, logpNew, logpRef: logpOld.map((v) => v - 0.1 * rand()), advantage: i % 2 === 0 ? 0.5 + rand() : -0.5 - rand() };
  });
}

function finiteDifferences(input: ObjectiveInput, sequences: SequenceLogProbs[], h: number, phi?: number): number[][] {
  return sequences.map((s, i) =>
    s.logpNew.map((_, t) => {
      const shifted = (delta: number) =>
        sequences.map((q, j) => (j === i ? { ...q, logpNew: q.logpNew.map((v, u) => (u === t ? v + delta : v)) } : q));
      return (loss(input, shifted(h), phi) - loss(input, shifted(-h), phi)) / (2 * h);
    }),
  );
}

describe('gradients against central finite differences (random batches)', () => {
  const cases: Array<[string, ObjectiveInput, number?]> = [
    ['grpo seq-mean-token-mean', { preset: 'grpo' }],
    ['grpo token-mean + KL', { preset: 'grpo', aggregation: 'token-mean', klBeta: 0.1 }],
    ['grpo dr-grpo + cap + dual clip', { preset: 'grpo', aggregation: 'dr-grpo', twoSidedCap: 1.3, dualClip: 1.2 }],
    ['grpo seq-mean-token-sum', { preset: 'grpo', aggregation: 'seq-mean-token-sum' }],
    ['gspo (wide clip)', { preset: 'gspo', seqClipLow: 0.5, seqClipHigh: 0.5 }],
    ['gmpo', { preset: 'gmpo' }],
    ['hmpo', { preset: 'hmpo' }],
    ['amp', { preset: 'amp', klBeta: 0.05 }],
    ['power p = 0.5', { preset: 'power', p: 0.5 }],
    ['power p = -3 (large branch)', { preset: 'power', p: -3, tokenClip: null }],
    ['learnable', { preset: 'learnable' }, 0.7],
    ['agm', { preset: 'agm' }],
  ];
  it.each(cases)('%s', (_name, input, phi) => {
    const sequences = randomSequences(17, 0.02);
    const analytic = gradient(input, sequences, phi);
    const numeric = finiteDifferences(input, sequences, 2e-3, phi);
    const flatA = analytic.flat();
    expect(flatA.some((v) => Math.abs(v) > 1e-3), 'gradient is not all zero').toBe(true);
    analytic.forEach((row, i) => expectClose(row, numeric[i]!, 2e-2, 3e-4));
  });
});

describe('tensor hygiene', () => {
  it.each(['grpo', 'gspo', 'gmpo', 'hmpo', 'amp', 'power', 'learnable', 'agm'] as const)('%s leaks no tensor through loss and gradient', (preset) => {
    const o = objective({ preset });
    expectNoLeak(() => {
      // tf.variable keeps its initial tensor alive, so build both inside a tidy.
      const logpNew = tf.tidy(() => tf.variable(tf.tensor2d([[-0.8, -0.6, -1.5, 0, 0], [-1.2, -0.6, -1.7, -1.5, -1.1]]), true, `leak-${preset}`));
      const phi = preset === 'learnable' ? tf.tidy(() => tf.variable(tf.scalar(0.1), true, `phi-${preset}`)) : undefined;
      tf.tidy(() => {
        const b = specBatch();
        const { value, grads } = tf.variableGrads(() => policyLoss({ ...b, logpNew }, o, phi), phi ? [logpNew, phi] : [logpNew]);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        expect(Object.keys(grads)).toHaveLength(phi ? 2 : 1);
      });
      logpNew.dispose();
      phi?.dispose();
    });
  });
});
