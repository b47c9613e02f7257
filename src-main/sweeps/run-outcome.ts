/**
 * The per-run outcome the until-resolved driver compares, read from the store. The definition is the
 * fixed-sample verdict's (src-shared/analysis/outcomes.ts: final reward = mean of charts/reward_mean
 * over the last DEFAULT_FINAL_WINDOW of recorded steps); this file only reads the series it needs.
 */
import type { Database } from 'better-sqlite3';
import type { RunSummary } from '../../src-shared/contract.js';
import { DEFAULT_FINAL_WINDOW, windowMean } from '../../src-shared/analysis/outcomes.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';

export const OUTCOMES = ['final-reward'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

const SOURCES: Record<OutcomeName, (db: Database, runId: number) => number | null> = {
  'final-reward': (db, runId) => windowMean(readSeriesFast(db, runId, 'charts/reward_mean'), DEFAULT_FINAL_WINDOW),
};

/** The outcome of one finished run; NaN when it recorded nothing to compute it from. */
export function runOutcome(db: Database, runId: number, outcome: OutcomeName): number {
  return SOURCES[outcome](db, runId) ?? Number.NaN;
}

/**
 * Whether a run's outcome can be used: it ended 'finished', so it recorded every one of its steps
 * (the exit protocol makes 'finished' the status of every run that trained to the end). A run that
 * stopped, failed or crashed is left out of the verdict rather than counted on part of its steps.
 */
export function recordedAllSteps(summary: Pick<RunSummary, 'status'>): boolean {
  return summary.status === 'finished';
}
