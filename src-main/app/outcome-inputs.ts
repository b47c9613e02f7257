/**
 * Reads what a run's outcomes need from the store for `metrics:compare`: the entropy series (its
 * window and collapse depend on the request) and the run's option-independent StabilitySummary,
 * which is computed from 11 full series and then kept per run, so re-querying a comparison (every
 * control change does) reads two series per run instead of thirteen. The summary is recomputed
 * when the run's status or step count changes. Not the outcome definitions: those are in
 * src-shared/analysis/outcomes.ts.
 */
import type { Database } from 'better-sqlite3';
import { MAXIMUM_KEYS, OFF_POLICY_MEAN_KEYS, stabilitySummary, type OutcomeMetricKey, type StabilitySummary, type StepSeries } from '../../src-shared/analysis/outcomes.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';

/** A run's outcome inputs besides its reward series. */
export interface OutcomeInputs {
  readonly series: Partial<Record<OutcomeMetricKey, StepSeries>>;
  readonly stability: StabilitySummary;
}

/** Summaries kept at most (a few hundred bytes each); beyond it the cache starts over. */
const MAX_KEPT = 10_000;

/** A reader with its own cache, for one database connection. */
export function createOutcomeInputReader(db: Database): (runId: number, version: { readonly status: string; readonly stepsDone: number }) => OutcomeInputs {
  const kept = new Map<number, { readonly version: string; readonly stability: StabilitySummary }>();
  return (runId, { status, stepsDone }) => {
    const version = `${status}:${stepsDone}`;
    let entry = kept.get(runId);
    if (entry === undefined || entry.version !== version) {
      const keys = new Set<OutcomeMetricKey>([...OFF_POLICY_MEAN_KEYS, ...MAXIMUM_KEYS]);
      const series = Object.fromEntries([...keys].map((key) => [key, readSeriesFast(db, runId, key)]));
      if (kept.size >= MAX_KEPT) kept.clear();
      entry = { version, stability: stabilitySummary(series) };
      kept.set(runId, entry);
    }
    return { series: { 'losses/entropy': readSeriesFast(db, runId, 'losses/entropy') }, stability: entry.stability };
  };
}
