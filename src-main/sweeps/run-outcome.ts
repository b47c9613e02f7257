/**
 * The per-run outcome the until-resolved driver compares, read from the store. ONE place to swap:
 * when src-shared/analysis/outcomes.ts (the fixed-sample verdict's per-run outcomes) lands, replace
 * `finalReward` and OUTCOMES with its definitions. Until then: final reward = mean of
 * charts/reward_mean over the last 10% of recorded steps (at least one step).
 */
import type { Database } from 'better-sqlite3';
import type { RunSummary } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';

export const OUTCOMES = ['final-reward'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

/** Mean of the last 10% of the values (NaN ones left out); NaN when there are none. */
export function finalReward(values: readonly number[]): number {
  const tail = values.slice(values.length - Math.max(1, Math.ceil(values.length * 0.1))).filter(Number.isFinite);
  return tail.length === 0 ? Number.NaN : tail.reduce((s, v) => s + v, 0) / tail.length;
}

const SOURCES: Record<OutcomeName, { key: MetricKey; reduce: (values: readonly number[]) => number }> = {
  'final-reward': { key: 'charts/reward_mean', reduce: finalReward },
};

/** The outcome of one finished run; NaN when it recorded nothing to compute it from. */
export function runOutcome(db: Database, runId: number, outcome: OutcomeName): number {
  const source = SOURCES[outcome];
  return source.reduce(readSeriesFast(db, runId, source.key).values);
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
