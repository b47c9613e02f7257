// Runs: creation from a RunConfig, status transitions with timestamps and events, filters, tags and
// notes, and deletion cascading to every table (and, as a second step, the run's checkpoint files).
import fs from 'node:fs';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteRunCheckpointFiles, runCheckpointsDirectory, saveCheckpoint } from './checkpoints-queries.js';
import { configHash } from './config-hash.js';
import { listEvents } from './events-queries.js';
import { insertStepRecords } from './metrics-queries.js';
import {
  createRun,
  deleteRun,
  getRun,
  listRuns,
  markRunEnded,
  markRunStarted,
  recordHeartbeat,
  setRunBackend,
  setRunNotes,
  setRunTags,
} from './runs-queries.js';
import { InvalidStatusTransitionError, RunActiveError, RunNotFoundError } from './store-errors.js';
import { addRun, openTestDatabase, stepRecord, temporaryFolder, testConfig } from './test-fixtures.js';

let folder: ReturnType<typeof temporaryFolder>;
let db: Database;
beforeEach(() => {
  folder = temporaryFolder();
  db = openTestDatabase(folder.dir);
});
afterEach(() => {
  db.close();
  folder.remove();
});

describe('createRun', () => {
  it('stores a queued run with the config verbatim and its seed-free hash', () => {
    const config = testConfig({ objective: { preset: 'hmpo' }, seed: 3, task: 'copy', promptLength: 6, completionLength: 8 });
    const run = createRun(db, { config, appVersion: '1.2.3', tags: [' paper ', 'paper', ''], notes: 'n' }, 1000);
    expect(run).toMatchObject({ status: 'queued', name: 'hmpo · copy · seed 3', objectivePreset: 'hmpo', seed: 3, task: 'copy', appVersion: '1.2.3', createdAt: 1000, startedAt: null, pid: null, tags: ['paper'], notes: 'n', lastStep: null, sweepId: null });
    expect(run.config).toEqual(config);
    expect(run.configHash).toBe(configHash(config));
    expect(createRun(db, { config: { ...config, seed: 4 }, appVersion: '1.2.3' }).configHash).toBe(run.configHash);
    expect(createRun(db, { config: testConfig({ name: 'mine' }), appVersion: 'x' }).name).toBe('mine');
    expect(listEvents(db, run.id).map((e) => e.event)).toEqual([{ kind: 'status', from: null, to: 'queued' }]);
  });
});

describe('status transitions', () => {
  it('records start, heartbeat and end with timestamps, pid, exit code and a status event each', () => {
    const id = addRun(db);
    expect(markRunStarted(db, id, { pid: 4242 }, 2000)).toMatchObject({ status: 'running', pid: 4242, startedAt: 2000, heartbeatAt: 2000 });
    setRunBackend(db, id, 'wasm');
    expect(recordHeartbeat(db, id, 2500)).toBe(true);
    expect(getRun(db, id)).toMatchObject({ heartbeatAt: 2500, backend: 'wasm' });
    const ended = markRunEnded(db, id, { status: 'failed', exitCode: 1, error: '20 consecutive non-finite steps' }, 3000);
    expect(ended).toMatchObject({ status: 'failed', exitCode: 1, error: '20 consecutive non-finite steps', finishedAt: 3000 });
    expect(recordHeartbeat(db, id, 3500)).toBe(false);
    expect(listEvents(db, id, { kinds: ['status'] }).map((e) => [e.createdAt, e.event])).toEqual([
      [expect.any(Number), { kind: 'status', from: null, to: 'queued' }],
      [2000, { kind: 'status', from: 'queued', to: 'running' }],
      [3000, { kind: 'status', from: 'running', to: 'failed', reason: '20 consecutive non-finite steps', exitCode: 1 }],
    ]);
  });

  it('refuses transitions the current status does not allow, changing nothing', () => {
    const id = addRun(db);
    expect(() => markRunEnded(db, id, { status: 'finished' })).toThrow(InvalidStatusTransitionError);
    expect(() => markRunEnded(db, id, { status: 'crashed', error: 'x' })).toThrow(InvalidStatusTransitionError);
    markRunEnded(db, id, { status: 'stopped' }); // cancelled while queued
    expect(() => markRunStarted(db, id, { pid: 1 })).toThrow(/is stopped and cannot become running/);
    expect(getRun(db, id)?.status).toBe('stopped');
    expect(listEvents(db, id)).toHaveLength(2);
    expect(() => markRunStarted(db, 999, { pid: 1 })).toThrow(RunNotFoundError);
    expect(() => markRunEnded(db, addRun(db), { status: 'failed' })).toThrow(/needs its reason/);
  });
});

describe('listRuns', () => {
  it('filters by status, task, preset, tag, text, sweep and config hash, newest first', () => {
    const a = createRun(db, { config: testConfig({ objective: { preset: 'hmpo' }, seed: 1 }), appVersion: 'v', tags: ['keep'], notes: 'promising 100%' });
    const b = createRun(db, { config: testConfig({ objective: { preset: 'gspo' }, seed: 1 }), appVersion: 'v' });
    const c = createRun(db, { config: testConfig({ objective: { preset: 'hmpo' }, seed: 2, task: 'long-tail' }), appVersion: 'v', name: 'tail run' });
    markRunStarted(db, b.id, { pid: 1 });
    const ids = (filter: Parameters<typeof listRuns>[1]) => listRuns(db, filter).map((r) => r.id);
    expect(ids({})).toEqual([c.id, b.id, a.id]);
    expect(ids({ statuses: ['running'] })).toEqual([b.id]);
    expect(ids({ statuses: ['queued', 'running'] })).toEqual([c.id, b.id, a.id]);
    expect(ids({ objectivePreset: 'hmpo' })).toEqual([c.id, a.id]);
    expect(ids({ task: 'long-tail' })).toEqual([c.id]);
    expect(ids({ tag: 'keep' })).toEqual([a.id]);
    expect(ids({ text: 'TAIL' })).toEqual([c.id]);
    expect(ids({ text: '100%' })).toEqual([a.id]); // % is literal, not a wildcard
    expect(ids({ text: '0%' })).toEqual([a.id]);
    expect(ids({ text: '_' })).toEqual([]);
    expect(ids({ configHash: a.configHash })).toEqual([a.id]);
    expect(ids({ limit: 1, offset: 1 })).toEqual([b.id]);
  });

  it('reports the last stored step', () => {
    const id = addRun(db);
    insertStepRecords(db, id, [stepRecord(0), stepRecord(1), stepRecord(2)]);
    expect(listRuns(db)[0]?.lastStep).toBe(2);
  });
});

describe('tags and notes', () => {
  it('replaces them', () => {
    const id = addRun(db);
    expect(setRunTags(db, id, ['b', 'a', 'b', '  ']).tags).toEqual(['b', 'a']);
    expect(setRunNotes(db, id, 'lr too high').notes).toBe('lr too high');
    expect(() => setRunTags(db, 999, ['x'])).toThrow(RunNotFoundError);
  });
});

describe('deleteRun', () => {
  it('removes the run, every row that belongs to it and its checkpoint files, and nothing of other runs', () => {
    const doomed = addRun(db);
    const kept = addRun(db);
    for (const id of [doomed, kept]) {
      insertStepRecords(db, id, Array.from({ length: 200 }, (_, step) => stepRecord(step))); // past the first rollup seal
      saveCheckpoint(db, id, { step: 40, kind: 'final', weights: new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]) });
    }
    const folderOfDoomed = runCheckpointsDirectory(db, doomed) as string;
    expect(fs.existsSync(folderOfDoomed)).toBe(true);
    const tables = ['events', 'checkpoints', 'steps', 'metrics', 'metric_summaries', 'metric_rollups', 'qk_stats', 'log_ratio_histograms'];
    const counts = (id: number) => tables.map((table) => db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(id) as number);
    expect(counts(doomed).every((n) => n > 0)).toBe(true);
    const keptBefore = counts(kept);

    deleteRun(db, doomed);
    expect(getRun(db, doomed)).toBeUndefined();
    expect(counts(doomed)).toEqual(tables.map(() => 0));
    expect(counts(kept)).toEqual(keptBefore);
    expect(fs.existsSync(folderOfDoomed)).toBe(true); // rows first; the files are the caller's next step
    deleteRunCheckpointFiles(db, doomed);
    expect(fs.existsSync(folderOfDoomed)).toBe(false);
    expect(fs.existsSync(runCheckpointsDirectory(db, kept) as string)).toBe(true);
    expect(() => deleteRun(db, doomed)).toThrow(RunNotFoundError);
  });

  it('refuses to delete a running run', () => {
    const id = addRun(db);
    markRunStarted(db, id, { pid: process.pid });
    expect(() => deleteRun(db, id)).toThrow(RunActiveError);
    expect(getRun(db, id)?.status).toBe('running');
  });
});
