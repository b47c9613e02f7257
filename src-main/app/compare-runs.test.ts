/**
 * compareRuns on synthetic runs: grouping by config-minus-seed with one shared grid, labels and
 * MuonClip flags, bands that stop where fewer than 2 seeds contribute, identical seeds giving a zero
 * band, the reward summary with unsolved seeds counted, survival curves and the config diff, and
 * the per-run outcomes and pairwise verdicts (paired by seed, recomputable from the outcomes).
 */
import { describe, expect, it } from 'vitest';
import type { CompareRequest, RunSummary } from '../../src-shared/contract.js';
import { validateRunConfig, type RunConfig, type RunConfigInput } from '../../src-shared/run-config.js';
import { compareRuns, type CompareInput } from './compare-runs.js';

function config(input: RunConfigInput): RunConfig {
  const result = validateRunConfig(input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function run(id: string, groupKey: string, cfg: RunConfig, rewards: number[]): CompareInput {
  const steps = rewards.map((_, i) => i);
  const summary = { id, groupKey, name: id, status: 'finished', seed: cfg.seed, preset: cfg.objective.preset, task: cfg.task } as unknown as RunSummary;
  return { summary, config: cfg, x: steps, y: rewards, rewardSteps: steps, rewards, extras: { nonFiniteEvents: 1, qkClipStepFraction: 0.5, meanAbsA0H0Gap: 0.01 } };
}

const request: CompareRequest = { runIds: [], key: 'charts/reward_mean', x: 'step', gridPoints: 11, smoothing: 0, band: 'std', target: 0.9 };
const ramp = (end: number, n = 11) => Array.from({ length: n }, (_, i) => (end * i) / (n - 1));

describe('compareRuns', () => {
  const hmpo = (seed: number) => config({ objective: { preset: 'hmpo' }, seed });
  const gspoClip = (seed: number) => config({ objective: { preset: 'gspo' }, optimizer: { name: 'muon' }, qkClip: { enabled: true }, seed });
  const inputs = [
    run('h0', 'H', hmpo(0), ramp(1)),
    run('h1', 'H', hmpo(1), ramp(1)),
    run('h2', 'H', hmpo(2), ramp(0.5, 6)), // stopped early at 0.5: only the first half, never at target
    run('g0', 'G', gspoClip(0), ramp(0.5)),
    run('g1', 'G', gspoClip(1), ramp(0.5)),
    run('g2', 'G', gspoClip(2), ramp(1)),
  ];
  const result = compareRuns(inputs, request);

  it('groups by config minus seed on one shared grid, with labels and MuonClip flags', () => {
    expect(result.groups.map((g) => [g.groupKey, g.label, g.qkClip, g.runIds.length])).toEqual([
      ['H', 'hmpo', false, 3],
      ['G', 'gspo · MuonClip', true, 3],
    ]);
    expect(result.groups[0]!.x).toEqual(result.groups[1]!.x);
    expect(result.groups[0]!.x).toHaveLength(11);
  });

  it('labels groups that share a mean type by what tells them apart, the same in curves, summary and survival', () => {
    const short = config({ objective: { preset: 'hmpo' }, totalSteps: 150, seed: 0 });
    const long = config({ objective: { preset: 'hmpo' }, totalSteps: 300, seed: 0 });
    const both = compareRuns([run('s', 'S', short, ramp(1)), run('l', 'L', long, ramp(1))], request);
    const expected = ['hmpo · totalSteps=150', 'hmpo · totalSteps=300'];
    expect(both.groups.map((g) => g.label)).toEqual(expected);
    expect(both.summary.map((g) => g.label)).toEqual(expected);
    expect(both.survival.map((g) => g.label)).toEqual(expected);
    expect(both.groups[1]!.configText).toMatch(/^totalSteps: 300$/m);
  });

  it('labels a controlled arm by its controllers, apart from the same arm fixed (no hash suffix)', () => {
    const controlled = config({ objective: { preset: 'hmpo' }, controller: { learningRate: true, clipEpsilon: true } });
    const phaseP = config({ objective: { preset: 'power', p: 0.6 }, controller: { powerP: true } });
    const fixedP = config({ objective: { preset: 'power', p: 0.6 } });
    const labelled = compareRuns([run('a', 'A', hmpo(0), ramp(1)), run('b', 'B', controlled, ramp(1)), run('c', 'C', fixedP, ramp(1)), run('d', 'D', phaseP, ramp(1))], request);
    expect(labelled.groups.map((g) => g.label)).toEqual(['hmpo', 'hmpo · lr/clip controller', 'power p=0.6', 'power p=0.6 · p controller']);
  });

  it('identical seeds give a zero-width band; it widens where seeds differ', () => {
    const h = result.groups[0]!;
    expect(h.n.slice(0, 6)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(h.n.slice(6)).toEqual([2, 2, 2, 2, 2]);
    expect(h.upper[8]! - h.lower[8]!).toBeCloseTo(0, 12); // two identical seeds left
    const g = result.groups[1]!;
    expect(g.upper[10]! - g.lower[10]!).toBeGreaterThan(0.1);
  });

  it('summarises reward per group, counting unsolved seeds', () => {
    const [h, g] = result.summary;
    expect(h!.seeds).toBe(3);
    expect(h!.stepsToTarget.unsolved).toBe(1); // the short seed peaked at 0.5
    expect(h!.stepsToTarget.median).toBe(9); // first step >= 0.9 on the full ramps
    expect(g!.stepsToTarget.unsolved).toBe(2);
    expect(g!.stepsToTarget.median).toBeNull(); // most seeds never got there
    // Final reward is the mean of each run's last 10% of steps (2 of 11 points), not the last rollout.
    expect(g!.finalReward!.mean).toBeCloseTo((0.475 + 0.475 + 0.95) / 3, 12);
    expect(h!.qkClipStepFraction).toBe(0.5);
    expect(result.survival.map((s) => s.fractionUnsolved.at(-1))).toEqual([1 / 3, 2 / 3]);
  });

  it('states its rules in the legend and diffs only the keys that differ', () => {
    expect(result.legend).toMatch(/no smoothing; linear interpolation on a shared grid of 11 points, no extrapolation; band: .*n ≥ 2/);
    const paths = result.configDiff.map((d) => d.path);
    expect(paths).toContain('seed');
    expect(paths).toContain('objective.preset');
    expect(paths).toContain('qkClip.enabled');
    expect(paths).not.toContain('task');
  });

  it('names the runs of the diff columns, in the order of their values, whatever order they were asked in', () => {
    const lowId = config({ objective: { preset: 'gspo' }, seed: 0 });
    const highId = config({ objective: { preset: 'hmpo' }, seed: 1 });
    const untrained = run('5', 'U', config({ seed: 2 }), []);
    const asked = compareRuns([run('12', 'H', highId, ramp(1)), untrained, run('3', 'G', lowId, ramp(1))], request);
    expect(asked.configDiffRunIds).toEqual(['3', '12']);
    const preset = asked.configDiff.find((d) => d.path === 'objective.preset')!;
    expect(preset.values).toEqual(['gspo', 'hmpo']);
  });

  it('without the summary (panels), returns the same curves and skips summary, survival and diff', () => {
    const light = compareRuns(inputs, { ...request, withSummary: false });
    expect(light.groups).toEqual(result.groups);
    expect(light.summary).toEqual([]);
    expect(light.survival).toEqual([]);
    expect(light.configDiff).toEqual([]);
  });

  it('without seeds (panels), returns the same means and bands and no single-seed curves', () => {
    const light = compareRuns(inputs, { ...request, withSummary: false, withSeeds: false });
    expect(result.groups.every((g) => g.seeds.length > 0)).toBe(true);
    expect(light.groups.map((g) => g.seeds)).toEqual(result.groups.map(() => []));
    expect(light.groups.map(({ seeds: _seeds, ...rest }) => rest)).toEqual(result.groups.map(({ seeds: _seeds, ...rest }) => rest));
  });

  it('reports each run\'s outcomes and a paired verdict per outcome that recomputes from them', () => {
    expect(result.outcomes.map((o) => [o.runId, o.label, o.seed, o.target])).toEqual([
      ['h0', 'hmpo', 0, 0.9],
      ['h1', 'hmpo', 1, 0.9],
      ['h2', 'hmpo', 2, 0.9],
      ['g0', 'gspo · MuonClip', 0, 0.9],
      ['g1', 'gspo · MuonClip', 1, 0.9],
      ['g2', 'gspo · MuonClip', 2, 0.9],
    ]);
    const final = result.verdicts.find((v) => v.outcome === 'finalReward')!;
    expect(final).toMatchObject({ a: 'hmpo', b: 'gspo · MuonClip', paired: true, n: 3 });
    const value = (id: string) => result.outcomes.find((o) => o.runId === id)!.values.finalReward!;
    const diffs = [0, 1, 2].map((s) => value(`h${s}`) - value(`g${s}`));
    expect(final.estimate).toBeCloseTo((diffs[0]! + diffs[1]! + diffs[2]!) / 3, 12);
    // One verdict per outcome for the single pair; the stability outcomes have no series here: no values.
    expect(result.verdicts).toHaveLength(17);
    expect(result.verdicts.find((v) => v.outcome === 'ess')).toMatchObject({ estimate: null, p: null, resolved: false });
  });

  it('defaults the target to a reachable one (90% of the task optimum), not the optimum', () => {
    const byDefault = compareRuns(inputs, { ...request, target: null });
    expect(byDefault.outcomes.every((o) => o.target === 0.9)).toBe(true);
    expect(byDefault.summary[0]!.stepsToTarget.unsolved).toBe(1);
  });

  it('honours the final window and computes no outcomes or verdicts for curve-only panels', () => {
    const whole = compareRuns(inputs, { ...request, finalWindow: 1 });
    expect(whole.outcomes[0]!.values.finalReward).toBeCloseTo(0.5, 12); // the mean of ramp(1) over all 11 points
    const light = compareRuns(inputs, { ...request, withSummary: false });
    expect(light.outcomes).toEqual([]);
    expect(light.verdicts).toEqual([]);
  });

  it('states every pair the same way round whatever order the runs are listed in, and leaves out runs that never recorded a step', () => {
    const a = (id: string, seed: number, end: number) => run(id, 'A', config({ objective: { preset: 'gmpo' }, seed }), ramp(end));
    const b = (id: string, seed: number, end: number) => run(id, 'B', config({ objective: { preset: 'hmpo' }, seed }), ramp(end));
    const runs = [a('1', 0, 1), a('2', 1, 0.9), a('3', 2, 0.8), b('4', 0, 0.5), b('5', 1, 0.4), b('6', 2, 0.6)];
    const neverStarted = { ...b('7', 3, 1), x: [], y: [], rewardSteps: [], rewards: [] };
    const forward = compareRuns([...runs, neverStarted], request);
    const backward = compareRuns([neverStarted, ...runs].reverse(), request);
    const pair = (r: typeof forward) => r.verdicts.filter((v) => v.outcome === 'finalReward').map((v) => [v.a, v.b, v.estimate]);
    expect(pair(backward)).toEqual(pair(forward));
    expect(pair(forward)[0]!.slice(0, 2)).toEqual(['gmpo', 'hmpo']);
    expect(forward.summary.map((row) => row.seeds)).toEqual([3, 3]);
  });
});
