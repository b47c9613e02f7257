/**
 * Reads what a run's outcomes and summary row need from the store for `metrics:compare`: the reward
 * and entropy series (smoothing, target, final window and collapse are applied to them per request)
 * and the run's option-independent OutcomeSummary (StabilitySummary of 11 full series, non-finite
 * skips, QK-clip step fraction, last greedy eval). For an ended run all of it comes from the row
 * stored at its end (written here on first read for runs ended before migration 0006): one row
 * instead of 13 series of 20,000 rows. A run still training has it computed from its series. The
 * summary is kept in memory per run and version and the series go through the series cache
 * (series-cache.ts), so re-querying a comparison (every control change does) reads none of it again
 * until the run moves on. Not the outcome definitions (src-shared/analysis/outcomes.ts) nor the SQL
 * (db/outcome-summaries-queries.ts).
 */
import type { Database } from 'better-sqlite3';
import { isActiveStatus, type RunStatus } from '../../src-shared/contract.js';
import type { OutcomeMetricKey, StepSeries } from '../../src-shared/analysis/outcomes.js';
import { computeOutcomeSummary, outcomeSummaryOfEndedRun, readStoredSeries, type OutcomeSummary, type StoredSeriesKey } from '../db/outcome-summaries-queries.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';
import { createSeriesReader, versionOf, type RunVersion, type SeriesReader } from './series-cache.js';

/** A run's outcome inputs: its summary, and its reward and entropy series. */
export interface OutcomeInputs extends OutcomeSummary {
  readonly series: Partial<Record<OutcomeMetricKey, StepSeries>>;
}

/** Runs kept at most (a few hundred bytes each); beyond it the cache starts over. */
const MAX_KEPT = 10_000;

/** A reader with its own cache, for one database connection; series come through `readSeries` (a fresh cache of its own when not given). */
export function createOutcomeInputReader(db: Database, readSeries: SeriesReader = createSeriesReader(db)): (runId: number, version: RunVersion) => OutcomeInputs {
  const kept = new Map<number, { readonly version: string; readonly facts: OutcomeSummary }>();
  return (runId, run) => {
    const version = versionOf(run);
    let entry = kept.get(runId);
    if (entry === undefined || entry.version !== version) {
      if (kept.size >= MAX_KEPT) kept.clear();
      entry = { version, facts: isActiveStatus(run.status as RunStatus) ? computeOutcomeSummary(db, runId) : outcomeSummaryOfEndedRun(db, runId) };
      kept.set(runId, entry);
    }
    // An ended run's summary row (checked or rebuilt above when this version was first seen) keeps the series whole.
    const ended = !isActiveStatus(run.status as RunStatus);
    const series = (key: StoredSeriesKey) => readSeries.series(runId, key, run, () => (ended ? readStoredSeries(db, runId, key) : undefined) ?? readSeriesFast(db, runId, key));
    return { series: { 'charts/reward_mean': series('charts/reward_mean'), 'losses/entropy': series('losses/entropy') }, ...entry.facts };
  };
}
