/**
 * runs:delete on a real SQLite file: a run another live process is training is refused before
 * anything is deleted, so a mixed selection never leaves the UI with rows deleted behind its back
 * (the handler used to delete the runs before the running one, then fail without announcing them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setRunOwner } from '../db/run-control-queries.js';
import { getRun, markRunEnded, markRunStarted, recordHeartbeat } from '../db/runs-queries.js';
import { addRun, openTestDatabase } from '../db/test-fixtures.js';
import { createApp } from './create-app.js';

describe('runs:delete', () => {
  it('refuses a selection holding a run another process trains, deleting none of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmpo-delete-'));
    const seed = openTestDatabase(dir, 'lab.db');
    const ended = addRun(seed);
    markRunStarted(seed, ended, { pid: process.pid });
    markRunEnded(seed, ended, { status: 'finished' });
    const elsewhere = addRun(seed);
    markRunStarted(seed, elsewhere, { pid: process.pid });
    setRunOwner(seed, elsewhere, process.pid); // a live owner that is not this app's run manager
    recordHeartbeat(seed, elsewhere);
    seed.close();

    const app = createApp({ databasePath: join(dir, 'lab.db'), mode: 'cli' });
    const removed: unknown[] = [];
    app.events.subscribe((event, payload) => event === 'onDidRemoveRuns' && removed.push(payload));
    try {
      const result = await app.dispatch('runs:delete', { runIds: [String(ended), String(elsewhere)] });
      expect(result).toMatchObject({ ok: false, error: { code: 'RUN_ACTIVE' } });
      expect(result.ok ? '' : result.error.message).toMatch(new RegExp(`run\\(s\\) ${elsewhere} are still queued or running`));
      expect(getRun(app.db, ended)).toBeDefined();
      expect(removed).toEqual([]);
      expect(await app.dispatch('runs:delete', { runIds: [String(ended)] })).toEqual({ ok: true, value: null });
      expect(removed).toEqual([{ runIds: [String(ended)] }]);
    } finally {
      await app.close();
    }
  });
});
