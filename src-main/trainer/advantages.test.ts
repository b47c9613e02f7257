// Advantage modes against the float64 vectors of objectives.md section 8, plus zero-std groups,
// batch mode and the error cases. Pure numbers: no tfjs backend needed.
import { describe, expect, it } from 'vitest';
import { computeAdvantages, InvalidRewardsError, NonPositiveRewardError, type AdvantageSettings } from './advantages.js';

const base: AdvantageSettings = { mode: 'group', ddof: 1, epsilon: 0, floor: 1e-8, logStd: false };

function expectClose(actual: number[][], expected: number[][], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, g) => {
    const want = expected[g] ?? [];
    expect(row.length).toBe(want.length);
    row.forEach((x, i) => expect(Math.abs(x - (want[i] ?? Number.NaN))).toBeLessThan(tol));
  });
}

describe('computeAdvantages: spec section 8 vectors', () => {
  it('rewards [1,0,0,1]: group ddof 1 without epsilon gives +-0.8660254038', () => {
    // mean 0.5, unbiased var = (4 * 0.25) / 3, std = 0.5773502692; 0.5 / std = sqrt(3)/2.
    const a = 0.8660254037844386;
    expectClose(computeAdvantages([[1, 0, 0, 1]], base).advantages, [[a, -a, -a, a]]);
  });

  it('rewards [1,0,0,1]: group ddof 0 gives +-1 and none gives +-0.5', () => {
    expectClose(computeAdvantages([[1, 0, 0, 1]], { ...base, ddof: 0 }).advantages, [[1, -1, -1, 1]]);
    expectClose(computeAdvantages([[1, 0, 0, 1]], { ...base, mode: 'none' }).advantages, [[0.5, -0.5, -0.5, 0.5]]);
  });

  it('rewards [10,10,10,1000]: group, none and unnormalised log', () => {
    const rewards = [[10, 10, 10, 1000]];
    // mean 257.5; squares 3 * 247.5^2 + 742.5^2 = 735075; / 3 = 245025 = 495^2.
    expectClose(computeAdvantages(rewards, base).advantages, [[-0.5, -0.5, -0.5, 1.5]]);
    expectClose(computeAdvantages(rewards, { ...base, mode: 'none' }).advantages, [[-247.5, -247.5, -247.5, 742.5]]);
    // Baseline = mean(log R) = log 31.6227766017 (the geometric mean).
    const l = -1.1512925465;
    expectClose(computeAdvantages(rewards, { ...base, mode: 'log' }).advantages, [[l, l, l, 3.4538776395]], 1e-9);
  });

  it('rewards [1,2,4,8]: group ddof 1 and unnormalised log', () => {
    const rewards = [[1, 2, 4, 8]];
    expectClose(computeAdvantages(rewards, base).advantages, [[-0.8883301384, -0.5653009972, 0.0807572853, 1.3728738502]], 1e-9);
    // log R = k log 2 for k = 0..3; mean 1.5 log 2; so (k - 1.5) log 2.
    expectClose(computeAdvantages(rewards, { ...base, mode: 'log' }).advantages, [[-1.0397207708, -0.3465735903, 0.3465735903, 1.0397207708]], 1e-9);
  });
});

describe('computeAdvantages: behaviour', () => {
  it('adds epsilon to the std', () => {
    // [1,0,0,1] with ddof 1: std = 1/sqrt(3); advantage = 0.5 / (std + 0.1).
    const a = 0.5 / (1 / Math.sqrt(3) + 0.1);
    expectClose(computeAdvantages([[1, 0, 0, 1]], { ...base, epsilon: 0.1 }).advantages, [[a, -a, -a, a]]);
  });

  it('gives exactly 0 to a group of equal rewards in every mode, even with epsilon 0, and counts it', () => {
    const groups = [[0.1, 0.1, 0.1], [1, 0, 0, 1]];
    for (const mode of ['group', 'batch', 'none', 'log'] as const) {
      const result = computeAdvantages(groups.map((g) => g.map((r) => r + 1)), { ...base, mode, logStd: true });
      expect(result.advantages[0]).toEqual([0, 0, 0]);
      expect(result.advantages[1]?.every(Number.isFinite)).toBe(true);
      expect(result.fracRewardZeroStd).toBe(0.5);
    }
  });

  it('never divides 0 by 0 when every group is constant', () => {
    const result = computeAdvantages([[3, 3], [5, 5, 5]], { ...base, mode: 'batch' });
    expect(result.advantages).toEqual([[0, 0], [0, 0, 0]]);
    expect(result.fracRewardZeroStd).toBe(1);
  });

  it('batch mode centres per group but divides by the std of the whole batch', () => {
    // All six rewards [1,0,0,1,2,4]: mean 4/3, squares = 2(1/9) + 2(16/9) + 4/9 + 64/9 = 102/9,
    // ddof 1 -> var = 102/45, std = 1.5055453054. Group means 0.5 and 3.
    const s = Math.sqrt(102 / 45);
    const result = computeAdvantages([[1, 0, 0, 1], [2, 4]], { ...base, mode: 'batch' });
    expectClose(result.advantages, [[0.5 / s, -0.5 / s, -0.5 / s, 0.5 / s], [-1 / s, 1 / s]]);
  });

  it('log mode with logStd divides by the group std of the logs plus epsilon', () => {
    // logs (k log 2), k = 0..3: ddof 1 std = log 2 * sqrt(5/3).
    const s = Math.LN2 * Math.sqrt(5 / 3) + 1e-4;
    const result = computeAdvantages([[1, 2, 4, 8]], { ...base, mode: 'log', logStd: true, epsilon: 1e-4 });
    expectClose(result.advantages, [[-1.5, -0.5, 0.5, 1.5].map((k) => (k * Math.LN2) / s)]);
  });

  it('floors tiny positive rewards before the log', () => {
    // 1e-12 -> floor 1e-6: logs [log 1e-6, log 1]; mean = log 1e-3; advantages -+ log 1e3.
    const result = computeAdvantages([[1e-12, 1]], { ...base, mode: 'log', floor: 1e-6 });
    expectClose(result.advantages, [[-Math.log(1e3), Math.log(1e3)]]);
  });

  it('accepts ragged groups and reports zero-sum groups', () => {
    const result = computeAdvantages([[1, 0], [1, 2, 3], [5, 6, 7, 9]], base);
    expect(result.advantages.map((a) => a.length)).toEqual([2, 3, 4]);
    expect(result.advantages[1]).toEqual([-1, 0, 1]);
    expect(result.groupsWithNonZeroSum).toBe(0);
    expect(result.fracRewardZeroStd).toBe(0);
  });
});

describe('computeAdvantages: errors', () => {
  it('refuses a reward <= 0 in log mode, naming group, member and value', () => {
    const call = () => computeAdvantages([[1, 2], [3, 0.5, -0.25]], { ...base, mode: 'log' });
    expect(call).toThrow(NonPositiveRewardError);
    expect(call).toThrow(/group 1, member 2: reward -0.25 .*strictly positive/);
    expect(() => computeAdvantages([[0, 1]], { ...base, mode: 'log' })).toThrow(/group 0, member 0: reward 0 /);
  });

  it('accepts rewards <= 0 in the other modes', () => {
    expectClose(computeAdvantages([[-1, 1]], { ...base, mode: 'none' }).advantages, [[-1, 1]]);
  });

  it('refuses no groups and empty groups', () => {
    expect(() => computeAdvantages([], base)).toThrow(InvalidRewardsError);
    expect(() => computeAdvantages([[1, 2], []], base)).toThrow(/group 1 is empty/);
  });

  it('refuses a single-member group where a ddof 1 group std is needed, and only there', () => {
    expect(() => computeAdvantages([[1, 2], [3]], base)).toThrow(/group 1 has 1 completion/);
    expect(() => computeAdvantages([[3]], { ...base, mode: 'log', logStd: true })).toThrow(InvalidRewardsError);
    expect(computeAdvantages([[3]], { ...base, ddof: 0 }).advantages).toEqual([[0]]);
    expect(computeAdvantages([[3]], { ...base, mode: 'none' }).advantages).toEqual([[0]]);
    expect(computeAdvantages([[3], [1, 2]], { ...base, mode: 'batch' }).advantages[0]).toEqual([0]);
    expect(() => computeAdvantages([[3]], { ...base, mode: 'batch' })).toThrow(/batch advantage needs more than 1/);
  });

  it('refuses NaN and infinite rewards', () => {
    expect(() => computeAdvantages([[1, Number.NaN]], base)).toThrow(/group 0, member 1: reward NaN is not a finite/);
    expect(() => computeAdvantages([[1, 2], [Infinity, 1]], { ...base, mode: 'none' })).toThrow(InvalidRewardsError);
  });
});

describe('computeAdvantages: rewards near the double range', () => {
  // Before: squares of +-1e308 overflowed, the std was Infinity and every advantage a silent 0.
  it('computes group and batch z-scores stably for rewards of +-1e308 (the same as for +-1)', () => {
    const huge = computeAdvantages([[1e308, -1e308, 1e308]], base).advantages;
    const unit = computeAdvantages([[1, -1, 1]], base).advantages;
    expectClose(huge, unit, 1e-12);
    expect(huge[0]![0]).toBeCloseTo(0.5773502692, 9);
    const batch = { ...base, mode: 'batch' as const };
    expectClose(computeAdvantages([[1e308, -1e308], [1.5e308, 0]], batch).advantages, computeAdvantages([[1, -1], [1.5, 0]], batch).advantages, 1e-12);
  });

  it('gives bit-identical results for ordinary rewards (no rescaling below 2^400)', () => {
    const rewards = [[0.1, 0.7, 0.3, 0.9]];
    const mu = 0.5;
    const sd = Math.sqrt(rewards[0]!.reduce((s, x) => s + (x - mu) ** 2, 0) / 3);
    expect(computeAdvantages(rewards, { ...base, epsilon: 1e-6 }).advantages[0]).toEqual(rewards[0]!.map((x) => (x - mu) / (sd + 1e-6)));
  });

  it('refuses mean-centred (none) advantages that have no finite value', () => {
    // 1.5e308 - (-1.5e308 ...) exceeds the double range: there is no number to return.
    expect(() => computeAdvantages([[1.5e308, -1.5e308, 1.5e308]], { ...base, mode: 'none' })).toThrow(/group 0, member 1: reward minus the group mean is beyond the double range/);
    expectClose(computeAdvantages([[1e308, -1e308]], { ...base, mode: 'none' }).advantages, [[1e308, -1e308]], 1);
  });
});
