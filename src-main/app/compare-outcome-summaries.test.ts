/**
 * metrics:compare reads ended runs' stored outcome summaries (issue 11) and answers exactly what the
 * full computation does: each run's outcomes equal runOutcomes over every stored series (finished,
 * stopped and crashed runs, NaN and infinite steps included), its reward curves equal those drawn from
 * the metrics rows, and an app opened on a database whose runs have no summary rows (ended before
 * migration 0006) gives the same answer and writes the rows.
 */
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTCOME_METRIC_KEYS, runOutcomes } from '../../src-shared/analysis/outcomes.js';
import type { CompareRequest, CompareResult } from '../../src-shared/contract.js';
import { appendEvents, listEvents } from '../db/events-queries.js';
import { insertStepRecords } from '../db/metrics-queries.js';
import { markRunStarted } from '../db/runs-queries.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';
import { addRun, stepRecord, temporaryFolder } from '../db/test-fixtures.js';
import { createApp } from './create-app.js';

const folder = temporaryFolder();
afterAll(() => folder.remove());
const databasePath = join(folder.dir, 'lab.db');

/** A step of run `r`: off-policy on odd steps, with NaN and infinite values here and there. */
const record = (r: number, step: number) =>
  stepRecord(step, {
    'charts/reward_mean': step === 7 ? Number.NaN : (step / 30) * (1 + r / 4) + Math.sin(step + r) / 20,
    'losses/entropy': step === 3 ? Number.NaN : 1.2 - step / (20 + r),
    'ratio/log_ratio_max_abs': step % 2 === 0 ? 0 : step === 9 ? Number.POSITIVE_INFINITY : 0.05 * step + r,
    'ratio/log_ratio_var': step === 5 ? Number.NaN : 0.01 * step * (r + 1),
    'clip/token_low': 0.01 * r,
    'clip/token_high': step === 11 ? Number.NEGATIVE_INFINITY : 0.02,
    'clip/token_region': 0.03 * step,
    'clip/sequence': step % 3 === 0 ? 0.5 : 0,
    'ratio/raw_am_gm_gap': 0.002 * step,
    'ratio/raw_am_hm_gap': 0.004 * r,
    'objective/ess': step === 13 ? Number.NaN : 1 - 0.01 * step,
    'optim/qk_max_logit': 10 + ((step * (r + 1)) % 7),
    'optim/nonfinite_skips': step > 7 ? 1 : 0,
    'optim/qk_heads_clipped': (step + r) % 5 === 0 ? 1 : 0,
  });

const ENDS = ['finished', 'stopped', 'crashed', 'finished'] as const;

function fullOutcomeValues(db: Database, runId: number, target: number, smoothingWeight: number) {
  const series = Object.fromEntries(OUTCOME_METRIC_KEYS.map((key) => [key, readSeriesFast(db, runId, key)]));
  const last = listEvents(db, runId, { kinds: ['eval'] }).at(-1)?.event;
  const input = { runId: String(runId), seed: 0, series, evalReward: last?.kind === 'eval' ? last.reward : null, nonFiniteSkips: listEvents(db, runId, { kinds: ['nonfinite-skip'] }).length };
  return runOutcomes(input, { target, smoothingWeight }).values;
}

describe('metrics:compare over stored outcome summaries', () => {
  const request: CompareRequest = { runIds: [], key: 'charts/reward_mean', x: 'step', gridPoints: 20, smoothing: 0.3, band: 'std', target: 0.4 };
  let first: CompareResult;

  it('answers each ended run with the outcomes of its full series', async () => {
    const app = createApp({ databasePath, mode: 'cli', concurrency: 1 });
    const runIds = ENDS.map((status, r) => {
      const id = addRun(app.db, { objective: { preset: r < 2 ? 'hmpo' : 'gspo' }, seed: r % 2 });
      markRunStarted(app.db, id, { pid: 1 });
      insertStepRecords(app.db, id, Array.from({ length: 24 }, (_, step) => record(r, step)));
      appendEvents(app.db, id, [{ kind: 'nonfinite-skip', step: 7, consecutive: 1, detail: 'loss is NaN' }, { kind: 'eval', step: 23, reward: 0.25 * r, successRate: 0 }]);
      // Ended as the run's owner ends it (the run manager's store), which records the summary.
      app.store.markEnded(String(id), { status, reason: status === 'finished' ? null : `${status} by the test`, exitCode: null, signal: null });
      return String(id);
    });
    expect(app.db.prepare('SELECT count(*) FROM run_outcome_summaries').pluck().get()).toBe(4);
    const answer = await app.dispatch('metrics:compare', { ...request, runIds });
    expect(answer.ok).toBe(true);
    first = (answer as { value: CompareResult }).value;
    expect(first.outcomes!.map((o) => o.runId).sort()).toEqual([...runIds].sort());
    for (const row of first.outcomes!) expect(row.values).toEqual(fullOutcomeValues(app.db, Number(row.runId), 0.4, 0.3));
    expect(first.verdicts?.length).toBeGreaterThan(0);
    await app.close();
  });

  it('gives the same answer on a database without summary rows, and writes them', async () => {
    const app = createApp({ databasePath, mode: 'cli', concurrency: 1 });
    app.db.exec('DELETE FROM run_outcome_summaries');
    const runIds = first.outcomes!.map((o) => o.runId);
    // Curves only (no outcomes, so no summary rows): the reward is read from the metrics rows.
    const curves = (await app.dispatch('metrics:compare', { ...request, runIds, withSummary: false })) as { value: CompareResult };
    expect(curves.value.groups).toEqual(first.groups);
    expect(app.db.prepare('SELECT count(*) FROM run_outcome_summaries').pluck().get()).toBe(0);
    const answer = (await app.dispatch('metrics:compare', { ...request, runIds })) as { value: CompareResult };
    expect(answer.value).toEqual(first);
    expect(app.db.prepare('SELECT count(*) FROM run_outcome_summaries').pluck().get()).toBe(4);
    await app.close();
  });
});
