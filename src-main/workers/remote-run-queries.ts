/**
 * The two columns of migration 0004: a remote run's BullMQ job id and the worker that trained it,
 * and the list of remote runs an app must pick up again after a restart. Nothing here talks to Redis.
 */
import type { Database } from 'better-sqlite3';
import { cached } from '../db/statements.js';

export function setRemoteJob(db: Database, runId: number, jobId: string): void {
  cached(db, 'UPDATE runs SET remote_job = ? WHERE id = ?').run(jobId, runId);
}

export function setRunWorker(db: Database, runId: number, worker: string): void {
  cached(db, 'UPDATE runs SET worker = ? WHERE id = ?').run(worker, runId);
}

export function runWorker(db: Database, runId: number): string | null {
  return (cached(db, 'SELECT worker FROM runs WHERE id = ?').pluck().get(runId) as string | null | undefined) ?? null;
}

/** Remote runs left running by an app that stopped (owner not alive): they may still train on a worker. */
export function unfinishedRemoteRuns(db: Database, isAlive: (pid: number) => boolean): { runId: string; name: string }[] {
  const rows = cached(db, "SELECT id, name, owner_pid FROM runs WHERE status = 'running' AND remote_job IS NOT NULL ORDER BY id").all() as { id: number; name: string; owner_pid: number | null }[];
  return rows.filter((r) => r.owner_pid === null || !isAlive(r.owner_pid)).map((r) => ({ runId: String(r.id), name: r.name }));
}

/** The trainer's events already stored for a run (payload JSON as written), not the app's status changes. */
export function storedTrainEvents(db: Database, runId: number): string[] {
  return cached(db, "SELECT payload_json FROM events WHERE run_id = ? AND kind NOT IN ('status', 'error')").pluck().all(runId) as string[];
}
