/**
 * The built-in plans: each expands to valid, duplicate-free runs with the same seeds in every cell;
 * the mean ablation differs only in the mean; methods keep the published presets (GRPO included);
 * the optimizer/clip axis separates the optimizer from the clip at the given tau; tau calibration.
 */
import { describe, expect, it } from 'vitest';
import { resolveObjective } from '../objective-config.js';
import { expandSweep } from '../sweep.js';
import { optimizerClipAxis } from './optimizer-clip-axis.js';
import { PHASE_START_P, planSpec, PLAN_NAMES, PlanNeedsTauError, SHARED_TOKEN_CLIP } from './plans.js';
import { STRESS_SETTINGS } from './stress.js';
import { calibrationConfig, tauFromMaxLogits } from './tau-calibration.js';

function runs(...args: Parameters<typeof planSpec>) {
  const result = expandSweep(planSpec(...args));
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('built-in plans', () => {
  it('every plan expands to valid runs with no duplicate cells', () => {
    for (const name of PLAN_NAMES) expect(runs(name, { tau: 3, seeds: [0, 1] }).length, name).toBeGreaterThan(0);
  });

  it('methods: grpo, gspo, gmpo, hmpo as published', () => {
    const methods = runs('methods', { seeds: [0] });
    expect(methods.map((r) => r.config.objective)).toEqual([{ preset: 'grpo' }, { preset: 'gspo' }, { preset: 'gmpo' }, { preset: 'hmpo' }]);
  });

  it('mean ablation: five cells whose resolved objectives differ only in the mean, with one shared clip', () => {
    const ablation = runs('mean-ablation', { base: { task: 'copy', objective: { preset: 'grpo', entCoef: 0.01 } }, seeds: [4, 5] });
    expect(ablation).toHaveLength(10);
    expect(ablation.map((r) => r.config.seed)).toEqual([4, 5, 4, 5, 4, 5, 4, 5, 4, 5]);
    const resolved = ablation.map((r) => resolveObjective(r.config.objective));
    expect(resolved.map((o) => o.mean)).toEqual([...[1, 1, 0, 0, -1, -1].map((p) => ({ kind: 'power', p })), { kind: 'learnable' }, { kind: 'learnable' }, { kind: 'agm' }, { kind: 'agm' }]);
    const { preset: _p, mean: _m, ...firstKnobs } = resolved[0]!;
    for (const o of resolved) {
      const { preset: _preset, mean: _mean, ...knobs } = o;
      expect(knobs).toEqual(firstKnobs);
    }
    expect(firstKnobs.tokenClip).toBe(SHARED_TOKEN_CLIP);
    expect(firstKnobs.entCoef).toBe(0.01); // the base's entropy bonus stays matched in every cell
    const { objective: _o, seed: _s, ...rest } = ablation[0]!.config;
    for (const r of ablation) expect({ ...r.config, objective: undefined, seed: undefined }).toEqual({ ...rest, objective: undefined, seed: undefined });
    expect(rest.task).toBe('copy');
  });

  it('optimizer/clip axis: AdamW, AdamW + QK-clip, Muon, Muon + QK-clip at one tau', () => {
    const arms = runs('muonclip', { tau: 4.5, seeds: [0] }).map((r) => [r.config.optimizer.name, r.config.qkClip.enabled, r.config.qkClip.tau]);
    expect(arms).toEqual([['adamw', false, 100], ['adamw', true, 4.5], ['muon', false, 100], ['muon', true, 4.5]]);
    expect(optimizerClipAxis(7).labels).toEqual(['AdamW', 'AdamW + QK-clip tau=7', 'Muon', 'Muon + QK-clip tau=7']);
  });

  it('plans with QK-clip arms refuse to run without a tau', () => {
    expect(() => planSpec('muonclip', {})).toThrow(PlanNeedsTauError);
    expect(() => planSpec('seed', { tau: 0 })).toThrow(/calibrate-tau/);
  });

  it('seed plan: grpo, gspo and the mean ablation x four optimizer/clip arms, 84 runs over 3 seeds', () => {
    const seed = runs('seed', { tau: 6 });
    expect(seed).toHaveLength(7 * 4 * 3);
    expect(seed.filter((r) => r.config.objective.preset === 'grpo')).toHaveLength(12);
    expect(seed.filter((r) => r.config.qkClip.enabled && r.config.optimizer.name === 'adamw')).toHaveLength(21);
  });

  it('the old seed plan (hmpo beside power p=-1) is refused as a duplicate', () => {
    const old = expandSweep({ base: {}, axes: [{ path: 'objective', values: [{ preset: 'gspo' }, { preset: 'hmpo' }, { preset: 'power', p: 1 }, { preset: 'power', p: 0 }, { preset: 'power', p: -1 }] }], seeds: [0] });
    expect(!old.ok && old.error.message).toMatch(/'hmpo' and 'power p=-1' train the same configuration/);
  });

  it('stress: grpo and unclipped power p in {1, 0, -1} with an entropy bonus, in the stress settings', () => {
    const stress = runs('stress', { base: { completionLength: 8, backend: 'wasm' }, seeds: [0] });
    expect(stress.map((r) => r.name)).toEqual(['Stress regime plan · grpo · seed 0', 'Stress regime plan · power p=1 (no clip) · seed 0', 'Stress regime plan · power p=0 (no clip) · seed 0', 'Stress regime plan · power p=-1 (no clip) · seed 0']);
    for (const r of stress) {
      expect(r.config.completionLength).toBe(STRESS_SETTINGS.completionLength);
      expect(r.config.epochsPerRollout).toBe(4);
      expect(r.config.backend).toBe('wasm');
      expect(resolveObjective(r.config.objective).entCoef).toBeGreaterThan(0);
    }
    expect(stress.slice(1).every((r) => r.config.objective.tokenClip === null)).toBe(true);
  });
});

describe('tau calibration', () => {
  it('takes the quantile of the per-step max logits, ignoring skipped (non-finite) steps', () => {
    expect(tauFromMaxLogits([1, 2, 3, 4, Number.NaN])).toEqual({ ok: true, tau: 2.5, steps: 4, max: 4 });
    expect(tauFromMaxLogits([10, 0, 5], 0.75)).toMatchObject({ ok: true, tau: 7.5 });
    expect(tauFromMaxLogits([1.23456, 1.23456])).toMatchObject({ tau: 1.23 });
  });

  it('refuses too short a run or a bad quantile with a message', () => {
    expect(tauFromMaxLogits([3])).toMatchObject({ ok: false, message: expect.stringMatching(/at least 2 steps/) });
    expect(tauFromMaxLogits([1, 2], 1)).toMatchObject({ ok: false, message: expect.stringMatching(/between 0 and 1/) });
  });

  it('calibrates with AdamW and QK-clip off, keeping the rest of the config', () => {
    expect(calibrationConfig({ task: 'copy', optimizer: { name: 'muon', learningRate: 0.01 }, qkClip: { enabled: true, tau: 5 } })).toEqual({ task: 'copy', optimizer: { name: 'adamw', learningRate: 0.01 }, qkClip: { enabled: false, tau: 5 } });
  });

  it('controllers: each controlled arm beside the same arm fixed, the phase-selected p starting where the fixed p is', () => {
    const cells = runs('controllers', { seeds: [7] });
    expect(cells.map((r) => [r.config.objective, r.config.controller])).toEqual([
      [{ preset: 'hmpo' }, { learningRate: false, clipEpsilon: false, powerP: false, earlyStop: false, maxMultiplier: 2, minRelativeChange: 0.05, dwellSteps: 5 }],
      [{ preset: 'hmpo' }, { learningRate: true, clipEpsilon: true, powerP: false, earlyStop: false, maxMultiplier: 2, minRelativeChange: 0.05, dwellSteps: 5 }],
      [{ preset: 'power', p: PHASE_START_P }, { learningRate: false, clipEpsilon: false, powerP: false, earlyStop: false, maxMultiplier: 2, minRelativeChange: 0.05, dwellSteps: 5 }],
      [{ preset: 'power', p: PHASE_START_P }, { learningRate: false, clipEpsilon: false, powerP: true, earlyStop: false, maxMultiplier: 2, minRelativeChange: 0.05, dwellSteps: 5 }],
    ]);
  });
});
