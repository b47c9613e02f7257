/**
 * Plans, tau calibration and run-until-resolved through the real binary on a temporary database:
 * rounds of paired seeds until every verdict is resolved (exit 0) or the run budget stops it
 * (exit 1), all rounds in one sweep that the printed compare command reads whole; a measured tau;
 * and the one-line refusals (unknown plan,
 * a QK-clip plan without tau, duplicate cells, bad budgets) that record nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test-support/run-cli.js';
import { openDatabase } from '../db/open-database.js';
import { listRuns } from '../db/runs-queries.js';
import { listSweeps } from '../db/sweeps-queries.js';
import { runOutcome } from '../sweeps/run-outcome.js';

const dir = mkdtempSync(join(tmpdir(), 'hmpo-cli-plans-'));
const BASE = join(dir, 'base.json');
writeFileSync(BASE, JSON.stringify({ backend: 'wasm', task: 'copy', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, totalSteps: 2 }));
const freshDb = (name: string) => join(dir, `${name}.db`);
const oneLineError = (stderr: string) => stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));

function sweepsIn(db: string) {
  const handle = openDatabase(db);
  try {
    return listSweeps(handle)
      .reverse()
      .map((s) => ({ name: s.name, seeds: [...s.seeds], runs: s.runIds.length }));
  } finally {
    handle.close();
  }
}

describe('hmpo-lab sweep --until-resolved', () => {
  it('adds paired seeds in rounds until every pair is resolved (here: equivalent within a wide margin)', async () => {
    const db = freshDb('resolved');
    const run = await runCli(['--db', db, 'sweep', '--config', BASE, '--objectives', 'grpo,power:1', '--seeds', '2', '--until-resolved', '--budget-runs', '20', '--round-seeds', '1', '--margin', '10', '--alpha', '0.5', '--concurrency', '2', '--name', 'ur']);
    expect(run.code, run.stderr).toBe(0);
    // One pair at alpha 0.5, prior scale 0.707: the interval is whole at 2 seeds and first finite at 3.
    expect(run.stdout.match(/^round \d/gm)).toEqual(['round 1', 'round 2']);
    expect(run.stdout).toMatch(/grpo vs power p=1\s+2\s+\S+\s+\[-∞, ∞\]\s+unresolved/);
    expect(run.stdout).toMatch(/grpo vs power p=1\s+3\s+\S+\s+\[-?\d\.\d+, -?\d\.\d+\]\s+equivalent within margin/);
    expect(run.stderr).toMatch(/stopped after 2 round\(s\) and 6 runs: every pairwise verdict is resolved/);
    // Both rounds are one sweep; the command printed at the end compares all of it.
    expect(sweepsIn(db).map((s) => [s.name, s.seeds, s.runs])).toEqual([['ur', [0, 1, 2], 6]]);
    const printed = /compare all 2 round\(s\) with: hmpo-lab (.+)$/m.exec(run.stderr)?.[1];
    expect(printed).toBe(`--db ${JSON.stringify(db)} compare --sweep 1`);
    const compare = await runCli([...printed!.split(' ').map((arg) => (arg.startsWith('"') ? (JSON.parse(arg) as string) : arg)), '--json']);
    expect(compare.code, compare.stderr).toBe(0);
    const compared = JSON.parse(compare.stdout) as { summary: { label: string; seeds: number }[] };
    expect(compared.summary.map((g) => g.seeds)).toEqual([3, 3]);
    // The printed mean difference is grpo minus power p=1 paired by seed, from the stored rewards.
    const handle = openDatabase(db);
    const rewardOf = (preset: string, seed: number) => {
      const run = listRuns(handle).find((r) => r.config.objective.preset === preset && r.config.seed === seed)!;
      return runOutcome(handle, run.id, 'final-reward');
    };
    const expected = [0, 1, 2].reduce((sum, seed) => sum + rewardOf('grpo', seed) - rewardOf('power', seed), 0) / 3;
    handle.close();
    expect(run.stdout.split('\n').filter((l) => l.startsWith('grpo vs power p=1')).at(-1)).toMatch(new RegExp(`\\s${expected.toFixed(3).replace('.', '\\.')}\\s`));
  });

  it('stops when the next round would exceed --budget-runs, with exit code 1', async () => {
    const db = freshDb('budget');
    const run = await runCli(['--db', db, 'sweep', '--config', BASE, '--objectives', 'grpo,power:1', '--seeds', '2', '--until-resolved', '--budget-runs', '4', '--concurrency', '2']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/round 1 .*\n[\s\S]*unresolved/);
    expect(run.stderr).toMatch(/stopped after 1 round\(s\) and 4 runs: the next round would exceed --budget-runs \(1 pair\(s\) unresolved\)/);
  });

  it.each([
    [['--objectives', 'grpo,hmpo', '--until-resolved'], /--until-resolved needs --budget-runs <n>/],
    [['--objectives', 'grpo,hmpo', '--until-resolved', '--budget-runs', '3'], /the first round alone is 6 runs \(2 cells x 3 seeds\), more than --budget-runs 3/],
    [['--objectives', 'grpo', '--until-resolved', '--budget-runs', '9'], /needs at least two cells/],
    [['--objectives', 'grpo,hmpo', '--until-resolved', '--budget-runs', '9', '--outcome', 'auc'], /--outcome: 'auc' is not one of final-reward/],
    [['--plan', 'nope'], /--plan: 'nope' is not a plan; choose one of methods, mean-ablation, muonclip, seed, stress/],
    [['--plan', 'methods', '--objectives', 'grpo'], /--plan methods sets the axes itself; drop --objectives, --muonclip and --axis, or drop --plan/],
    [['--plan', 'muonclip'], /plan 'muonclip' has QK-clip arms and needs a tau .*calibrate-tau.*or pass --tau auto/],
    [['--objectives', 'hmpo', '--muonclip'], /--muonclip needs a tau/],
    [['--objectives', 'hmpo', '--muonclip', '--tau', '-1'], /--tau must be a number > 0 or 'auto', got '-1'/],
    [['--objectives', 'gspo,hmpo,power:-1'], /cells 'hmpo' and 'power p=-1' train the same configuration/],
  ])('refuses %j in one line, exit 2, recording nothing', async (args, message) => {
    const db = freshDb(`bad-${Math.random().toString(36).slice(2)}`);
    const run = await runCli(['--db', db, 'sweep', '--config', BASE, ...args]);
    expect(run.code, run.stderr).toBe(2);
    expect(oneLineError(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(sweepsIn(db)).toEqual([]);
  });
});

describe('hmpo-lab calibrate-tau', () => {
  it('trains one AdamW run without QK-clip and prints the median of its per-step max QK logits', async () => {
    const db = freshDb('tau');
    const run = await runCli(['--db', db, 'calibrate-tau', '--config', BASE, '--set', 'optimizer.name=muon', '--set', 'qkClip.enabled=true']);
    expect(run.code, run.stderr).toBe(0);
    const tau = Number(run.stdout.trim());
    expect(tau).toBeGreaterThan(0);
    expect(run.stderr).toMatch(new RegExp(`tau ${tau} = quantile 0.5 of the per-step max QK logits of calibration run 1 \\(AdamW, QK-clip off; 2 steps`));
    const handle = openDatabase(db);
    const [calibration] = listRuns(handle);
    handle.close();
    expect([calibration!.config.optimizer.name, calibration!.config.qkClip.enabled]).toEqual(['adamw', false]);
  });

  it('refuses a quantile outside (0, 1)', async () => {
    const run = await runCli(['--db', freshDb('tau-bad'), 'calibrate-tau', '--quantile', '1.5']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--quantile must be a number between 0 and 1 \(exclusive\), got '1.5'/);
  });
});
