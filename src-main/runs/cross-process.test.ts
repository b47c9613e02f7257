/**
 * Runs of another process (issue 9): a `hmpo-lab sweep` owns three queued runs; while the first
 * trains, a second app on the same database asks to stop the second run and deletes the third. The
 * stop acts before the run starts (it never trains), the deletion is handled by the owner (the run
 * simply does not start: no unhandled rejection, no crash) and the sweep exits 0. Real CLI process,
 * real SQLite file.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabasePath, readStore, startCli, waitFor } from '../../test-support/fault-harness.js';
import { createApp } from '../app/create-app.js';
import { openDatabase } from '../db/open-database.js';
import { reconcileOrphanedRuns } from '../db/run-control-queries.js';
import { isProcessAlive } from './process-alive.js';

const TINY = ['--set', 'model.dModel=16', '--set', 'promptsPerRollout=2', '--set', 'groupSize=4', '--set', 'minibatchesPerRollout=2', '--set', 'evalPrompts=4', '--set', 'backend=wasm'];

const path = freshDatabasePath('cross');
afterAll(() => rmSync(dirname(path), { recursive: true, force: true }));

describe('queued runs owned by another process', () => {
  it('a stop request acts before the run starts; a deletion makes the owner skip it without crashing', async () => {
    const sweep = startCli(path, ['sweep', '--objectives', 'grpo', '--seeds', '3', '--concurrency', '1', '--set', 'totalSteps=30', ...TINY]);
    await waitFor(() => readStore(path).runs[0]?.status === 'running', 60_000, 'the first run to start');
    const other = createApp({ databasePath: path, mode: 'cli' });
    const [first, second, third] = readStore(path).runs.map((r) => String(r.id));
    expect(readStore(path).runs.map((r) => r.status)).toEqual(['running', 'queued', 'queued']);
    await other.handlers['runs:stop']({ runId: second! });
    await other.handlers['runs:delete']({ runIds: [third!] });
    const code = await sweep.closed;
    await other.close();

    const runs = readStore(path).runs;
    expect(runs.map((r) => [String(r.id), r.status])).toEqual([[first, 'finished'], [second, 'stopped']]);
    expect(runs[1]).toMatchObject({ startedAt: null, steps: 0, error: 'stopped before it started' });
    expect(sweep.stderr).not.toMatch(/Unhandled|Error|at .*\.js:\d+/);
    expect(sweep.stderr).toMatch(/ended: 1 finished, 1 stopped, 1 deleted/);
    expect(code).toBe(0);
  }, 120_000);

  it('an owner another process took for dead while it was suspended stops training and reports the crash that stands, exit 1', async () => {
    const path2 = freshDatabasePath('suspended');
    const run = startCli(path2, ['run', '--steps', '3000', ...TINY]);
    await waitFor(() => readStore(path2).runs[0]?.status === 'running' && readStore(path2).runs[0]!.steps > 0, 60_000, 'the run to train');
    run.child.kill('SIGSTOP'); // as a laptop lid closing: no heartbeats
    const other = openDatabase(path2);
    const { crashed } = reconcileOrphanedRuns(other, { isAlive: isProcessAlive, now: Date.now() + 60_000 }); // another process, a minute later
    other.close();
    run.child.kill('SIGCONT');
    const code = await run.closed;
    const stored = readStore(path2).runs[0]!;
    rmSync(dirname(path2), { recursive: true, force: true });
    expect(crashed).toEqual([1]);
    expect(stored.status).toBe('crashed');
    expect(stored.steps).toBeLessThan(3000); // it stopped instead of training on under a crashed record
    expect(run.stderr).toMatch(/run 1 crashed: the process that trained this run \(pid \d+\) sent no heartbeat for \d+ s/);
    expect(code).toBe(1);
  }, 120_000);
});
