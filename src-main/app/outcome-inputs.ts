/**
 * Reads what a run's outcomes and summary row need from the store for `metrics:compare`, besides
 * the series the request names: the entropy series (its window and collapse depend on the request),
 * the run's option-independent StabilitySummary (computed from 11 full series) and its counts (non-
 * finite skips, QK-clip step fraction, last greedy eval). All of it is kept per run and version
 * (series-cache.ts), so re-querying a comparison (every control change does) reads none of it
 * again until the run moves on. Not the outcome definitions: those are in
 * src-shared/analysis/outcomes.ts.
 */
import type { Database } from 'better-sqlite3';
import { MAXIMUM_KEYS, OFF_POLICY_MEAN_KEYS, stabilitySummary, type OutcomeMetricKey, type StabilitySummary, type StepSeries } from '../../src-shared/analysis/outcomes.js';
import type { RunExtras } from '../../src-shared/analysis/summary.js';
import { listEvents } from '../db/events-queries.js';
import { fractionPositive, readSeriesFast } from '../db/series-bulk-queries.js';
import { createSeriesReader, versionOf, type RunVersion, type SeriesReader } from './series-cache.js';

/** A run's outcome inputs besides its reward series. */
export interface OutcomeInputs {
  readonly series: Partial<Record<OutcomeMetricKey, StepSeries>>;
  readonly stability: StabilitySummary;
  /** Non-finite skip events and the fraction of steps with a QK-clipped head. */
  readonly extras: Required<Pick<RunExtras, 'nonFiniteEvents' | 'qkClipStepFraction'>>;
  /** Reward of the run's last greedy-evaluation event (the trainer evaluates once at the end of every run); null when none. */
  readonly lastEvalReward: number | null;
}

/** Runs kept at most (a few hundred bytes each); beyond it the cache starts over. */
const MAX_KEPT = 10_000;

function lastEvalReward(db: Database, runId: number): number | null {
  const last = listEvents(db, runId, { kinds: ['eval'] }).at(-1)?.event;
  return last?.kind === 'eval' ? last.reward : null;
}

/** A reader with its own cache, for one database connection; series come through `readSeries` (a fresh cache of its own when not given). */
export function createOutcomeInputReader(db: Database, readSeries: SeriesReader = createSeriesReader(db)): (runId: number, version: RunVersion) => OutcomeInputs {
  const kept = new Map<number, { readonly version: string; readonly facts: Omit<OutcomeInputs, 'series'> }>();
  return (runId, run) => {
    const version = versionOf(run);
    let entry = kept.get(runId);
    if (entry === undefined || entry.version !== version) {
      // The 11 series are read past the series cache: they are needed once per version, not per request.
      const keys = new Set<OutcomeMetricKey>([...OFF_POLICY_MEAN_KEYS, ...MAXIMUM_KEYS]);
      const series = Object.fromEntries([...keys].map((key) => [key, readSeriesFast(db, runId, key)]));
      if (kept.size >= MAX_KEPT) kept.clear();
      entry = {
        version,
        facts: {
          stability: stabilitySummary(series),
          extras: { nonFiniteEvents: listEvents(db, runId, { kinds: ['nonfinite-skip'] }).length, qkClipStepFraction: fractionPositive(db, runId, 'optim/qk_heads_clipped') },
          lastEvalReward: lastEvalReward(db, runId),
        },
      };
      kept.set(runId, entry);
    }
    return { series: { 'losses/entropy': readSeries.series(runId, 'losses/entropy', run) }, ...entry.facts };
  };
}
