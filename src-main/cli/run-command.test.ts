/**
 * `hmpo-lab run` through the real binary: --json prints one valid JSON object per optimizer step and
 * nothing else on stdout; Ctrl-C stops the run after its current step; bad configs get the
 * validator's message and exit code 2.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_KEYS } from '../../src-shared/metrics.js';
import { CLI, runCli } from '../../test-support/run-cli.js';

const TINY = ['--set', 'model.dModel=16', '--set', 'promptsPerRollout=2', '--set', 'groupSize=4', '--set', 'minibatchesPerRollout=2', '--set', 'evalPrompts=4', '--set', 'backend=wasm'];

describe('hmpo-lab run', () => {
  it('--json: one JSON object per optimizer step, glossary keys and step, nothing else on stdout', async () => {
    const run = await runCli(['run', '--json', '--steps', '6', '--objective', 'hmpo', '--task', 'copy', '--seed', '3', ...TINY]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    lines.forEach((line, i) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record.step).toBe(i);
      expect(typeof record['charts/reward_mean']).toBe('number');
      for (const key of Object.keys(record)) if (key !== 'step') expect(METRIC_KEYS).toContain(key);
    });
    expect(run.stderr).toMatch(/finished after 6 steps/);
  });

  it('Ctrl-C stops the run after the current step (runs:stop) and reports it stopped, exit 0', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'hmpo-run-sigint-')), 'lab.db');
    const child = spawn(process.execPath, [CLI, '--db', db, 'run', '--json', '--steps', '5000', ...TINY], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve())); // a first step is stored
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopping after the current step/);
    expect(stderr).toMatch(/hmpo-lab run: run 1 stopped after \d+ steps/);
    const show = await runCli(['--db', db, 'show', '1', '--json']);
    expect((JSON.parse(show.stdout) as { summary: { status: string; stepsDone: number } }).summary).toMatchObject({ status: 'stopped' });
  });

  it('reads a config file and lets flags and --set override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmpo-run-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ objective: { preset: 'gmpo' }, totalSteps: 50, seed: 1 }));
    const run = await runCli(['run', '--config', file, '--json', '--steps', '2', ...TINY]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it.each([
    [['--set', 'model.dModel=30'], /invalid config: model\.dModel: dModel 30 is not divisible by nHeads 4/],
    [['--set', 'optimizer.lerningRate=0.1'], /optimizer\.lerningRate: unknown key; did you mean 'learningRate'/],
    [['--set', 'seed'], /--set 'seed': expected key=value/],
    [['--steps', 'ten'], /option '-n, --steps <n>' argument 'ten' is invalid\. it must be a whole number/],
    [['--config', '/does/not/exist.json'], /cannot read input file '\/does\/not\/exist\.json': no such file/],
  ])('refuses %j with a one-line message and exit code 2', async (args, message) => {
    const run = await runCli(['run', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    // One line naming the problem (commander adds its "(run with --help for usage)" hint to usage errors).
    expect(run.stderr.trim().split('\n').filter((line) => !line.startsWith('(run with --help'))).toHaveLength(1);
  });

  it('an unknown --objective is refused by commander with the choices', async () => {
    const run = await runCli(['run', '--objective', 'hmp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Allowed choices are grpo, gspo, gmpo, hmpo, amp, power, learnable, agm/);
  });
});
