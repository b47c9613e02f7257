/**
 * The outcome-input reader on a real SQLite file: its stability summary equals the pure
 * stabilitySummary of the stored series (NaN stored as NULL, on-policy steps with max |x| = 0), it
 * keeps the summary while the run's version is unchanged, recomputes it when the run moves on, and
 * runOutcomes gives the same answer from the kept summary as from every series; the run's counts
 * (non-finite skips, QK-clipped steps, last greedy eval) ride along under the same version.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { OUTCOME_METRIC_KEYS, runOutcomes, stabilitySummary } from '../../src-shared/analysis/outcomes.js';
import { appendEvents } from '../db/events-queries.js';
import { insertStepRecords } from '../db/metrics-queries.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';
import { addRun, openTestDatabase, stepRecord, temporaryFolder } from '../db/test-fixtures.js';
import { createOutcomeInputReader } from './outcome-inputs.js';

const folder = temporaryFolder();
afterAll(() => folder.remove());

/** Steps alternate on-policy (max |x| = 0) and off-policy; step 5's ESS is NaN. */
const record = (step: number) =>
  stepRecord(step, {
    'charts/reward_mean': step / 10,
    'ratio/log_ratio_max_abs': step % 2 === 0 ? 0 : 0.1 * step,
    'ratio/log_ratio_var': step % 2 === 0 ? 0 : 0.01 * step,
    'objective/ess': step === 5 ? Number.NaN : step % 2 === 0 ? 1 : 0.5,
    'ratio/raw_am_gm_gap': step % 2 === 0 ? 0 : 0.002,
    'optim/qk_max_logit': 10 + (step % 3),
    'losses/entropy': 2 - step / 5,
    'optim/nonfinite_skips': 0,
  });

describe('createOutcomeInputReader', () => {
  const db = openTestDatabase(folder.dir);
  const runId = addRun(db);
  insertStepRecords(db, runId, Array.from({ length: 8 }, (_, step) => record(step)));
  const read = createOutcomeInputReader(db);

  it('summarises the stored series exactly as the pure definition does', () => {
    const all = Object.fromEntries(OUTCOME_METRIC_KEYS.map((key) => [key, readSeriesFast(db, runId, key)]));
    const inputs = read(runId, { status: 'finished', stepsDone: 8, createdAt: 1 });
    expect(inputs.stability).toEqual(stabilitySummary(all));
    expect(inputs.stability.offPolicySteps).toBe(4);
    expect(inputs.stability.offPolicyMeans['objective/ess']).toBe(0.5); // NaN at step 5 left out
    const full = runOutcomes({ runId: '1', seed: 0, series: all }, { target: 0.5 });
    const kept = runOutcomes({ runId: '1', seed: 0, series: { ...inputs.series, 'charts/reward_mean': all['charts/reward_mean']! }, stability: inputs.stability }, { target: 0.5 });
    expect(kept).toEqual(full);
  });

  it('keeps the summary while the run is unchanged and recomputes it when it moves on', () => {
    const before = read(runId, { status: 'running', stepsDone: 8, createdAt: 1 }).stability;
    insertStepRecords(db, runId, [{ ...record(8), metrics: { ...record(8).metrics, 'ratio/log_ratio_max_abs': 0.9, 'ratio/log_ratio_var': 1 } }]);
    expect(read(runId, { status: 'running', stepsDone: 8, createdAt: 1 }).stability).toBe(before);
    const after = read(runId, { status: 'running', stepsDone: 9, createdAt: 1 }).stability;
    expect(after.offPolicySteps).toBe(5);
    expect(after.maxima['ratio/log_ratio_max_abs']).toBeCloseTo(0.9, 6);
  });

  it('counts non-finite skips, QK-clipped steps and the last greedy eval, and keeps them with the summary', () => {
    const other = addRun(db);
    insertStepRecords(db, other, [0, 1, 2, 3].map((step) => stepRecord(step, { 'charts/reward_mean': 0, 'optim/qk_heads_clipped': step === 2 ? 3 : 0 })));
    appendEvents(db, other, [
      { kind: 'nonfinite-skip', step: 1, consecutive: 1, detail: 'loss is NaN' },
      { kind: 'eval', step: 1, reward: 0.25, successRate: 0 },
      { kind: 'eval', step: 3, reward: 0.75, successRate: 0.5 },
    ]);
    const version = { status: 'finished', stepsDone: 4, createdAt: 1 };
    const inputs = read(other, version);
    expect(inputs.extras).toEqual({ nonFiniteEvents: 1, qkClipStepFraction: 0.25 });
    expect(inputs.lastEvalReward).toBe(0.75);
    appendEvents(db, other, [{ kind: 'eval', step: 3, reward: 0.5, successRate: 0.5 }]);
    expect(read(other, version).lastEvalReward).toBe(0.75);
    expect(read(other, { ...version, stepsDone: 5 }).lastEvalReward).toBe(0.5);
  });
});
