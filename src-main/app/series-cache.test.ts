/**
 * The compare's series cache on a real SQLite file: it answers what the store holds, keeps an
 * answer while the run's version is unchanged (rows written without a version change are not seen:
 * that is the contract, and the store never does it), reads again when the run moves on or its id
 * was reused by a new run, and drops the least recently used series past its bound.
 */
import { describe, expect, it } from 'vitest';
import { insertStepRecords } from '../db/metrics-queries.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';
import { addRun, stepRecord, useTestDatabase } from '../db/test-fixtures.js';
import { createSeriesReader } from './series-cache.js';

const store = useTestDatabase();
const finished = (stepsDone: number, createdAt = 1) => ({ status: 'finished', stepsDone, createdAt });
const withSteps = (runId: number, from: number, to: number) =>
  insertStepRecords(store.db, runId, Array.from({ length: to - from }, (_, i) => stepRecord(from + i, { 'charts/reward_mean': (from + i) / 10 })));

describe('createSeriesReader', () => {
  it('answers what the store holds and keeps it while the run is unchanged', () => {
    const runId = addRun(store.db);
    withSteps(runId, 0, 5);
    const read = createSeriesReader(store.db);
    const first = read.series(runId, 'charts/reward_mean', finished(5));
    expect(first).toEqual(readSeriesFast(store.db, runId, 'charts/reward_mean'));
    expect(first.values).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    withSteps(runId, 5, 6);
    expect(read.series(runId, 'charts/reward_mean', finished(5))).toBe(first);
  });

  it('reads again when the run moves on or its id belongs to a new run', () => {
    const runId = addRun(store.db);
    withSteps(runId, 0, 3);
    const read = createSeriesReader(store.db);
    const before = read.series(runId, 'charts/reward_mean', { status: 'running', stepsDone: 3, createdAt: 1 });
    withSteps(runId, 3, 4);
    expect(read.series(runId, 'charts/reward_mean', { status: 'running', stepsDone: 4, createdAt: 1 }).steps).toEqual([0, 1, 2, 3]);
    expect(read.series(runId, 'charts/reward_mean', finished(4))).not.toBe(before);
    const again = read.series(runId, 'charts/reward_mean', finished(4));
    expect(read.series(runId, 'charts/reward_mean', finished(4, 2))).not.toBe(again);
  });

  it('drops the least recently used series once the kept points pass the bound', () => {
    const runs = [addRun(store.db), addRun(store.db), addRun(store.db)];
    for (const runId of runs) withSteps(runId, 0, 4);
    const read = createSeriesReader(store.db, 8); // two 4-point series fit
    const [a, b, c] = runs.map((runId) => () => read.series(runId, 'charts/reward_mean', finished(4)));
    const keptA = a!();
    const keptB = b!();
    expect(a!()).toBe(keptA); // a is now the most recent
    c!(); // evicts b
    expect(a!()).toBe(keptA);
    expect(b!()).not.toBe(keptB);
  });
});
