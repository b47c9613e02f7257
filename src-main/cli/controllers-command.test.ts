/**
 * `hmpo-lab controllers` through the real binary on a real export: a short controlled run is
 * trained into a temporary database, exported in the AGM format, and replayed; the replay prints
 * one decision per telemetry line, and its convergence rates are the ones the trainer's own
 * controller computed in the loop (so the export carries what the closed loop saw). Bad input of
 * (a file, a line, the base) is one line, exit code 2 and no output.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { agmExportViolations } from '../../test-support/agm-rules.js';
import { runCli } from '../../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hmpo-cli-controllers-'));
const db = join(dir, 'lab.db');
const out = join(dir, 'export');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const STEPS = 12;
const CONFIG = file('run.json', JSON.stringify({ backend: 'wasm', model: { dModel: 16, nLayers: 1, nHeads: 2 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, objective: { preset: 'hmpo' }, controller: { learningRate: true, clipEpsilon: true, powerP: true, dwellSteps: 2, minRelativeChange: 0 } }));
const DECISION_KEYS = ['step', 'convergence_rate', 'phase', 'phase_config', 'hyperparams', 'hierarchical', 'early_stop', 'uncertainty', 'toggles', 'guardrails'];
let telemetryPath = '';
let telemetry: { step: number; hmpo: Record<string, number>; ext: { hyperparams: Record<string, number> } }[] = [];

describe('hmpo-lab controllers replays a real export', () => {
  beforeAll(async () => {
    const run = await runCli(['--db', db, 'run', '--config', CONFIG, '--steps', String(STEPS), '--seed', '2']);
    expect(run.code, run.stderr).toBe(0);
    const exported = await runCli(['--db', db, 'export', '1', '--format', 'agm', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(agmExportViolations(out)).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { runs: { directory: string }[] };
    telemetryPath = join(out, manifest.runs[0]!.directory, 'telemetry.jsonl');
    telemetry = readFileSync(telemetryPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as (typeof telemetry)[number]);
  }, 120_000);

  it('prints one decision per line, shaped like the Python suite\'s, with the loop\'s convergence rates', async () => {
    const replay = await runCli(['controllers', '--input', telemetryPath]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toBe('');
    const decisions = replay.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(decisions).toHaveLength(STEPS);
    decisions.forEach((d, i) => {
      expect(Object.keys(d)).toEqual(DECISION_KEYS);
      expect(d.step).toBe(telemetry[i]!.step);
      expect(d.convergence_rate).toBe(telemetry[i]!.hmpo['control/convergence_rate']);
    });
    // The run's own control events are in the export too: p moved off hmpo's -1 at step 0.
    expect(telemetry[1]!.hmpo['objective/p']).toBeCloseTo(0.6, 6);
    expect(telemetry[1]!.hmpo['control/eps_multiplier']).toBeCloseTo(0.8, 12);
    // ext.hyperparams carries what was in force: hmpo's token clip 0.4 x 0.8, the lr of the step.
    expect(telemetry[0]!.ext.hyperparams.epsilon).toBe(0.4);
    expect(telemetry[1]!.ext.hyperparams.epsilon).toBeCloseTo(0.32, 12);
    for (const t of telemetry) expect(t.ext.hyperparams.learning_rate).toBe(t.hmpo['optim/learning_rate']);
  });

  it('replays with the run\'s own settings (its run.json beside the input): the decisions are the ones the run acted on', async () => {
    const replay = await runCli(['controllers', '--input', telemetryPath]);
    expect(replay.code, replay.stderr).toBe(0);
    const decisions = replay.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { hyperparams: Record<string, number>; guardrails: { dwell_steps: number } });
    const own = (JSON.parse(readFileSync(join(dirname(telemetryPath), 'run.json'), 'utf8')) as { hyperparams: Record<string, number> }).hyperparams;
    const bounded = (x: number) => Math.min(2, Math.max(1 / 2, x));
    decisions.forEach((d, i) => {
      expect(d.guardrails.dwell_steps).toBe(2);
      const next = telemetry[i + 1]?.hmpo;
      if (next === undefined) return;
      // minRelativeChange 0: each decision's suggestion over the run's own value is the multiplier in force at the next step.
      expect(next['control/lr_multiplier']).toBeCloseTo(bounded(d.hyperparams.learning_rate! / own.learning_rate!), 12);
      expect(next['control/eps_multiplier']).toBeCloseTo(bounded(d.hyperparams.epsilon! / own.epsilon!), 12);
    });
  });

  it('--base-hparams sets what the suggestions scale; stdin works', async () => {
    const base = file('base.json', JSON.stringify({ learning_rate: 0.003, epsilon: 0.4 }));
    const replay = await runCli(['controllers', '-i', '-', '--base-hparams', base], readFileSync(telemetryPath, 'utf8'));
    expect(replay.code, replay.stderr).toBe(0);
    const first = JSON.parse(replay.stdout.split('\n')[0]!) as { hyperparams: Record<string, number> };
    // Step 0: one history value, so the convergence speed is the neutral 0.5 (lr unchanged); the
    // spread is below 0.05, so epsilon is 0.8 x the base.
    expect(first.hyperparams.learning_rate).toBe(0.003);
    expect(first.hyperparams.epsilon).toBeCloseTo(0.32, 15);
  });

  const lines = () => readFileSync(telemetryPath, 'utf8').trimEnd().split('\n');
  it.each<[string, () => string[], RegExp]>([
    ['missing file', () => ['-i', join(dir, 'absent.jsonl')], /cannot read input file .*absent\.jsonl.*no such file/],
    ['a bad line (each kind is covered in replay.test.ts)', () => ['-i', file('order.jsonl', `${lines()[1]}\n${lines()[0]}\n`)], /order\.jsonl: line 2: step 0 does not follow step 1/],
    ['a run.json without a config', () => ['-i', telemetryPath, '--run', file('bad-run.json', '{"run_id": "1"}')], /bad-run\.json: has no "config"/],
    ['bad base hyperparameters', () => ['-i', telemetryPath, '--base-hparams', file('bad-base.json', '{"learning_rate": 0, "batch": 3}')], /--base-hparams .*learning_rate: must be > 0.*batch: unknown key/],
  ])('%s: one line, exit code 2, no output', async (_name, args, message) => {
    const run = await runCli(['controllers', ...args()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
