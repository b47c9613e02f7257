/**
 * The store-backed commands through the real binary on a temporary database: a paired sweep, ls,
 * show, compare (with its verdicts, JSON shape and outcomes CSV), export (AGM rules hold), rm, db check; and the bad inputs the issue names (unknown
 * run ids, an unwritable or non-empty output folder, a corrupt or foreign database file), each a
 * one-line error with no data changed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, loadMigrations } from '../db/migrate.js';
import { agmExportViolations } from '../../test-support/agm-rules.js';
import { CLI, runCli } from '../../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hmpo-cli-store-'));
const db = join(dir, 'lab.db');
const withDb = (...args: string[]) => runCli(['--db', db, ...args]);
const BASE = join(dir, 'base.json');
writeFileSync(BASE, JSON.stringify({ backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, totalSteps: 6 }));

const oneLineError = (stderr: string) => stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));

describe('store-backed commands', () => {
  beforeAll(async () => {
    const sweep = await withDb('sweep', '--config', BASE, '--objectives', 'gspo,hmpo', '--seeds', '2', '--concurrency', '2');
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toMatch(/sweep 1 with 4 runs \(2 seeds per cell\)/);
    expect(sweep.stderr).toMatch(/ended: 4 finished/);
  }, 120_000);

  it('ls lists every run with status and progress', async () => {
    const ls = await withDb('ls', '--json');
    const runs = JSON.parse(ls.stdout) as { id: string; status: string; preset: string; seed: number; stepsDone: number }[];
    expect(runs.map((r) => [r.preset, r.seed, r.status, r.stepsDone]).sort()).toEqual([
      ['gspo', 0, 'finished', 6],
      ['gspo', 1, 'finished', 6],
      ['hmpo', 0, 'finished', 6],
      ['hmpo', 1, 'finished', 6],
    ]);
    const table = await withDb('ls', '--objective', 'hmpo');
    expect(table.stdout.trim().split('\n')).toHaveLength(4); // header, rule, 2 runs
  });

  it('sweeps lists the sweep by the label the UI uses, and rename changes it', async () => {
    expect((await withDb('sweeps')).stdout).toMatch(/^\s*1\s+sweep 1\s+objective x 2 seeds\s+4 /m);
    const renamed = await withDb('sweeps', 'rename', '1', 'mean types');
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout.trim()).toBe('sweep 1 · mean types');
    expect((await withDb('sweeps')).stdout).toMatch(/sweep 1 · mean types/);
    const missing = await withDb('sweeps', 'rename', '9', 'x');
    expect(missing.code).not.toBe(0);
    expect(oneLineError(missing.stderr)).toEqual([expect.stringMatching(/no sweep with id 9/)]);
  });

  it('show prints a run with its config and events', async () => {
    const show = await withDb('show', '1');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^run 1: /);
    expect(show.stdout).toMatch(/"preset": "gspo"/);
    expect(show.stdout).toMatch(/running -> finished/);
  });

  it('compare prints one row per mean type with seeds aggregated', async () => {
    const compare = await withDb('compare', '--sweep', '1');
    expect(compare.code, compare.stderr).toBe(0);
    const rows = compare.stdout.split('\n').filter((l) => /^(gspo|hmpo) /.test(l));
    expect(rows).toHaveLength(2);
    // The t interval at 2 seeds is wide (mean +- 12.7 SE) and may reach below 0.
    for (const row of rows) expect(row).toMatch(/^\w+\s+2\s+[\d.]+ \[-?[\d.]+, [\d.]+\]/);
  });

  it('compare prints a verdict line per outcome for the pair, paired by seed', async () => {
    const compare = await withDb('compare', '--sweep', '1');
    expect(compare.stdout).toMatch(/^ {2}gspo - hmpo, final reward: [-+]?[\d.e-]+ \[[-\d.e]+, [-\d.e]+\], paired n=2, .*p_Holm [=<] [\d.]+ — (not resolved|no difference)/m);
    expect(compare.stdout).toMatch(/^. gspo - hmpo, log-ratio variance: .*paired n=2/m);
    expect(compare.stdout).toMatch(/Verdicts, stability \(ratio statistics over off-policy steps only\):/);
  });

  it('compare --json carries the verdicts in the documented shape, recomputable from the per-run outcomes, and --outcomes-csv writes them', async () => {
    const csv = join(dir, 'outcomes.csv');
    const run = await withDb('compare', '--sweep', '1', '--json', '--outcomes-csv', csv);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { verdicts: Record<string, unknown>[]; outcomes: { label: string; seed: number; values: Record<string, number | null> }[] };
    const final = result.verdicts.find((v) => v['outcome'] === 'finalReward')!;
    expect(Object.keys(final).sort()).toEqual(['a', 'b', 'ci', 'effectSize', 'estimate', 'method', 'n', 'outcome', 'p', 'pAdjusted', 'paired', 'resolved', 'seedsToResolve']);
    expect(final).toMatchObject({ a: 'gspo', b: 'hmpo', n: 2, paired: true });
    const value = (label: string, seed: number) => result.outcomes.find((o) => o.label === label && o.seed === seed)!.values['finalReward']!;
    expect(final['estimate']).toBeCloseTo((value('gspo', 0) - value('hmpo', 0) + value('gspo', 1) - value('hmpo', 1)) / 2, 12);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^run_id,arm,group_key,seed,target,solved,off_policy_steps,finalReward,evalReward,auc,stepsToTarget,/);
    expect(lines).toHaveLength(5);
  });

  it('compare --json into a reader that closes early (| head) ends quietly, without an EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [CLI, '--db', db, 'compare', '--sweep', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy(); // the reader left before the first write (as `| head -c 0`), so the write is sure to meet EPIPE
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|at .*\(node:/);
    expect(code).toBe(0);
  });

  it('export --sweep writes an AGM export that meets every rule', async () => {
    const out = join(dir, 'agm-out');
    const run = await withDb('export', '--sweep', '1', '--format', 'agm', '--out', out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(out);
    expect(agmExportViolations(out)).toEqual([]);
    expect((JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { runs: unknown[] }).runs).toHaveLength(4);
  });

  it('rm deletes ended runs', async () => {
    expect((await withDb('rm', '4')).stdout).toMatch(/deleted 1 run\(s\): 4/);
    expect((await withDb('show', '4')).code).toBe(2);
  });

  it('db check reports schema and integrity', async () => {
    const check = await withDb('db', 'check');
    expect(check.code).toBe(0);
    const latest = latestVersion(loadMigrations());
    expect(check.stdout).toMatch(new RegExp(`schema\\s+version ${latest} \\(this app knows up to ${latest}\\)`));
    expect(check.stdout).toMatch(/integrity\s+ok/);
  });

  it.each([
    [['show', '99'], /no run with id '99'/],
    [['stop', 'abc'], /no run with id 'abc'/],
    [['stop', '1'], /run 1 is finished; only queued or running runs can be stopped/],
    [['compare', '42'], /no run with id '42'/],
    [['compare', '--sweep', '9'], /no sweep with id '9'/],
    [['compare', '--sweep', '1', '--final-window', '2'], /--final-window must be a fraction in \(0, 1\], got '2'/],
    [['export', '1', '--out', join(BASE, 'x')], /cannot create the folder .*base\.json\/x: .*base\.json is a file, not a folder/],
    [['export'], /name the runs to export/],
    [['sweep', '--config', BASE], /a sweep needs at least one axis/],
    [['sweep', '--objectives', 'gspo,hmp'], /--objectives: 'hmp' is not one of grpo/],
  ])('%j is refused with one line and exit code 2', async (args, message) => {
    const run = await withDb(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(oneLineError(run.stderr)).toHaveLength(1);
  });

  it('refuses a non-empty or unwritable output folder', async () => {
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    expect((await withDb('export', '1', '--out', full)).stderr).toMatch(/is not empty; choose a new folder/);
    expect(readFileSync(join(full, 'keep.txt'), 'utf8')).toBe('mine');
    // root may write into a read-only folder, so this half only means something for other users.
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      expect((await withDb('export', '1', '--out', join(locked, 'x'))).stderr).toMatch(/cannot create the folder .*locked.x: no permission to create/);
    }
  });

  it.each([
    ['a text file', 'these are my notes, not a database\n'],
    ['a damaged database', `SQLite format 3\0${'x'.repeat(200)}`],
  ])('refuses %s as --db and leaves it byte for byte as it was', async (_name, content) => {
    const file = join(dir, `foreign-${content.length}.db`);
    writeFileSync(file, content);
    const run = await runCli(['--db', file, 'ls']);
    expect(run.code).toBe(2);
    expect(oneLineError(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/hmpo-lab ls: .*(not an SQLite database|damaged|not a database)/i);
    expect(readFileSync(file, 'latin1')).toBe(content);
  });
});
