/**
 * Per-run outcomes from hand-built series: the final-window mean, restricted steps-to-target,
 * off-policy-only ratio statistics (on-policy steps, whose ratios are all 1, left out), collapse
 * before the target, and a reachable default target per task.
 */
import { describe, expect, it } from 'vitest';
import { TASKS } from '../tasks.js';
import { defaultTarget, offPolicySteps, outcomeOptionsProblem, runOutcomes, windowMean, type RunOutcomeInput, type StepSeries } from './outcomes.js';

const steps = Array.from({ length: 20 }, (_, i) => i);
const series = (f: (step: number) => number): StepSeries => ({ steps, values: steps.map(f) });

/** Two minibatches per rollout: even steps on-policy (max |x| = 0), odd steps off-policy. */
function run(overrides: Partial<RunOutcomeInput['series']> = {}, extra: Partial<RunOutcomeInput> = {}): RunOutcomeInput {
  return {
    runId: '1',
    seed: 0,
    series: {
      'charts/reward_mean': series((s) => s / 20), // 0, 0.05, ..., 0.95
      'ratio/log_ratio_max_abs': series((s) => (s % 2 === 0 ? 0 : 0.1 * s)),
      'ratio/log_ratio_var': series((s) => (s % 2 === 0 ? 0 : 0.02)),
      'ratio/raw_am_gm_gap': series((s) => (s % 2 === 0 ? 0 : 0.004)),
      'clip/token_region': series((s) => (s % 2 === 0 ? 0 : 0.3)),
      'objective/ess': series((s) => (s % 2 === 0 ? 1 : 0.8)),
      'optim/qk_max_logit': series((s) => 10 + Math.sin(s)),
      'losses/entropy': series((s) => 2 - s / 10),
      'optim/nonfinite_skips': series(() => 0),
      ...overrides,
    },
    ...extra,
  };
}

describe('runOutcomes', () => {
  it('final reward is the mean over the last window of steps, not the last rollout', () => {
    const o = runOutcomes(run(), { target: 0.5 });
    expect(o.values.finalReward).toBeCloseTo((0.9 + 0.95) / 2, 12); // last 10% of 20 steps = 2 steps
    expect(runOutcomes(run(), { target: 0.5, finalWindow: 0.25 }).values.finalReward).toBeCloseTo((0.75 + 0.8 + 0.85 + 0.9 + 0.95) / 5, 12);
    expect(o.values.finalEntropy).toBeCloseTo((2 - 1.8 + 2 - 1.9) / 2, 12);
  });

  it('ratio outcomes average off-policy steps only', () => {
    const o = runOutcomes(run(), { target: 0.5 });
    expect(o.offPolicySteps).toBe(10);
    expect(o.values.logRatioVar).toBeCloseTo(0.02, 12); // on-policy zeros would halve it
    expect(o.values.amGmGapRaw).toBeCloseTo(0.004, 12);
    expect(o.values.clipTokenRegion).toBeCloseTo(0.3, 12);
    expect(o.values.ess).toBeCloseTo(0.8, 12);
    expect(o.values.maxAbsLogRatio).toBeCloseTo(1.9, 12);
    expect(o.values.maxQkLogit).toBeCloseTo(Math.max(...steps.map((s) => 10 + Math.sin(s))), 12);
    expect(o.values.amHmGapRaw).toBeNull(); // not recorded
  });

  it('steps-to-target: first step at target, or the run length when never reached', () => {
    expect(runOutcomes(run(), { target: 0.5 })).toMatchObject({ solved: true, values: { stepsToTarget: 10 } });
    expect(runOutcomes(run(), { target: 2 })).toMatchObject({ solved: false, values: { stepsToTarget: 20 } });
  });

  it('collapsed: entropy under the threshold before the target (or at all when never reached)', () => {
    // entropy 2 - s/10 drops below 0.05 at step 20 (never within 0..19): not collapsed.
    expect(runOutcomes(run(), { target: 0.5 }).values.collapsed).toBe(0);
    // Entropy below 1.0 from step 11 on: after the target at step 10, so not collapsed ...
    expect(runOutcomes(run(), { target: 0.5, collapseEntropy: 1 }).values.collapsed).toBe(0);
    // ... but before the target at step 16 (reward 0.8), it is.
    expect(runOutcomes(run(), { target: 0.8, collapseEntropy: 1 }).values.collapsed).toBe(1);
    expect(runOutcomes(run(), { target: 5, collapseEntropy: 1 }).values.collapsed).toBe(1);
  });

  it('non-finite skips from events win over the lagging per-step counter; eval reward passes through', () => {
    const o = runOutcomes(run({}, { nonFiniteSkips: 3, evalReward: 0.7 }), { target: 0.5 });
    expect(o.values.nonFiniteSkips).toBe(3);
    expect(o.values.evalReward).toBe(0.7);
    expect(runOutcomes(run({ 'optim/nonfinite_skips': series((s) => (s > 5 ? 2 : 0)) }), { target: 0.5 }).values.nonFiniteSkips).toBe(2);
  });

  it('a run with no steps has null outcomes, not zeros', () => {
    const o = runOutcomes({ runId: '2', seed: 1, series: {} }, { target: 0.5 });
    expect(Object.values(o.values).every((v) => v === null)).toBe(true);
    expect(o.solved).toBe(false);
  });

  it('refuses bad options with one line naming the value', () => {
    expect(outcomeOptionsProblem({ target: 0.5, finalWindow: 0 })).toBe('final window must be a fraction in (0, 1], got 0');
    expect(() => runOutcomes(run(), { target: Number.NaN })).toThrow('target must be a finite reward, got NaN');
  });
});

describe('helpers', () => {
  it('offPolicySteps keeps steps whose ratios are not all exactly 1', () => {
    expect([...offPolicySteps({ steps: [0, 1, 2, 3], values: [0, 1e-7, Number.NaN, 0.2] })]).toEqual([1, 3]);
  });

  it('windowMean takes at least one point and skips non-finite ones', () => {
    expect(windowMean({ steps: [0, 1, 2], values: [1, 2, 3] }, 0.01)).toBe(3);
    expect(windowMean({ steps: [0, 1, 2, 3], values: [1, 2, Number.NaN, 4] }, 0.5)).toBe(4);
  });
});

describe('defaultTarget', () => {
  it('is reachable: 90% of the way to the optimum, or the declared solved reward', () => {
    expect(defaultTarget(TASKS['pattern-dense'])).toBeCloseTo(0.9, 12);
    expect(defaultTarget(TASKS.add)).toBeCloseTo(0.9, 12);
    expect(defaultTarget(TASKS['long-tail'])).toBeCloseTo(1000 ** 0.9, 9);
    for (const task of Object.values(TASKS)) expect(defaultTarget(task)).toBeLessThan(task.optimum);
  });
});
