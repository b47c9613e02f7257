/**
 * The summary table: final/best reward, the normalised trapezoid AUC on hand examples,
 * steps-to-target with unsolved seeds counted (2 of 5) and an unsolved median said so, the survival
 * step function, and the caller's per-run aggregates averaged over the seeds that have them.
 */
import { describe, expect, it } from 'vitest';
import { normalSampler } from './normal-sampler.js';
import {
  bestValue,
  finalValue,
  firstStepAtTarget,
  medianOrderInterval,
  normalizedArea,
  seedStatistic,
  stepsToTarget,
  summarizeGroup,
  survivalCurve,
  type RunCurve,
} from './summary.js';

/** A curve over steps 0, 10, 20, ... that is 0 until `hitStep` (exclusive) and 1 from there on. */
function stepCurve(hitStep: number | null, lastStep = 500): RunCurve {
  const step = Array.from({ length: lastStep / 10 + 1 }, (_, i) => i * 10);
  return { step, reward: step.map((s) => (hitStep !== null && s >= hitStep ? 1 : 0)) };
}

describe('finalValue and bestValue', () => {
  it('take the last and the largest finite reward', () => {
    const curve = { step: [0, 1, 2, 3], reward: [0.2, 0.9, 0.5, Number.NaN] };
    expect(finalValue(curve)).toBe(0.5);
    expect(bestValue(curve)).toBe(0.9);
    expect(finalValue({ step: [], reward: [] })).toBeNull();
    expect(bestValue({ step: [0], reward: [Number.NaN] })).toBeNull();
  });
});

describe('normalizedArea', () => {
  it('integrates by trapezoids over step and divides by the step range (hand example)', () => {
    // trapezoids: (10 - 0) * (0 + 1) / 2 = 5 and (30 - 10) * (1 + 1) / 2 = 20; area 25 over range 30
    expect(normalizedArea({ step: [0, 10, 30], reward: [0, 1, 1] })).toBeCloseTo(25 / 30, 14);
  });

  it('weights by step, not by point (irregular logging does not skew it)', () => {
    const dense = { step: [0, 1, 2, 3, 4, 100], reward: [1, 1, 1, 1, 1, 0] };
    // 4 steps at 1, then a linear fall over 96 steps: (4 + 48) / 100
    expect(normalizedArea(dense)).toBeCloseTo(0.52, 14);
  });

  it('compares runs of different lengths: a constant gives that constant', () => {
    expect(normalizedArea({ step: [0, 100], reward: [0.5, 0.5] })).toBe(0.5);
    expect(normalizedArea({ step: [0, 250, 1000], reward: [0.5, 0.5, 0.5] })).toBe(0.5);
  });

  it('skips non-finite points, and handles one point or none', () => {
    expect(normalizedArea({ step: [0, 5, 10], reward: [0, Number.NaN, 1] })).toBe(0.5);
    expect(normalizedArea({ step: [7], reward: [0.3] })).toBe(0.3);
    expect(normalizedArea({ step: [], reward: [] })).toBeNull();
  });
});

describe('seedStatistic', () => {
  it('gives n, mean, std (ddof 1) and a CI around the mean, ignoring missing seeds', () => {
    const stat = seedStatistic([1, null, 2, 3, 6]);
    expect(stat.n).toBe(4);
    expect(stat.mean).toBe(3);
    expect(stat.std).toBeCloseTo(Math.sqrt(14 / 3), 14);
    expect(stat.ciLow).toBeLessThan(3);
    expect(stat.ciHigh).toBeGreaterThan(3);
    expect(stat.perSeed).toEqual([1, null, 2, 3, 6]);
  });

  for (const n of [3, 5, 10]) {
    it(`its 95% CI covers the true mean ~95% of the time at ${n} seeds (4,000 simulated groups)`, () => {
      // Monte Carlo SE 0.34 points, tolerance 1.5. The percentile bootstrap it replaced covered ~75% at 3 seeds.
      const draw = normalSampler(10 + n);
      let covered = 0;
      for (let r = 0; r < 4000; r++) {
        const stat = seedStatistic(Array.from({ length: n }, () => 0.3 + 0.05 * draw()));
        if (stat.ciLow! <= 0.3 && 0.3 <= stat.ciHigh!) covered++;
      }
      expect(Math.abs(covered / 4000 - 0.95)).toBeLessThan(0.015);
    });
  }

  it('has no spread for fewer than two seeds and nothing for none', () => {
    expect(seedStatistic([4])).toMatchObject({ n: 1, mean: 4, std: null, ciLow: null, ciHigh: null });
    expect(seedStatistic([null])).toMatchObject({ n: 0, mean: null, std: null });
  });
});

describe('medianOrderInterval', () => {
  it('picks the order statistics with at least the asked coverage', () => {
    // n = 10: k = 2 gives 1 - 2 P(B <= 1) = 1 - 22/1024 = 97.9%; k = 3 would give 89.1%.
    expect(medianOrderInterval([9, 1, 8, 2, 7, 3, 6, 4, 5, 10])).toEqual({ low: 2, high: 9 });
    expect(medianOrderInterval([1, 2, 3, 4, 5, 6])).toEqual({ low: 1, high: 6 }); // 1 - 2/64 = 96.9%
    expect(medianOrderInterval([1, 2, 3])).toEqual({ low: -Infinity, high: Infinity });
    expect(medianOrderInterval([1])).toBeNull();
  });

  it('covers the true median at least 95% of the time at 3, 5 and 10 seeds (skewed data)', () => {
    const draw = normalSampler(77);
    for (const n of [3, 5, 10]) {
      let covered = 0;
      for (let r = 0; r < 2000; r++) {
        const ci = medianOrderInterval(Array.from({ length: n }, () => Math.exp(draw()))); // lognormal, median 1
        if (ci!.low <= 1 && 1 <= ci!.high) covered++;
      }
      expect(covered / 2000).toBeGreaterThanOrEqual(0.95 - 0.01);
    }
  });
});

describe('firstStepAtTarget', () => {
  it('finds the first step at or above the target, or null', () => {
    expect(firstStepAtTarget(stepCurve(120), 1)).toBe(120);
    expect(firstStepAtTarget(stepCurve(120), 0.5)).toBe(120);
    expect(firstStepAtTarget(stepCurve(null), 0.5)).toBeNull();
  });

  it('tests the smoothed reward when asked, so a single spike does not count', () => {
    const spike = { step: [0, 1, 2, 3, 4], reward: [0, 0, 1, 0, 0] };
    expect(firstStepAtTarget(spike, 0.9)).toBe(2);
    expect(firstStepAtTarget(spike, 0.9, 0.8)).toBeNull();
  });
});

describe('stepsToTarget', () => {
  it('counts unsolved seeds (2 of 5) and keeps them in the median as +infinity', () => {
    const curves = [stepCurve(100), stepCurve(null), stepCurve(200), stepCurve(300), stepCurve(null)];
    const result = stepsToTarget(curves, 1);
    expect(result.perSeed).toEqual([100, null, 200, 300, null]);
    expect(result).toMatchObject({ n: 5, solved: 3, unsolved: 2, unsolvedLabel: 'unsolved 2/5' });
    // sorted [100, 200, 300, inf, inf]: the median is 300 (dropping unsolved seeds would say 200)
    expect(result.median).toBe(300);
    // 5 seeds cannot bound a median at 95% ([min, max] covers 1 - 2/32 = 93.75%): [0, unsolved].
    expect(result.ci).toEqual({ low: 0, high: 'unsolved' });
  });

  it('says so when the median itself is unsolved', () => {
    const curves = [stepCurve(100), stepCurve(null), stepCurve(200), stepCurve(null), stepCurve(null)];
    const result = stepsToTarget(curves, 1);
    expect(result.unsolvedLabel).toBe('unsolved 3/5');
    expect(result.median).toBe('unsolved');
    // even n with half unsolved: the middle pair is (200, inf), so unsolved too
    expect(stepsToTarget([stepCurve(100), stepCurve(200), stepCurve(null), stepCurve(null)], 1).median).toBe('unsolved');
  });

  it('gives a finite CI of width 0 when enough seeds solve at the same step, and says 3 seeds cannot bound it', () => {
    const six = stepsToTarget(Array.from({ length: 6 }, () => stepCurve(150)), 1);
    expect(six.median).toBe(150);
    expect(six.ci).toEqual({ low: 150, high: 150 });
    expect(stepsToTarget([stepCurve(150), stepCurve(150), stepCurve(150)], 1).ci).toEqual({ low: 0, high: 'unsolved' });
  });

  it('has no CI for one seed and no median for none', () => {
    expect(stepsToTarget([stepCurve(null)], 1)).toMatchObject({ median: 'unsolved', ci: null, unsolvedLabel: 'unsolved 1/1' });
    expect(stepsToTarget([], 1)).toMatchObject({ n: 0, median: null, ci: null });
  });

  it('survives a JSON round trip unchanged (no Infinity to turn into null)', () => {
    const result = stepsToTarget([stepCurve(100), stepCurve(null), stepCurve(null)], 1);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('survivalCurve', () => {
  it('steps down at each seed reaching the target and keeps unsolved seeds', () => {
    const curves = [stepCurve(100), stepCurve(null), stepCurve(200), stepCurve(300), stepCurve(null, 400)];
    const curve = survivalCurve(curves, 1);
    expect(curve.step).toEqual([0, 100, 200, 300, 500]);
    expect(curve.fraction).toEqual([1, 0.8, 0.6, 0.4, 0.4]);
    expect(curve.censored).toEqual([400, 500]);
    expect(curve.n).toBe(5);
  });

  it('merges seeds that reach the target at the same step, including the first step', () => {
    const curve = survivalCurve([stepCurve(0), stepCurve(0), stepCurve(50), stepCurve(50)], 1);
    expect(curve.step).toEqual([0, 50, 500]);
    expect(curve.fraction).toEqual([0.5, 0, 0]);
  });

  it('is flat at 1 when nobody solves, and empty without points', () => {
    expect(survivalCurve([stepCurve(null, 100)], 1)).toEqual({ step: [0, 100], fraction: [1, 1], n: 1, censored: [100] });
    expect(survivalCurve([], 1)).toEqual({ step: [], fraction: [], n: 0, censored: [] });
  });
});

describe('summarizeGroup', () => {
  it('fills the table row and passes the caller aggregates through, averaged over seeds', () => {
    const summary = summarizeGroup(
      [
        { curve: stepCurve(100), extras: { nonFiniteEvents: 2, qkClipStepFraction: 0.1, meanAbsA0H0Gap: 0.02 } },
        { curve: stepCurve(null), extras: { nonFiniteEvents: 0, qkClipStepFraction: 0.3 } },
        { curve: stepCurve(200) },
      ],
      { target: 1 },
    );
    expect(summary.seeds).toBe(3);
    expect(summary.finalReward.perSeed).toEqual([1, 0, 1]);
    expect(summary.bestReward.mean).toBeCloseTo(2 / 3, 14);
    expect(summary.stepsToTarget?.unsolvedLabel).toBe('unsolved 1/3');
    expect(summary.survival?.fraction).toEqual([1, 2 / 3, 1 / 3, 1 / 3]);
    expect(summary.nonFiniteEvents).toMatchObject({ n: 2, mean: 1 });
    expect(summary.qkClipStepFraction.mean).toBeCloseTo(0.2, 14);
    expect(summary.meanAbsA0H0Gap).toMatchObject({ n: 1, mean: 0.02 });
  });

  it('leaves steps-to-target and survival out without a target', () => {
    const summary = summarizeGroup([{ curve: stepCurve(100) }]);
    expect(summary.stepsToTarget).toBeNull();
    expect(summary.survival).toBeNull();
  });
});
