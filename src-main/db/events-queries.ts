/**
 * The per-run event log: TrainEvents from the trainer (non-finite skips, QK clips, evals, warm start,
 * checkpoints), status changes written by runs-queries.ts, and errors reported by the trainer.
 * Append and list only; an event is never edited. Payloads are JSON, so a non-finite number inside
 * one reads back as null (per-step numbers belong in metrics, where NaN round-trips).
 */
import type { Database } from 'better-sqlite3';
import type { TrainEvent } from '../../src-shared/step-record.js';
import type { RunStatus } from '../../src-shared/contract.js';
import { cached } from './statements.js';

/** A run changed status (written in the same transaction as the change itself). */
export interface StatusChangeEvent {
  readonly kind: 'status';
  readonly from: RunStatus | null;
  readonly to: RunStatus;
  /** Why: the failure reason, the crash diagnosis, who stopped it. */
  readonly reason?: string;
  readonly exitCode?: number | null;
}

/** The trainer (or the host) reported an error; the run's status change follows separately. */
export interface RunErrorEvent {
  readonly kind: 'error';
  readonly step?: number;
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
}

/** Everything the log holds. */
export type RunEvent = TrainEvent | StatusChangeEvent | RunErrorEvent;

/** An event as stored: the event itself plus where and when. */
export interface StoredEvent {
  readonly id: number;
  readonly runId: number;
  /** Optimizer step the event belongs to, or null (status changes, warm start). */
  readonly step: number | null;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  readonly event: RunEvent;
}

/** Filter for `listEvents`. */
export interface EventFilter {
  /** Only these kinds (e.g. ['nonfinite-skip', 'qk-clip']). */
  readonly kinds?: readonly RunEvent['kind'][];
  /** Only events with id > afterId: for tailing a live run. */
  readonly afterId?: number;
  /** At most this many: the first ones, or with `newest`, the last ones (still oldest first). */
  readonly limit?: number;
  readonly newest?: boolean;
}

const INSERT_SQL = 'INSERT INTO events (run_id, step, kind, created_at, payload_json) VALUES (?, ?, ?, ?, ?)';

/** Appends one event and returns its id. Runs in the caller's transaction if there is one. */
export function appendEvent(db: Database, runId: number, event: RunEvent, now: number = Date.now()): number {
  const step = 'step' in event && typeof event.step === 'number' ? event.step : null;
  return Number(cached(db, INSERT_SQL).run(runId, step, event.kind, now, JSON.stringify(event)).lastInsertRowid);
}

/** Appends several events in one transaction. */
export function appendEvents(db: Database, runId: number, events: readonly RunEvent[], now: number = Date.now()): void {
  db.transaction(() => {
    for (const event of events) appendEvent(db, runId, event, now);
  }).immediate();
}

interface EventRow {
  id: number;
  run_id: number;
  step: number | null;
  created_at: number;
  payload_json: string;
}

/** A run's events, oldest first. */
export function listEvents(db: Database, runId: number, filter: EventFilter = {}): StoredEvent[] {
  const rows = cached(
    db,
    `SELECT id, run_id, step, created_at, payload_json FROM events
     WHERE run_id = :runId AND id > :afterId
       AND (:kinds IS NULL OR kind IN (SELECT value FROM json_each(:kinds)))
     ORDER BY id ${filter.newest === true ? 'DESC' : ''} LIMIT :limit`,
  ).all({
    runId,
    afterId: filter.afterId ?? 0,
    kinds: filter.kinds === undefined ? null : JSON.stringify(filter.kinds),
    limit: filter.limit ?? -1,
  }) as EventRow[];
  if (filter.newest === true) rows.reverse();
  return rows.map((row) => ({ id: row.id, runId: row.run_id, step: row.step, createdAt: row.created_at, event: JSON.parse(row.payload_json) as RunEvent }));
}
