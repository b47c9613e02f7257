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
 * Whether a run's outcome can be used: it recorded every one of its steps. A run that ended
 * 'finished' always has; one that ended 'crashed' may have too: at the default model size the
 * trainer child disconnects before its final 'done' message is flushed (trainer-process.ts calls
 * process.disconnect() right after send), so the parent sees exit code 0 without an outcome and
 * records 'crashed' after step N of N. Exit condition: once the child waits for the send callback
 * of 'done', check only `status === 'finished'`.
 */
export function recordedAllSteps(summary: Pick<RunSummary, 'status' | 'stepsDone' | 'totalSteps'>): boolean {
  return summary.status === 'finished' || ((summary.status === 'crashed' || summary.status === 'failed') && summary.stepsDone >= summary.totalSteps);
}
