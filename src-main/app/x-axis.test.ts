/**
 * The two ways to put a run's steps on the samples or wall-time axis agree on a real SQLite file:
 * the per-request lookup (xMapper) and the merge with a kept axis (stepsOnAxis), including steps the
 * axis lacks (NaN) and steps past its end.
 */
import { describe, expect, it } from 'vitest';
import { insertStepRecords } from '../db/metrics-queries.js';
import { addRun, stepRecord, useTestDatabase } from '../db/test-fixtures.js';
import { createSeriesReader } from './series-cache.js';
import { stepsOnAxis, xMapper } from './x-axis.js';

const store = useTestDatabase();

describe('stepsOnAxis', () => {
  it('answers what xMapper answers, NaN where the run has no step row', () => {
    const runId = addRun(store.db);
    insertStepRecords(store.db, runId, [0, 1, 2, 4, 7].map((step) => stepRecord(step, { 'charts/reward_mean': step })));
    const read = createSeriesReader(store.db);
    const steps = [-1, 0, 2, 3, 4, 5, 7, 9];
    for (const x of ['samples', 'wallTime'] as const) {
      const mapped = stepsOnAxis(steps, read.axis(runId, x, { status: 'finished', stepsDone: 8, createdAt: 1 }));
      expect(mapped).toEqual(steps.map(xMapper(store.db, runId, x)));
    }
    expect(stepsOnAxis(steps, read.axis(runId, 'samples', { status: 'finished', stepsDone: 8, createdAt: 1 }))).toEqual([NaN, 64, 192, NaN, 320, NaN, 512, NaN]);
  });
});
