/**
 * How a run's end is recorded, with scripted trainer children (real processes speaking the trainer
 * protocol, a real SQLite file): an exit 0 without an outcome is a protocol error (failed, named as
 * such), not a crash; a graceful stop is 'stopped' with no "forced" in it; only a trainer that
 * ignores the stop past the grace period reads "forced"; a trainer that dies after a stop request
 * is a crash, not a stop. Each end also stores the run's outcome-input summary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRunConfig } from '../../src-shared/run-config.js';
import { SqliteRunStore } from '../app/sqlite-run-store.js';
import { openDatabase } from '../db/open-database.js';
import { requireRun } from '../db/runs-queries.js';
import { forkLauncher, type ChildLauncher } from '../trainer/trainer-host.js';
import { RunManager } from './run-manager.js';

const folder = mkdtempSync(join(tmpdir(), 'hmpo-run-end-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A trainer child that says 'ready' and 'started', then behaves as told on 'start' and 'stop'. */
function scriptedTrainer(name: string, onStart: string, onStop: string): ChildLauncher {
  const file = join(folder, `${name}.mjs`);
  writeFileSync(
    file,
    `process.on('message', (m) => {
      if (m.type === 'start') { process.send({ type: 'started', backend: 'wasm', parameterCount: 1 }); ${onStart} }
      if (m.type === 'stop') { ${onStop} }
      if (m.type === 'received') process.disconnect();
    });
    process.send({ type: 'ready' });`,
  );
  return () => forkLauncher({ file, execArgv: [] });
}

const KEEP_ALIVE = 'setInterval(() => {}, 1000);';

async function endOf(launcher: ChildLauncher, stopAfterStart: boolean) {
  const db = openDatabase(join(folder, 'lab.db'));
  const manager = new RunManager({ store: new SqliteRunStore(db, 'test'), launcher, stopGraceMs: 500 });
  const config = validateRunConfig({ totalSteps: 5 });
  if (!config.ok) throw new Error(config.error.message);
  const [runId] = manager.enqueue([{ config: config.value, name: 'scripted' }]);
  if (stopAfterStart) setTimeout(() => manager.stop(runId!), 300);
  const end = await manager.waitForEnd(runId!);
  const record = requireRun(db, Number(runId));
  // The run's outcome-input summary is stored with its end, whatever the end (Compare reads it: issue 11).
  const summarised = db.prepare('SELECT count(*) FROM run_outcome_summaries WHERE run_id = ?').pluck().get(Number(runId));
  manager.dispose();
  db.close();
  return { end: end && { status: end.status, reason: end.reason }, stored: { status: record.status, error: record.error }, summarised };
}

describe('recording how a run ended', () => {
  it('an exit 0 without an outcome is a protocol error (failed), not a crash', async () => {
    const { end, stored, summarised } = await endOf(scriptedTrainer('exit0', 'process.exit(0);', ''), false);
    const reason = 'protocol error: the trainer process exited normally (code 0) without reporting an outcome';
    expect(end).toEqual({ status: 'failed', reason });
    expect(stored).toEqual({ status: 'failed', error: reason });
    expect(summarised).toBe(1);
  });

  it('a graceful stop is stopped with no "forced" in it', async () => {
    const { end, summarised } = await endOf(scriptedTrainer('graceful', KEEP_ALIVE, "process.send({ type: 'done', outcome: { status: 'stopped', steps: 0 } }, () => process.exit(0));"), true);
    expect(end).toEqual({ status: 'stopped', reason: null });
    expect(summarised).toBe(1);
  });

  it('a trainer that ignores the stop is ended after the grace period, and only then reads "forced"', async () => {
    const { end } = await endOf(scriptedTrainer('deaf', KEEP_ALIVE, ''), true);
    expect(end).toEqual({ status: 'stopped', reason: 'stopped by the user (forced: the trainer did not stop within 1 s)' });
  });

  it('a trainer that dies on its own after a stop request is a crash, not a forced stop', async () => {
    const { end, summarised } = await endOf(scriptedTrainer('dies', KEEP_ALIVE, 'process.exit(3);'), true);
    expect(end).toEqual({ status: 'crashed', reason: 'the trainer process died (exit code 3)' });
    expect(summarised).toBe(1);
  });
});
