/**
 * Batch telemetry against the spec batch: TRL clip fractions, GMPO sign-aware clip fractions,
 * A0/G0/H0 against the spec's power means, ESS against a hand computation from the spec gradient,
 * the histogram's bins and edges, and tensor hygiene.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveObjective, type ObjectiveInput } from '../../src-shared/objective-config.js';
import { LOG_RATIO_HIST_BINS } from '../../src-shared/metrics.js';
import { batchFromSequences, type SequenceLogProbs } from './policy-batch.js';
import { batchTelemetry, type BatchTelemetry } from './batch-telemetry.js';
import { policyLoss } from './objectives.js';
import { EXPECTED, SPEC_SEQUENCES } from './spec-vectors.js';
import { expectClose, expectNoLeak, useWasmBackend } from '../../test-support/numerics.js';

beforeAll(useWasmBackend);

function telemetry(input: ObjectiveInput, sequences: readonly SequenceLogProbs[] = SPEC_SEQUENCES, phi?: number): BatchTelemetry {
  let result: BatchTelemetry | undefined;
  tf.tidy(() => {
    result = batchTelemetry(batchFromSequences(sequences), resolveObjective(input), phi === undefined ? undefined : tf.scalar(phi));
  });
  return result!;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('batch telemetry', () => {
  it('grpo: TRL clip fractions, loss and used ratios', () => {
    const { metrics } = telemetry({ preset: 'grpo' });
    expectClose(metrics['clip/token_low']!, EXPECTED.grpo.clipFractions.low);
    expectClose(metrics['clip/token_high']!, EXPECTED.grpo.clipFractions.high);
    expectClose(metrics['clip/token_region']!, EXPECTED.grpo.clipFractions.region);
    expectClose(metrics['losses/policy_loss']!, EXPECTED.grpo.seqMeanTokenMean);
    expectClose(metrics['ratio/used_max']!, Math.exp(0.5)); // largest token ratio
    expectClose(metrics['ratio/used_min']!, Math.exp(-0.5));
    expect(metrics['clip/sequence']).toBe(0);
    expect(metrics['objective/p']).toBeUndefined();
  });

  it('log-ratio statistics over scored tokens only', () => {
    const x = [0.2, -0.1, 0.5, -0.2, 0.2, -0.2, 0.5, -0.5];
    const { metrics } = telemetry({ preset: 'grpo' });
    const m = mean(x);
    expectClose(metrics['ratio/log_ratio_mean']!, m, 1e-5, 1e-7);
    expectClose(metrics['ratio/log_ratio_var']!, mean(x.map((v) => (v - m) ** 2)), 1e-5);
    expectClose(metrics['ratio/log_ratio_abs_mean']!, mean(x.map(Math.abs)), 1e-5);
    expectClose(metrics['ratio/log_ratio_max_abs']!, 0.5, 1e-6);
  });

  it('gmpo: sign-aware clip fractions count x > c with A >= 0 and x < -c with A < 0', () => {
    // seq0 (A = +1) has x = 0.5 > 0.4; seq1 (A = -0.5) has x = -0.5 < -0.4 (and x = 0.5, not clipped).
    const { metrics } = telemetry({ preset: 'gmpo' });
    expectClose(metrics['clip/token_high']!, 1 / 8);
    expectClose(metrics['clip/token_low']!, 1 / 8);
    expectClose(metrics['clip/token_region']!, 2 / 8);
    expectClose(metrics['ratio/used_mean']!, mean(EXPECTED.gmpo.ratios));
    expect(metrics['objective/p']).toBe(0);
  });

  it('gspo (no token clip): A0, G0, H0 are the batch means of the spec power means', () => {
    const { metrics } = telemetry({ preset: 'gspo' });
    const { seq0, seq1 } = EXPECTED.powerMeans; // index 0: p = -1, 1: p = 0, 3: p = 1
    expectClose(metrics['ratio/a0']!, (seq0[3]! + seq1[3]!) / 2);
    expectClose(metrics['ratio/g0']!, (seq0[1]! + seq1[1]!) / 2);
    expectClose(metrics['ratio/h0']!, (seq0[0]! + seq1[0]!) / 2);
    expectClose(metrics['ratio/am_gm_gap']!, mean([Math.log(seq0[3]! / seq0[1]!), Math.log(seq1[3]! / seq1[1]!)]), 1e-5);
    expectClose(metrics['ratio/am_hm_gap']!, mean([seq0[3]! - seq0[0]!, seq1[3]! - seq1[0]!]), 1e-5);
    expect(metrics['ratio/a0']!).toBeGreaterThanOrEqual(metrics['ratio/g0']!);
    expect(metrics['ratio/g0']!).toBeGreaterThanOrEqual(metrics['ratio/h0']!);
    expect(metrics['clip/sequence']).toBe(1); // the paper clip holds both sequences (spec section 8)
  });

  it('raw-ratio AM-GM and AM-HM gaps are on one basis for every preset (the unclipped token ratios)', () => {
    const { seq0, seq1 } = EXPECTED.powerMeans; // raw token power means; index 0: p = -1, 1: p = 0, 3: p = 1
    const amGm = mean([Math.log(seq0[3]! / seq0[1]!), Math.log(seq1[3]! / seq1[1]!)]);
    const amHm = mean([seq0[3]! - seq0[0]!, seq1[3]! - seq1[0]!]);
    for (const preset of ['grpo', 'gspo', 'gmpo', 'hmpo', 'agm'] as const) {
      const { metrics } = telemetry({ preset });
      expectClose(metrics['ratio/raw_am_gm_gap']!, amGm, 1e-5);
      expectClose(metrics['ratio/raw_am_hm_gap']!, amHm, 1e-5);
    }
    // GMPO's own gap is on its token-clipped log-ratios (|x| <= 0.4), hence smaller than the raw one.
    expect(telemetry({ preset: 'gmpo' }).metrics['ratio/am_gm_gap']!).toBeLessThan(amGm - 1e-4);
  });

  it('ESS of the per-token gradient weights, from the spec gradient', () => {
    const w = EXPECTED.grpo.gradSeqMeanTokenMean.flat().map(Math.abs);
    const sum = w.reduce((a, b) => a + b, 0);
    const expected = (sum * sum) / w.reduce((a, b) => a + b * b, 0) / w.length;
    expectClose(telemetry({ preset: 'grpo' }).metrics['objective/ess']!, expected, 1e-5);
    // Both sequences clipped under GSPO's paper clip: no gradient, ESS reported as 0.
    expect(telemetry({ preset: 'gspo' }).metrics['objective/ess']).toBe(0);
  });

  it('a loss and gradient handed in by the optimizer step give the same ESS and loss as deriving them', () => {
    for (const input of [{ preset: 'grpo' }, { preset: 'hmpo' }] as ObjectiveInput[]) {
      const objective = resolveObjective(input);
      const own = telemetry(input).metrics;
      let reused: BatchTelemetry | undefined;
      tf.tidy(() => {
        const batch = batchFromSequences(SPEC_SEQUENCES);
        const { value, grads } = tf.valueAndGrads((logpNew: tf.Tensor) => policyLoss({ ...batch, logpNew: logpNew as tf.Tensor2D }, objective))([batch.logpNew]);
        reused = batchTelemetry(batch, objective, undefined, { loss: value, lossGradient: grads[0]! });
      });
      expect(reused!.metrics['objective/ess']).toBe(own['objective/ess']);
      expect(reused!.metrics['losses/policy_loss']).toBe(own['losses/policy_loss']);
    }
    // A different gradient changes ESS: the handed-in gradient is what it uses.
    const objective = resolveObjective({ preset: 'grpo' });
    const skewed = tf.tidy(() => {
      const batch = batchFromSequences(SPEC_SEQUENCES);
      const g = tf.mul(batch.mask, tf.linspace(1, 50, batch.mask.size).reshape(batch.mask.shape));
      return batchTelemetry(batch, objective, undefined, { lossGradient: g }).metrics['objective/ess'];
    });
    expect(skewed).not.toBe(telemetry({ preset: 'grpo' }).metrics['objective/ess']);
  });

  it('learnable and agm report p and iterations', () => {
    expectClose(telemetry({ preset: 'learnable' }, SPEC_SEQUENCES, 0).metrics['objective/p']!, 0);
    const agm = telemetry({ preset: 'agm' }).metrics;
    expect(agm['agm/iterations']!).toBeGreaterThan(0);
    expect(agm['agm/iterations']!).toBeLessThanOrEqual(5);
  });

  it('KL is reported only when klBeta > 0', () => {
    const withRef = SPEC_SEQUENCES.map((s) => ({ ...s, logpRef: s.logpOld }));
    expectClose(telemetry({ preset: 'grpo', klBeta: 0.04 }, withRef).metrics['losses/kl']!, EXPECTED.grpo.k3RefIsOld);
    expect(telemetry({ preset: 'grpo' }, withRef).metrics['losses/kl']).toBeUndefined();
  });

  it('histogram: fixed bins plus underflow and overflow, scored tokens only', () => {
    const { logRatioHistogram } = telemetry({ preset: 'grpo' });
    expect(logRatioHistogram).toHaveLength(LOG_RATIO_HIST_BINS + 2);
    expect(logRatioHistogram.reduce((a, b) => a + b, 0)).toBe(8); // padding is not counted
    expect(logRatioHistogram[1 + 30]).toBe(2); // x = 0.5 twice: bin [0.5, 0.55)
    // x = -1.1 - (-0.6) is -0.5 up to float32 rounding, a bin edge: it lands on one side or the other.
    expect(logRatioHistogram[1 + 9]! + logRatioHistogram[1 + 10]!).toBe(1);
    const extremes = telemetry({ preset: 'grpo' }, [{ logpOld: [0, 0, 0], logpNew: [-3, 1.5, 0.99], advantage: 1 }, SPEC_SEQUENCES[0]]);
    expect(extremes.logRatioHistogram[0]).toBe(1);
    expect(extremes.logRatioHistogram[LOG_RATIO_HIST_BINS + 1]).toBe(1);
    expect(extremes.logRatioHistogram[LOG_RATIO_HIST_BINS]).toBe(1); // 0.99 in the last regular bin
  });

  it('leaks no tensor', () => {
    for (const preset of ['grpo', 'gspo', 'hmpo', 'agm'] as const) {
      expectNoLeak(() => telemetry({ preset }));
    }
    expectNoLeak(() => telemetry({ preset: 'learnable' }, SPEC_SEQUENCES, 0.2));
  });
});
