// Runs: creation from a RunConfig, status transitions with timestamps and events, filters, tags and
// notes, and deletion cascading to every table (and, as a second step, the run's checkpoint files).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deleteRunCheckpointFiles, runCheckpointsDirectory, saveCheckpoint } from '../runs/checkpoint-files.js';
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
import { addRun, stepRecord, testConfig, useTestDatabase } from './test-fixtures.js';

const store = useTestDatabase();

describe('createRun', () => {
  it('stores a queued run with the config verbatim and its seed-free hash', () => {
    const config = testConfig({ objective: { preset: 'hmpo' }, seed: 3, task: 'copy', promptLength: 6, completionLength: 8 });
    const run = createRun(store.db, { config, appVersion: '1.2.3', tags: [' paper ', 'paper', ''], notes: 'n' }, 1000);
    expect(run).toMatchObject({ status: 'queued', name: 'hmpo · copy · seed 3', objectivePreset: 'hmpo', seed: 3, task: 'copy', appVersion: '1.2.3', createdAt: 1000, startedAt: null, pid: null, tags: ['paper'], notes: 'n', lastStep: null, sweepId: null });
    expect(run.config).toEqual(config);
    expect(run.configHash).toBe(configHash(config));
    expect(createRun(store.db, { config: { ...config, seed: 4 }, appVersion: '1.2.3' }).configHash).toBe(run.configHash);
    expect(createRun(store.db, { config: testConfig({ name: 'mine' }), appVersion: 'x' }).name).toBe('mine');
    expect(listEvents(store.db, run.id).map((e) => e.event)).toEqual([{ kind: 'status', from: null, to: 'queued' }]);
  });
});

describe('status transitions', () => {
  it('records start, heartbeat and end with timestamps, pid, exit code and a status event each', () => {
    const id = addRun(store.db);
    expect(markRunStarted(store.db, id, { pid: 4242 }, 2000)).toMatchObject({ status: 'running', pid: 4242, startedAt: 2000, heartbeatAt: 2000 });
    setRunBackend(store.db, id, 'wasm');
    expect(recordHeartbeat(store.db, id, 2500)).toBe(true);
    expect(getRun(store.db, id)).toMatchObject({ heartbeatAt: 2500, backend: 'wasm' });
    const ended = markRunEnded(store.db, id, { status: 'failed', exitCode: 1, error: '20 consecutive non-finite steps' }, 3000);
    expect(ended).toMatchObject({ status: 'failed', exitCode: 1, error: '20 consecutive non-finite steps', finishedAt: 3000 });
    expect(recordHeartbeat(store.db, id, 3500)).toBe(false);
    expect(listEvents(store.db, id, { kinds: ['status'] }).map((e) => [e.createdAt, e.event])).toEqual([
      [expect.any(Number), { kind: 'status', from: null, to: 'queued' }],
      [2000, { kind: 'status', from: 'queued', to: 'running' }],
      [3000, { kind: 'status', from: 'running', to: 'failed', reason: '20 consecutive non-finite steps', exitCode: 1 }],
    ]);
  });

  it('refuses transitions the current status does not allow, changing nothing', () => {
    const id = addRun(store.db);
    expect(() => markRunEnded(store.db, id, { status: 'finished' })).toThrow(InvalidStatusTransitionError);
    expect(() => markRunEnded(store.db, id, { status: 'crashed', error: 'x' })).toThrow(InvalidStatusTransitionError);
    markRunEnded(store.db, id, { status: 'stopped' }); // cancelled while queued
    expect(() => markRunStarted(store.db, id, { pid: 1 })).toThrow(/is stopped and cannot become running/);
    expect(getRun(store.db, id)?.status).toBe('stopped');
    expect(listEvents(store.db, id)).toHaveLength(2);
    expect(() => markRunStarted(store.db, 999, { pid: 1 })).toThrow(RunNotFoundError);
    expect(() => markRunEnded(store.db, addRun(store.db), { status: 'failed' })).toThrow(/needs its reason/);
  });
});

describe('listRuns', () => {
  it('filters by status, task, preset, tag, text, sweep and config hash, newest first', () => {
    const a = createRun(store.db, { config: testConfig({ objective: { preset: 'hmpo' }, seed: 1 }), appVersion: 'v', tags: ['keep'], notes: 'promising 100%' });
    const b = createRun(store.db, { config: testConfig({ objective: { preset: 'gspo' }, seed: 1 }), appVersion: 'v' });
    const c = createRun(store.db, { config: testConfig({ objective: { preset: 'hmpo' }, seed: 2, task: 'long-tail' }), appVersion: 'v', name: 'tail run' });
    markRunStarted(store.db, b.id, { pid: 1 });
    const ids = (filter: Parameters<typeof listRuns>[1]) => listRuns(store.db, filter).map((r) => r.id);
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
    const id = addRun(store.db);
    insertStepRecords(store.db, id, [stepRecord(0), stepRecord(1), stepRecord(2)]);
    expect(listRuns(store.db)[0]?.lastStep).toBe(2);
  });
});

describe('tags and notes', () => {
  it('replaces them', () => {
    const id = addRun(store.db);
    expect(setRunTags(store.db, id, ['b', 'a', 'b', '  ']).tags).toEqual(['b', 'a']);
    expect(setRunNotes(store.db, id, 'lr too high').notes).toBe('lr too high');
    expect(() => setRunTags(store.db, 999, ['x'])).toThrow(RunNotFoundError);
  });
});

describe('deleteRun', () => {
  it('removes the run, every row that belongs to it and its checkpoint files, and nothing of other runs', () => {
    const doomed = addRun(store.db);
    const kept = addRun(store.db);
    for (const id of [doomed, kept]) {
      insertStepRecords(store.db, id, Array.from({ length: 200 }, (_, step) => stepRecord(step))); // past the first rollup seal
      saveCheckpoint(store.db, id, { step: 40, kind: 'final', weights: new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]) });
    }
    const folderOfDoomed = runCheckpointsDirectory(store.db, doomed) as string;
    expect(fs.existsSync(folderOfDoomed)).toBe(true);
    const tables = ['events', 'checkpoints', 'steps', 'metrics', 'metric_summaries', 'metric_rollups', 'qk_stats', 'log_ratio_histograms'];
    const counts = (id: number) => tables.map((table) => store.db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(id) as number);
    expect(counts(doomed).every((n) => n > 0)).toBe(true);
    const keptBefore = counts(kept);

    deleteRun(store.db, doomed);
    expect(getRun(store.db, doomed)).toBeUndefined();
    expect(counts(doomed)).toEqual(tables.map(() => 0));
    expect(counts(kept)).toEqual(keptBefore);
    expect(fs.existsSync(folderOfDoomed)).toBe(true); // rows first; the files are the caller's next step
    deleteRunCheckpointFiles(store.db, doomed);
    expect(fs.existsSync(folderOfDoomed)).toBe(false);
    expect(fs.existsSync(runCheckpointsDirectory(store.db, kept) as string)).toBe(true);
    expect(() => deleteRun(store.db, doomed)).toThrow(RunNotFoundError);
  });

  it('refuses to delete a running run', () => {
    const id = addRun(store.db);
    markRunStarted(store.db, id, { pid: process.pid });
    expect(() => deleteRun(store.db, id)).toThrow(RunActiveError);
    expect(getRun(store.db, id)?.status).toBe('running');
  });
});
