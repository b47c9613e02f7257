// The runs table's one-statement summaries agree with the store's record-by-record summaries for
// every kind of run: queued, running with steps, finished, failed with a reason, tagged, in a sweep.
import { describe, expect, it } from 'vitest';
import { sparseConfigCells } from '../../src-shared/config-cells.js';
import { SqliteRunStore } from '../app/sqlite-run-store.js';
import { insertStepRecords } from './metrics-queries.js';
import { listMetricSummaries, listRunSummaries } from './run-summaries-queries.js';
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

describe('config cells and metric summaries of the runs table', () => {
  it('carries each run\'s config leaves that differ from the default, the same from both paths', () => {
    const { db } = store;
    const a = addRun(db, { objective: { preset: 'hmpo' }, model: { dModel: 32 }, seed: 4 });
    const b = addRun(db, { objective: { preset: 'hmpo' }, model: { dModel: 32 }, seed: 5 });
    const summaries = listRunSummaries(db, sparseConfigCells);
    const byId = new Map(summaries.map((s) => [s.id, s]));
    expect(byId.get(String(a))!.config).toMatchObject({ 'objective.preset': 'hmpo', 'model.dModel': 32 });
    expect(byId.get(String(a))!.config).not.toHaveProperty('seed');
    expect(byId.get(String(b))!.config).toEqual(byId.get(String(a))!.config);
    expect(summaries).toEqual(new SqliteRunStore(db, 'v', sparseConfigCells).summaries());
    // Apps that show no runs table (the CLI) give no cells function, and their summaries carry none.
    expect(listRunSummaries(db).every((s) => s.config === undefined)).toBe(true);
  });

  it('answers last, min and max of the asked keys per run, for every run or the given ones, and which keys exist', () => {
    const { db } = store;
    const a = addRun(db, {});
    const b = addRun(db, { seed: 1 });
    insertStepRecords(db, a, [0, 1, 2].map((step) => stepRecord(step, { 'charts/reward_mean': [0.2, 0.9, 0.5][step]!, 'losses/policy_loss': -step })));
    insertStepRecords(db, b, [0].map((step) => stepRecord(step, { 'charts/reward_mean': 0.1 })));
    const all = listMetricSummaries(db, ['charts/reward_mean']);
    expect(all.available).toEqual(expect.arrayContaining(['charts/reward_mean', 'losses/policy_loss']));
    expect(all.values).toEqual(
      expect.arrayContaining([
        { runId: String(a), key: 'charts/reward_mean', last: 0.5, min: 0.2, max: 0.9 },
        { runId: String(b), key: 'charts/reward_mean', last: 0.1, min: 0.1, max: 0.1 },
      ]),
    );
    expect(all.values).toHaveLength(2);
    expect(listMetricSummaries(db, ['charts/reward_mean'], [String(b)]).values).toEqual([{ runId: String(b), key: 'charts/reward_mean', last: 0.1, min: 0.1, max: 0.1 }]);
    expect(listMetricSummaries(db, []).values).toEqual([]);
  });
});
