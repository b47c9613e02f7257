/**
 * The CLI's stop and wait through the contract (run-control.ts) on a real app: real SQLite file,
 * real trainer processes. A stop with `now` ends the trainer at once; the wait resolves from the
 * contract's events for a run that ends, one that had already ended, and a queued run another
 * process deleted before it started (the run manager announces it; the wait used to hang on that).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../src-shared/run-config.js';
import { createApp } from '../app/create-app.js';
import { stopRun, untilRunEnds } from './run-control.js';

const TINY: RunConfigInput = { backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, totalSteps: 5000 };
const freshDb = () => join(mkdtempSync(join(tmpdir(), 'hmpo-run-control-')), 'lab.db');

describe('stopRun and untilRunEnds', () => {
  it('stopRun(now) ends a training run at once, and the wait hears it ended as stopped', async () => {
    let firstStep!: () => void;
    const stepped = new Promise<void>((resolve) => (firstStep = resolve));
    const app = createApp({ databasePath: freshDb(), mode: 'cli', concurrency: 1, onStep: () => firstStep() });
    try {
      const [runId] = (await app.handlers['runs:start']({ config: TINY, seeds: [0] })).runIds;
      const ended = untilRunEnds(app, runId!);
      await stepped;
      await stopRun(app, runId!, true);
      const summary = await ended;
      expect(summary).toMatchObject({ id: runId, status: 'stopped', reason: 'stopped by the user (ended at once)' });
      expect(summary!.stepsDone).toBeLessThan(5000);
      // Already ended: resolves at once from runs:get; stopping it again is not an error.
      await expect(untilRunEnds(app, runId!)).resolves.toMatchObject({ id: runId, status: 'stopped' });
      await expect(stopRun(app, runId!)).resolves.toBeUndefined();
      await expect(untilRunEnds(app, '999')).resolves.toBeNull();
    } finally {
      await app.close();
    }
  }, 60_000);

  it('a queued run another process deletes before it starts: the wait resolves with null', async () => {
    const path = freshDb();
    let firstStep!: () => void;
    const stepped = new Promise<void>((resolve) => (firstStep = resolve));
    const app = createApp({ databasePath: path, mode: 'cli', concurrency: 1, onStep: () => firstStep() });
    try {
      const [first, queued] = (await app.handlers['runs:start']({ config: TINY, seeds: [0, 1] })).runIds;
      const endOfQueued = untilRunEnds(app, queued!);
      await stepped;
      const other = new BetterSqlite3(path); // another process's connection: deletes the queued run behind this app's back
      other.prepare('DELETE FROM runs WHERE id = ?').run(Number(queued));
      other.close();
      await stopRun(app, first!, true); // frees the slot: the manager finds the queued run gone
      await expect(endOfQueued).resolves.toBeNull();
    } finally {
      await app.close();
    }
  }, 60_000);
});
