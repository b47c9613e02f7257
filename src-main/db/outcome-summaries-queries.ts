/**
 * The per-run outcome-input summary (table run_outcome_summaries, migration 0006): what a run's
 * outcomes need that no request option changes (the StabilitySummary of the 11 stability series,
 * non-finite skip events, QK-clipped step fraction, last greedy eval), plus the reward and entropy
 * series packed whole (the per-request options apply to those, so they cannot be reduced without
 * changing the results). It is computed from the stored series and events (computeOutcomeSummary),
 * written when its owner ends a run (recordOutcomeSummary, called by SqliteRunStore.markEnded; runs
 * another process's liveness check ended get theirs on first read) and read back by Compare
 * instead of 13 series of rows (readOutcomeSummary, readStoredSeries). A row is valid only while
 * the run's steps, newest event and the summary format are those it was computed from, so a step or
 * event that lands after the end never leaves it stale. Not the outcome definitions
 * (src-shared/analysis/outcomes.ts).
 */
import type { Database } from 'better-sqlite3';
import { MAXIMUM_KEYS, OFF_POLICY_MEAN_KEYS, stabilitySummary, type OutcomeMetricKey, type StabilitySummary } from '../../src-shared/analysis/outcomes.js';
import type { RunExtras } from '../../src-shared/analysis/summary.js';
import { listEvents } from './events-queries.js';
import type { MetricSeries } from './metric-readers.js';
import { fractionPositive, readSeriesFast } from './series-bulk-queries.js';
import { cached } from './statements.js';

/** A run's option-independent outcome inputs. */
export interface OutcomeSummary {
  readonly stability: StabilitySummary;
  /** Non-finite skip events and the fraction of steps with a QK-clipped head. */
  readonly extras: Required<Pick<RunExtras, 'nonFiniteEvents' | 'qkClipStepFraction'>>;
  /** Reward of the run's last greedy-evaluation event (the trainer evaluates once at the end of every run); null when none. */
  readonly lastEvalReward: number | null;
}

/** Bumped whenever OutcomeSummary or its computation changes: rows of another format are rebuilt on read. */
export const OUTCOME_SUMMARY_FORMAT = 1;

/** The state of a run's stored data a summary was computed from. */
interface SourceState {
  readonly stepsDone: number;
  readonly lastEventId: number;
}

function sourceState(db: Database, runId: number): SourceState {
  const lastStep = cached(db, 'SELECT max(step) FROM steps WHERE run_id = ?').pluck().get(runId) as number | null;
  const lastEventId = cached(db, 'SELECT id FROM events WHERE run_id = ? ORDER BY id DESC LIMIT 1').pluck().get(runId) as number | undefined;
  return { stepsDone: lastStep === null ? 0 : lastStep + 1, lastEventId: lastEventId ?? 0 };
}

/** Computes the summary from the run's stored series and events (reads 11 full series). */
export function computeOutcomeSummary(db: Database, runId: number): OutcomeSummary {
  const keys = new Set<OutcomeMetricKey>([...OFF_POLICY_MEAN_KEYS, ...MAXIMUM_KEYS]);
  const series = Object.fromEntries([...keys].map((key) => [key, readSeriesFast(db, runId, key)]));
  const lastEval = listEvents(db, runId, { kinds: ['eval'] }).at(-1)?.event;
  return {
    stability: stabilitySummary(series),
    extras: { nonFiniteEvents: listEvents(db, runId, { kinds: ['nonfinite-skip'] }).length, qkClipStepFraction: fractionPositive(db, runId, 'optim/qk_heads_clipped') },
    lastEvalReward: lastEval?.kind === 'eval' ? lastEval.reward : null,
  };
}

// JSON has no Infinity or NaN; a mean can overflow to Infinity, so non-finite numbers travel as strings.
const encode = (summary: OutcomeSummary): string => JSON.stringify(summary, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
const decode = (json: string): OutcomeSummary =>
  JSON.parse(json, (_key, value: unknown) => (value === 'Infinity' || value === '-Infinity' || value === 'NaN' ? Number(value) : value)) as OutcomeSummary;

/** The run's stored summary if it is still valid for the run's current steps and events; else undefined. */
export function readOutcomeSummary(db: Database, runId: number): OutcomeSummary | undefined {
  const row = cached(db, 'SELECT format, steps_done, last_event_id, summary_json FROM run_outcome_summaries WHERE run_id = ?').raw().get(runId) as [number, number, number, string] | undefined;
  if (row === undefined) return undefined;
  const [format, stepsDone, lastEventId, json] = row;
  if (format !== OUTCOME_SUMMARY_FORMAT) return undefined;
  const now = sourceState(db, runId);
  if (now.stepsDone !== stepsDone || now.lastEventId !== lastEventId) return undefined;
  try {
    return decode(json);
  } catch {
    return undefined; // a damaged row (edited by hand, a torn disk) is rebuilt like a stale one
  }
}

/** The series a summary row keeps whole, and its column. */
export const STORED_SERIES = { 'charts/reward_mean': 'reward_series', 'losses/entropy': 'entropy_series' } as const;
export type StoredSeriesKey = keyof typeof STORED_SERIES;

/** A series as one blob: its n steps, then its n values, as little-endian float64 (NaN and infinities kept). */
function pack({ steps, values }: MetricSeries): Buffer {
  const blob = Buffer.alloc(16 * steps.length);
  steps.forEach((step, i) => blob.writeDoubleLE(step, 8 * i));
  values.forEach((value, i) => blob.writeDoubleLE(value, 8 * (steps.length + i)));
  return blob;
}

function unpack(blob: Buffer): MetricSeries {
  const n = blob.length / 16;
  const steps = new Array<number>(n);
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    steps[i] = blob.readDoubleLE(8 * i);
    values[i] = blob.readDoubleLE(8 * (n + i));
  }
  return { steps, values };
}

/**
 * One of the series the run's summary row keeps (equal to readSeriesFast's answer when the row was
 * written); undefined without a whole row. Check the row with readOutcomeSummary first: this does not.
 */
export function readStoredSeries(db: Database, runId: number, key: StoredSeriesKey): MetricSeries | undefined {
  const blob = cached(db, `SELECT ${STORED_SERIES[key]} FROM run_outcome_summaries WHERE run_id = ? AND format = ${OUTCOME_SUMMARY_FORMAT}`).pluck().get(runId) as unknown;
  // Anything but whole (step, value) pairs is a damaged row: the caller reads the metrics rows instead.
  return Buffer.isBuffer(blob) && blob.length % 16 === 0 ? unpack(blob) : undefined;
}

/** Computes the run's summary and stores it with its reward and entropy series (replacing any older row); returns the summary. */
export function recordOutcomeSummary(db: Database, runId: number): OutcomeSummary {
  return db.transaction((): OutcomeSummary => {
    const state = sourceState(db, runId);
    const summary = computeOutcomeSummary(db, runId);
    cached(db, 'INSERT OR REPLACE INTO run_outcome_summaries (run_id, format, steps_done, last_event_id, summary_json, reward_series, entropy_series) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      runId,
      OUTCOME_SUMMARY_FORMAT,
      state.stepsDone,
      state.lastEventId,
      encode(summary),
      pack(readSeriesFast(db, runId, 'charts/reward_mean')),
      pack(readSeriesFast(db, runId, 'losses/entropy')),
    );
    return summary;
  }).immediate();
}

/**
 * The stored summary when valid, else computed and stored now (runs ended before migration 0006, or
 * written to since). On a connection that may not write (read-only, query_only) it is computed only.
 */
export function outcomeSummaryOfEndedRun(db: Database, runId: number): OutcomeSummary {
  const stored = readOutcomeSummary(db, runId);
  if (stored !== undefined) return stored;
  try {
    return recordOutcomeSummary(db, runId);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_READONLY') return computeOutcomeSummary(db, runId);
    throw error;
  }
}
