/**
 * The persisted outcome-input summary on a real SQLite file: markRunEnded writes it for finished,
 * stopped and crashed runs, its packed reward and entropy series equal the stored rows, and the
 * outcomes computed from it equal those computed from every stored series (NaN and infinite steps
 * included, a mean that overflows to -Infinity surviving the round trip); a run without a row (ended
 * before migration 0006) gets it on first read, or has it computed where the connection may not
 * write; a step, an event, damage or a format change after it was written makes it be rebuilt;
 * deleting the run deletes it.
 */
import { describe, expect, it } from 'vitest';
import { OUTCOME_METRIC_KEYS, runOutcomes, stabilitySummary, type OutcomeOptions } from '../../src-shared/analysis/outcomes.js';
import { appendEvents, listEvents } from './events-queries.js';
import { insertStepRecords } from './metrics-queries.js';
import { OUTCOME_SUMMARY_FORMAT, outcomeSummaryOfEndedRun, readOutcomeSummary, readStoredSeries, recordOutcomeSummary } from './outcome-summaries-queries.js';
import { deleteRun, markRunEnded, markRunStarted } from './runs-queries.js';
import { readSeriesFast } from './series-bulk-queries.js';
import { addRun, stepRecord, useTestDatabase } from './test-fixtures.js';
import type { Database } from 'better-sqlite3';

const store = useTestDatabase();

/** Steps alternate on- and off-policy; some values are NaN or infinite; log-ratio variance overflows its mean at steps 1 and 3. */
const record = (step: number) =>
  stepRecord(step, {
    'charts/reward_mean': step === 4 ? Number.NaN : Math.sin(step) / 2 + step / 20,
    'losses/entropy': step === 6 ? Number.NaN : 1.5 - step / 8,
    'ratio/log_ratio_max_abs': step % 2 === 0 ? 0 : step === 7 ? Number.POSITIVE_INFINITY : 0.1 * step,
    'ratio/log_ratio_var': step === 1 ? 1.7e308 : step === 3 ? -1.7e308 : 0.01 * step,
    'clip/token_low': step === 5 ? Number.NaN : 0.01 * step,
    'clip/token_high': 0.02,
    'clip/token_region': Number.NaN,
    'clip/sequence': step % 3 === 0 ? 0.5 : 0,
    'ratio/raw_am_gm_gap': step % 2 === 0 ? 0 : 0.002 * step,
    'ratio/raw_am_hm_gap': step === 9 ? Number.NEGATIVE_INFINITY : 0.004,
    'objective/ess': step === 5 ? Number.NaN : step % 2 === 0 ? 1 : 0.5,
    'optim/qk_max_logit': step === 2 ? Number.POSITIVE_INFINITY : 10 + (step % 3),
    'optim/nonfinite_skips': step >= 5 ? 1 : 0,
    'optim/qk_heads_clipped': step % 4 === 0 ? 2 : 0,
  });

/** A run with 12 steps and events, ended with `status`. */
function endedRun(db: Database, status: 'finished' | 'stopped' | 'crashed'): number {
  const runId = addRun(db);
  markRunStarted(db, runId, { pid: 1 });
  insertStepRecords(db, runId, Array.from({ length: 12 }, (_, step) => record(step)));
  appendEvents(db, runId, [
    { kind: 'nonfinite-skip', step: 5, consecutive: 1, detail: 'loss is NaN' },
    { kind: 'eval', step: 11, reward: 0.625, successRate: 0.5 },
  ]);
  markRunEnded(db, runId, { status, ...(status === 'finished' ? {} : { error: `${status} by the test` }) });
  recordOutcomeSummary(db, runId); // as the run's owner does after the end (SqliteRunStore.markEnded; run-end.test.ts)
  return runId;
}

/** Today's computation: every outcome series read in full, counts from the events. */
function fullOutcomes(db: Database, runId: number, options: OutcomeOptions) {
  const series = Object.fromEntries(OUTCOME_METRIC_KEYS.map((key) => [key, readSeriesFast(db, runId, key)]));
  const evals = listEvents(db, runId, { kinds: ['eval'] });
  const last = evals.at(-1)?.event;
  const evalReward = last?.kind === 'eval' ? last.reward : null;
  return runOutcomes({ runId: String(runId), seed: 0, series, evalReward, nonFiniteSkips: listEvents(db, runId, { kinds: ['nonfinite-skip'] }).length }, options);
}

/** The outcomes from the stored summary and its reward and entropy series. */
function outcomesFromSummary(db: Database, runId: number, options: OutcomeOptions) {
  const summary = readOutcomeSummary(db, runId);
  if (summary === undefined) throw new Error(`run ${runId} has no valid stored summary`);
  const series = { 'charts/reward_mean': readStoredSeries(db, runId, 'charts/reward_mean')!, 'losses/entropy': readStoredSeries(db, runId, 'losses/entropy')! };
  return runOutcomes({ runId: String(runId), seed: 0, series, stability: summary.stability, evalReward: summary.lastEvalReward, nonFiniteSkips: summary.extras.nonFiniteEvents }, options);
}

const OPTIONS: OutcomeOptions[] = [{ target: 0.5 }, { target: 0.3, smoothingWeight: 0.6, finalWindow: 0.5, collapseEntropy: 0.8 }, { target: 2, finalWindow: 1 }];
const rowCount = (db: Database, runId: number) => db.prepare('SELECT count(*) FROM run_outcome_summaries WHERE run_id = ?').pluck().get(runId);

describe('outcome summaries', () => {
  for (const status of ['finished', 'stopped', 'crashed'] as const) {
    it(`are recorded for a run that is ${status}, and give the outcomes the full series give`, () => {
      const runId = endedRun(store.db, status);
      expect(rowCount(store.db, runId)).toBe(1);
      const summary = readOutcomeSummary(store.db, runId)!;
      expect(summary.stability).toEqual(stabilitySummary(Object.fromEntries(OUTCOME_METRIC_KEYS.map((key) => [key, readSeriesFast(store.db, runId, key)]))));
      expect(summary.stability.offPolicyMeans['ratio/log_ratio_var']).toBe(Number.NEGATIVE_INFINITY); // survives JSON
      expect(summary.extras).toEqual({ nonFiniteEvents: 1, qkClipStepFraction: 0.25 });
      expect(summary.lastEvalReward).toBe(0.625);
      for (const key of ['charts/reward_mean', 'losses/entropy'] as const) expect(readStoredSeries(store.db, runId, key)).toEqual(readSeriesFast(store.db, runId, key));
      for (const options of OPTIONS) expect(outcomesFromSummary(store.db, runId, options)).toEqual(fullOutcomes(store.db, runId, options));
    });
  }

  it('are written on first read for a run that ended without one (before migration 0006)', () => {
    const runId = endedRun(store.db, 'finished');
    store.db.prepare('DELETE FROM run_outcome_summaries WHERE run_id = ?').run(runId);
    expect(readOutcomeSummary(store.db, runId)).toBeUndefined();
    const lazy = outcomeSummaryOfEndedRun(store.db, runId);
    expect(rowCount(store.db, runId)).toBe(1);
    expect(readOutcomeSummary(store.db, runId)).toEqual(lazy);
    for (const options of OPTIONS) expect(outcomesFromSummary(store.db, runId, options)).toEqual(fullOutcomes(store.db, runId, options));
  });

  it('are computed without a row on a connection that may not write', () => {
    const runId = endedRun(store.db, 'finished');
    store.db.prepare('DELETE FROM run_outcome_summaries WHERE run_id = ?').run(runId);
    store.db.pragma('query_only = ON');
    try {
      expect(outcomeSummaryOfEndedRun(store.db, runId).lastEvalReward).toBe(0.625);
    } finally {
      store.db.pragma('query_only = OFF');
    }
    expect(rowCount(store.db, runId)).toBe(0);
  });

  it('are rebuilt after a later step, a later event, damage or a format change, and deleted with their run', () => {
    const runId = endedRun(store.db, 'stopped');
    insertStepRecords(store.db, runId, [{ ...record(12), metrics: { ...record(12).metrics, 'optim/qk_max_logit': 99 } }]);
    expect(readOutcomeSummary(store.db, runId)).toBeUndefined();
    expect(outcomeSummaryOfEndedRun(store.db, runId).stability.maxima['optim/qk_max_logit']).toBe(99);
    appendEvents(store.db, runId, [{ kind: 'eval', step: 12, reward: 0.875, successRate: 1 }]);
    expect(readOutcomeSummary(store.db, runId)).toBeUndefined();
    expect(outcomeSummaryOfEndedRun(store.db, runId).lastEvalReward).toBe(0.875);
    expect(readOutcomeSummary(store.db, runId)?.lastEvalReward).toBe(0.875);
    store.db.prepare("UPDATE run_outcome_summaries SET summary_json = '{not json', reward_series = x'00' WHERE run_id = ?").run(runId);
    expect(readOutcomeSummary(store.db, runId)).toBeUndefined(); // damaged: rebuilt, not thrown
    expect(readStoredSeries(store.db, runId, 'charts/reward_mean')).toBeUndefined();
    expect(outcomeSummaryOfEndedRun(store.db, runId).lastEvalReward).toBe(0.875);
    store.db.prepare('UPDATE run_outcome_summaries SET format = ? WHERE run_id = ?').run(OUTCOME_SUMMARY_FORMAT + 1, runId);
    expect(readOutcomeSummary(store.db, runId)).toBeUndefined();
    deleteRun(store.db, runId);
    expect(rowCount(store.db, runId)).toBe(0);
  });
});
