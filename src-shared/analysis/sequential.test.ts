/**
 * The anytime-valid sequential comparison: its confidence sequence and verdicts on hand-checked
 * cases, and its family-wise type-I error by simulation under the global null with many looks,
 * beside naive repeated testing on the same data, which exceeds alpha (so the check can fail).
 */
import { describe, expect, it } from 'vitest';
import { allResolved, confidenceSequence, logBayesFactor, logEValue, sequentialVerdicts, verdictOf } from './sequential.js';
import { simulateSequential, type LookDecision, type SimulationSetup } from './sequential-simulation.js';

const ALPHA = 0.05;

const anytime: LookDecision = (outcomes) => sequentialVerdicts(outcomes, { alpha: ALPHA }).map((r) => ({ first: r.first, second: r.second, different: r.verdict === 'first-better' || r.verdict === 'second-better' }));

/** Naive: a level-alpha z-test (true SD known) of every pair at every look, Bonferroni over pairs. */
function naive(differenceSd: number, z: number): LookDecision {
  return (outcomes) => {
    const arms = [...outcomes.keys()];
    const out: { first: string; second: string; different: boolean }[] = [];
    for (let i = 0; i < arms.length; i++)
      for (let j = i + 1; j < arms.length; j++) {
        const a = outcomes.get(arms[i]!)!;
        const b = outcomes.get(arms[j]!)!;
        const mean = a.reduce((s, v, k) => s + v - b[k]!, 0) / a.length;
        out.push({ first: arms[i]!, second: arms[j]!, different: Math.abs(mean) * Math.sqrt(a.length) > z * differenceSd });
      }
    return out;
  };
}

// Final-reward-like numbers: seed-to-seed SD ~0.2 of which a part is shared by the arms (pairing).
const NULL_SETUP: SimulationSetup = { armMeans: [0.5, 0.5, 0.5], sharedSd: 0.15, ownSd: 0.15, firstLook: 3, perRound: 1, maxSeeds: 60, replicates: 3000, seed: 11 };
const DIFFERENCE_SD = Math.SQRT2 * 0.15;
/** Fixed-sample level-0.05 two-sided z-test with the SD known, Bonferroni over the 3 pairs of 3 arms: z_{1 - 0.05/6}. */
const Z_BONFERRONI_3 = 2.3939797998185104;

describe('anytime-valid sequential verdicts', () => {
  it('the Bayes factor is 1 at t = 0 times the Occam factor, and grows with |t|', () => {
    expect(logBayesFactor(0, 10, 0.5)).toBeCloseTo(-0.5 * Math.log(6), 12);
    expect(logBayesFactor(4, 10, 0.5)).toBeGreaterThan(logBayesFactor(1, 10, 0.5));
    expect(logEValue([1], 0)).toBe(0); // one observation carries no evidence about a scale-free effect
  });

  it('the interval is centred on the mean difference, shrinks with n, and is whole while n is too small', () => {
    expect(confidenceSequence([0.1, 0.2])).toEqual({ lower: -Infinity, upper: Infinity });
    const diffs = Array.from({ length: 40 }, (_, i) => 0.1 + 0.05 * Math.sin(i));
    const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    const ci = confidenceSequence(diffs);
    expect((ci.lower + ci.upper) / 2).toBeCloseTo(mean, 12);
    expect(ci.lower).toBeGreaterThan(0);
    // At the interval's edge the e-value is exactly at the threshold 1/alpha.
    expect(logEValue(diffs, ci.lower)).toBeCloseTo(Math.log(1 / ALPHA), 6);
    const fewer = confidenceSequence(diffs.slice(0, 20));
    expect(fewer.upper - fewer.lower).toBeGreaterThan(ci.upper - ci.lower);
    expect(verdictOf({ lower: -0.02, upper: 0.03 }, 0.05)).toBe('equivalent');
    expect(verdictOf({ lower: -0.02, upper: 0.03 }, null)).toBe('unresolved');
  });

  it('pairs arms by seed, skips missing runs, and splits alpha over the pairs', () => {
    const outcomes = new Map([
      ['a', [0.9, 0.8, 0.85, 0.95, 0.9, 0.88, 0.92, 0.86, 0.9, 0.91]],
      ['b', [0.2, 0.1, Number.NaN, 0.15, 0.2, 0.18, 0.1, 0.12, 0.2, 0.16]],
      ['c', [0.21, 0.12, 0.14, 0.16, 0.19, 0.2, 0.11, 0.1, 0.22, 0.15]],
    ]);
    const results = sequentialVerdicts(outcomes, { margin: 0.1 });
    expect(results.map((r) => [r.first, r.second, r.n, r.verdict])).toEqual([
      ['a', 'b', 9, 'first-better'],
      ['a', 'c', 10, 'first-better'],
      ['b', 'c', 9, 'equivalent'],
    ]);
    expect(allResolved(results)).toBe(true);
    const alone = confidenceSequence([...outcomes.get('a')!].map((v, i) => v - outcomes.get('c')![i]!));
    expect(results[1]!.interval.upper - results[1]!.interval.lower).toBeGreaterThan(alone.upper - alone.lower); // alpha/3 is wider
  });

  it('under the null, 3 arms looked at after every seed from 3 to 60: family-wise error stays <= alpha', () => {
    const { familywiseError } = simulateSequential(anytime, NULL_SETUP);
    expect(familywiseError).toBeLessThanOrEqual(ALPHA + 0.01);
  });

  it('naive repeated testing on the same data exceeds alpha, though each single look is a level-alpha test', () => {
    const oneLook = simulateSequential(naive(DIFFERENCE_SD, Z_BONFERRONI_3), { ...NULL_SETUP, firstLook: 20, maxSeeds: 20 });
    expect(Math.abs(oneLook.familywiseError - ALPHA)).toBeLessThan(0.015);
    const repeated = simulateSequential(naive(DIFFERENCE_SD, Z_BONFERRONI_3), NULL_SETUP);
    expect(repeated.familywiseError).toBeGreaterThan(2 * ALPHA);
  });

  it('has power: a 0.2 difference (d ~ 1) between two arms is found within 60 seeds in most replicates', () => {
    const result = simulateSequential(anytime, { ...NULL_SETUP, armMeans: [0.6, 0.4], replicates: 500 });
    expect(result.power).toBeGreaterThan(0.9);
    expect(result.familywiseError).toBe(0); // no equal pair to get wrong
  });
});
