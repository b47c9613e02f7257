/**
 * The run manager on a real SQLite file with real trainer processes: a SIGKILLed trainer is marked
 * crashed with every delivered step kept and the file intact; four runs in parallel write everything;
 * graceful stops (local and from another process) end runs as stopped; the AGM export of a real run
 * meets every agm-telemetry.md rule and the long export round-trips every stored value.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateRunConfig, type RunConfig, type RunConfigInput } from '../../src-shared/run-config.js';
import { METRIC_KEYS } from '../../src-shared/metrics.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { agmExportViolations } from '../../test-support/agm-rules.js';
import { createApp } from '../app/create-app.js';
import { runExport } from '../app/export-jobs.js';
import { readSteps } from '../db/metric-readers.js';
import { readSeries } from '../db/test-fixtures.js';
import { requestStop, setRunOwner } from '../db/run-control-queries.js';
import { createRun, requireRun } from '../db/runs-queries.js';
import { parseCsvNumber } from '../export/csv.js';
import { listCheckpoints, loadCheckpoint } from './checkpoint-files.js';
import { train } from '../trainer/train.js';

function tiny(input: RunConfigInput = {}): RunConfig {
  const result = validateRunConfig({ backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, totalSteps: 10, ...input });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'hmpo-manager-')), 'lab.db');

function integrity(path: string): string {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? '';
  } finally {
    db.close();
  }
}

describe('run manager with the SQLite store', () => {
  it('a trainer killed with SIGKILL mid-training: crashed, every delivered step kept, file intact, next run fine', async () => {
    const path = freshDb();
    const delivered: number[] = [];
    let runId = '';
    const app = createApp({
      databasePath: path,
      mode: 'cli',
      concurrency: 1,
      onStep: (id, record: StepRecord) => {
        if (id !== runId) return; // only the doomed run
        delivered.push(record.step);
        if (record.step === 3) process.kill(requireRun(app.db, Number(runId)).pid!, 'SIGKILL');
      },
    });
    runId = app.manager.enqueue([{ config: tiny({ totalSteps: 5000 }), name: 'doomed' }])[0]!;
    const end = await app.manager.waitForEnd(runId);
    expect(end?.status).toBe('crashed');
    expect(end?.reason).toMatch(/signal SIGKILL/);
    const record = requireRun(app.db, Number(runId));
    expect(record.status).toBe('crashed');
    expect(readSteps(app.db, Number(runId)).map((s) => s.step)).toEqual(delivered);
    expect(delivered.length).toBeGreaterThanOrEqual(4);
    expect(integrity(path)).toBe('ok');
    const [second] = app.manager.enqueue([{ config: tiny({ totalSteps: 4 }), name: 'after' }]);
    expect((await app.manager.waitForEnd(second!))?.status).toBe('finished');
    expect(readSteps(app.db, Number(second)).length).toBe(4);
    await app.close();
  });

  it('four runs in parallel on one database: every row present, no busy errors', async () => {
    const path = freshDb();
    const app = createApp({ databasePath: path, mode: 'cli', concurrency: 4 });
    const ids = app.manager.enqueue([0, 1, 2, 3].map((seed) => ({ config: tiny({ seed, totalSteps: 12, objective: { preset: seed % 2 ? 'hmpo' : 'gspo' } }), name: `p${seed}` })));
    expect(app.manager.liveRunIds).toHaveLength(4);
    const ends = await Promise.all(ids.map((id) => app.manager.waitForEnd(id)));
    expect(ends.map((e) => e?.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    for (const id of ids) {
      expect(readSteps(app.db, Number(id)).map((s) => s.step)).toEqual([...Array(12).keys()]);
      expect(readSeries(app.db, Number(id), 'charts/reward_mean').values).toHaveLength(12);
    }
    expect(integrity(path)).toBe('ok');
    await app.close();
  });

  it('a graceful stop ends the run as stopped with its steps and times consistent', async () => {
    const path = freshDb();
    let runId = '';
    const app = createApp({ databasePath: path, mode: 'cli', concurrency: 1, onStep: (_id, r) => r.step === 2 && app.manager.stop(runId) });
    runId = app.manager.enqueue([{ config: tiny({ totalSteps: 5000 }), name: 'stopme' }])[0]!;
    expect((await app.manager.waitForEnd(runId))?.status).toBe('stopped');
    const record = requireRun(app.db, Number(runId));
    expect(record.status).toBe('stopped');
    expect(record.finishedAt).toBeGreaterThanOrEqual(record.startedAt!);
    expect(readSteps(app.db, Number(runId)).length).toBe(app.store.summary(runId).stepsDone);
    await app.close();
  });

  it('another process can stop a run through the database; queued runs of a dead owner are stopped at start-up', async () => {
    const path = freshDb();
    const app = createApp({ databasePath: path, mode: 'cli', concurrency: 1 });
    const [runId] = app.manager.enqueue([{ config: tiny({ totalSteps: 5000 }), name: 'remote' }]);
    const other = new BetterSqlite3(path);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(requestStop(other, Number(runId))).toBe(true);
    other.close();
    expect((await app.manager.waitForEnd(runId!))?.status).toBe('stopped');
    // A queued run whose owner no longer exists.
    const orphan = createRun(app.db, { config: tiny(), appVersion: 'test' });
    setRunOwner(app.db, orphan.id, 2 ** 22 + 12345);
    await app.close();
    const reopened = createApp({ databasePath: path, mode: 'cli' });
    expect(reopened.reconciled.stopped).toEqual([orphan.id]);
    expect(requireRun(reopened.db, orphan.id).error).toMatch(/ended before it started/);
    await reopened.close();
  });

  it('exports a real run: AGM rules hold, hashes match, the long export round-trips every stored value', async () => {
    const path = freshDb();
    const app = createApp({ databasePath: path, mode: 'cli', concurrency: 1 });
    const [runId] = app.manager.enqueue([{ config: tiny({ totalSteps: 16, objective: { preset: 'agm' }, optimizer: { name: 'muon' }, qkClip: { enabled: true, tau: 1e-3 }, evalEvery: 5 }), name: 'exported' }]);
    expect((await app.manager.waitForEnd(runId!))?.status).toBe('finished');
    const out = mkdtempSync(join(tmpdir(), 'hmpo-export-real-'));
    await runExport({ databasePath: path, runIds: [Number(runId)], format: 'agm', outDir: join(out, 'agm'), appVersion: '0.1.0' });
    expect(agmExportViolations(join(out, 'agm'))).toEqual([]);
    const lines = readFileSync(join(out, 'agm', runId!, 'telemetry.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { muon_clip: { active: boolean }; agm: { arithmetic_history: number[] } });
    expect(lines).toHaveLength(16);
    expect(lines.some((l) => l.muon_clip.active)).toBe(true); // tau 1e-3 clips every head of this tiny model
    expect(lines.at(-1)!.agm.arithmetic_history).toHaveLength(10);

    await runExport({ databasePath: path, runIds: [Number(runId)], format: 'csv', outDir: join(out, 'csv'), appVersion: '0.1.0' });
    const rows = readFileSync(join(out, 'csv', 'metrics.csv'), 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));
    const exported = new Map(rows.map(([, step, key, value]) => [`${key}@${step}`, parseCsvNumber(value!)]));
    let stored = 0;
    for (const key of METRIC_KEYS) {
      const series = readSeries(app.db, Number(runId), key);
      series.steps.forEach((step, i) => {
        stored += 1;
        expect(exported.get(`${key}@${step}`), `${key}@${step}`).toEqual(series.values[i]);
      });
    }
    expect(rows.length).toBe(stored);
    await app.close();
  });

  it('keeps periodic and final checkpoints as files beside the database, and a run can start from one', async () => {
    const path = freshDb();
    const app = createApp({ databasePath: path, mode: 'cli', concurrency: 1 });
    const config = tiny({ totalSteps: 8, checkpointEvery: 4 });
    const [runId] = app.manager.enqueue([{ config, name: 'checkpointed' }]);
    expect((await app.manager.waitForEnd(runId!))?.status).toBe('finished');
    const checkpoints = listCheckpoints(app.db, Number(runId));
    expect(checkpoints.map((c) => [c.kind, c.step]).sort()).toEqual([['final', 7], ['periodic', 3], ['periodic', 7]]);
    const final = loadCheckpoint(app.db, checkpoints.find((c) => c.kind === 'final')!.id);
    expect(final.has('head')).toBe(true);
    expect([...final.values()].every((w) => w.data.every(Number.isFinite))).toBe(true);
    const resumed = await train(config, { onStep: () => {}, onEvent: () => {}, shouldStop: () => false }, { initialWeights: final });
    expect(resumed.status).toBe('finished');
    await app.close();
  });
});
