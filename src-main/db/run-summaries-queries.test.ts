// The runs table's one-statement summaries agree with the store's record-by-record summaries for
// every kind of run: queued, running with steps, finished, failed with a reason, tagged, in a sweep.
import { describe, expect, it } from 'vitest';
import { SqliteRunStore } from '../app/sqlite-run-store.js';
import { insertStepRecords } from './metrics-queries.js';
import { listRunSummaries } from './run-summaries-queries.js';
import { markRunEnded, markRunStarted, setRunNotes, setRunTags } from './runs-queries.js';
import { createSweep } from './sweeps-queries.js';
import { addRun, stepRecord, testConfig, useTestDatabase } from './test-fixtures.js';

const store = useTestDatabase();

describe('listRunSummaries', () => {
  it('says exactly what the store says about every run, newest first', () => {
    const { db } = store;
    addRun(db, { objective: { preset: 'gspo' } }); // queued
    const running = addRun(db, { objective: { preset: 'hmpo' }, optimizer: { name: 'muon' }, qkClip: { enabled: true }, totalSteps: 300 });
    markRunStarted(db, running, { pid: 1, backend: 'wasm' });
    insertStepRecords(db, running, [0, 1, 2].map((step) => stepRecord(step, { 'charts/reward_mean': step === 1 ? NaN : step / 4, 'charts/eval_reward': 0.5 })));
    const failed = addRun(db, { seed: 3 });
    markRunStarted(db, failed, { pid: 2 });
    markRunEnded(db, failed, { status: 'failed', error: 'non-finite loss for 20 steps' });
    setRunTags(db, failed, ['grid', 'lr']);
    setRunNotes(db, failed, 'look at this one');
    createSweep(db, { name: 's', baseConfig: testConfig(), axes: [], seeds: [0, 1], configs: [testConfig({ seed: 0 }), testConfig({ seed: 1 })], appVersion: 'v' });

    const fast = listRunSummaries(db);
    expect(fast).toEqual(new SqliteRunStore(db, 'v').summaries());
    expect(fast.map((s) => s.status)).toEqual(['queued', 'queued', 'failed', 'running', 'queued']);
    const live = fast.find((s) => s.id === String(running))!;
    expect(live).toMatchObject({ optimizer: 'muon', qkClip: true, totalSteps: 300, stepsDone: 3, lastReward: 0.5, evalReward: 0.5 });
  });
});
