/**
 * Cross-process run control and the few reads the runs table needs in bulk: who owns a run, stop
 * requests from other processes, heartbeats and the liveness check of runs whose owner died, and each run's
 * reward summary and last wall time for listing many runs in one query.
 */
import type { Database } from 'better-sqlite3';
import { markRunEnded } from './runs-queries.js';
import { InvalidStatusTransitionError, RunNotFoundError } from './store-errors.js';
import { cached } from './statements.js';

export function setRunOwner(db: Database, runId: number, ownerPid: number): void {
  cached(db, 'UPDATE runs SET owner_pid = ? WHERE id = ?').run(ownerPid, runId);
}

/** Asks the owning process to stop the run; false if the run is not queued or running. */
export function requestStop(db: Database, runId: number, now: number = Date.now()): boolean {
  return cached(db, "UPDATE runs SET stop_requested_at = ? WHERE id = ? AND status IN ('queued', 'running')").run(now, runId).changes === 1;
}

/** Which of these runs another process asked to stop. */
export function stopRequests(db: Database, runIds: readonly number[]): number[] {
  if (runIds.length === 0) return [];
  return cached(db, 'SELECT id FROM runs WHERE stop_requested_at IS NOT NULL AND id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(runIds)) as number[];
}

/** Which of these runs another process already ended (e.g. its liveness check took the owner for dead): their trainers must stop. */
export function endedRuns(db: Database, runIds: readonly number[]): number[] {
  if (runIds.length === 0) return [];
  return cached(db, "SELECT id FROM runs WHERE status NOT IN ('queued', 'running') AND id IN (SELECT value FROM json_each(?))").pluck().all(JSON.stringify(runIds)) as number[];
}

/** Marks queued and running runs as alive (their owner is this process and it is responsive). */
export function touchRuns(db: Database, runIds: readonly number[], now: number = Date.now()): void {
  if (runIds.length === 0) return;
  cached(db, "UPDATE runs SET heartbeat_at = ? WHERE status IN ('queued', 'running') AND id IN (SELECT value FROM json_each(?))").run(now, JSON.stringify(runIds));
}

/** A run's owner that has not heartbeated for this long is taken for dead even if its pid exists (pid reuse, a hung process). */
export const OWNER_STALE_MS = 30_000;

export interface ReconcileOptions {
  /** Whether a process exists (the caller's probe: db/ starts and watches no processes). */
  readonly isAlive: (pid: number) => boolean;
  /** This process: its own runs are never reconciled here (its run manager knows them). */
  readonly self?: number;
  readonly now?: number;
  readonly staleMs?: number;
}

interface ActiveRow {
  readonly id: number;
  readonly status: 'queued' | 'running';
  readonly owner_pid: number | null;
  readonly pid: number | null;
  readonly seen: number;
}

/** Why an active run's owner is gone, or null if it is alive. Rows from before owners were recorded fall back to the trainer pid. */
function orphanReason(row: ActiveRow, isAlive: (pid: number) => boolean, now: number, staleMs: number): string | null {
  const queued = row.status === 'queued';
  if (row.owner_pid === null) {
    if (queued) return 'the process that queued this run ended before it started';
    if (row.pid !== null && row.pid > 0 && isAlive(row.pid)) return null;
    return row.pid === null || row.pid <= 0 ? 'the run was marked running without a process id' : `its trainer process (pid ${row.pid}) is no longer running; the app or the machine probably stopped while it trained`;
  }
  const owner = `the process that ${queued ? 'queued' : 'trained'} this run (pid ${row.owner_pid})`;
  if (!isAlive(row.owner_pid)) return queued ? `${owner} ended before it started` : `${owner} ended while it trained`;
  const silent = now - row.seen;
  if (silent > staleMs) return `${owner} sent no heartbeat for ${Math.round(silent / 1000)} s${queued ? '; the run never started' : ''}`;
  return null;
}

/**
 * Liveness of other processes' runs, run at start-up and periodically by every live process:
 * a running run whose owner died (or stopped heartbeating) becomes 'crashed', a queued one 'stopped'
 * (it never started). Returns the ids it changed; a run another process ended meanwhile is skipped.
 */
export function reconcileOrphanedRuns(db: Database, options: ReconcileOptions): { crashed: number[]; stopped: number[] } {
  const { isAlive, self = process.pid, now = Date.now(), staleMs = OWNER_STALE_MS } = options;
  const rows = cached(
    db,
    // Remote runs (a BullMQ job) are left out: their trainer lives on a worker and may still be training
    // after their app died; the next app with --redis reads on from their stream, and a dead worker is
    // found by BullMQ's stalled-job check (src-main/workers/).
    "SELECT id, status, owner_pid, pid, COALESCE(heartbeat_at, started_at, created_at) AS seen FROM runs WHERE status IN ('queued', 'running') AND remote_job IS NULL",
  ).all() as ActiveRow[];
  const out = { crashed: [] as number[], stopped: [] as number[] };
  for (const row of rows) {
    if (row.owner_pid === self) continue;
    const reason = orphanReason(row, isAlive, now, staleMs);
    if (reason === null) continue;
    const status = row.status === 'running' ? 'crashed' : 'stopped';
    try {
      markRunEnded(db, row.id, { status, error: reason }, now);
      out[status].push(row.id);
    } catch (error) {
      // Another process ended or deleted it between the read and this write.
      if (!(error instanceof InvalidStatusTransitionError || error instanceof RunNotFoundError)) throw error;
    }
  }
  return out;
}

export interface RunProgress {
  readonly lastReward: number | null;
  readonly bestReward: number | null;
  readonly evalReward: number | null;
  readonly wallTime: number | null;
}

const num = (v: number | null | undefined): number | null => (v === null || v === undefined || Number.isNaN(v) ? null : v);

/** Reward summary and last wall time of each run, in two indexed queries however many runs. */
export function readRunProgress(db: Database, runIds: readonly number[]): Map<number, RunProgress> {
  const ids = JSON.stringify(runIds);
  const out = new Map<number, RunProgress>(runIds.map((id) => [id, { lastReward: null, bestReward: null, evalReward: null, wallTime: null }]));
  const rewards = cached(
    db,
    `SELECT s.run_id, k.name, s.last_value, s.max_value FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id
     WHERE k.name IN ('charts/reward_mean', 'charts/eval_reward') AND s.run_id IN (SELECT value FROM json_each(?))`,
  ).raw().all(ids) as [number, string, number | null, number | null][];
  for (const [runId, key, last, max] of rewards) {
    const current = out.get(runId)!;
    out.set(runId, key === 'charts/reward_mean' ? { ...current, lastReward: num(last), bestReward: num(max) } : { ...current, evalReward: num(last) });
  }
  // One index seek per run for its last step's wall time (a GROUP BY max(step) scanned every step row: ~2 ms per 20,000-step run).
  const walls = cached(
    db,
    `SELECT j.value, (SELECT s.wall_time FROM steps s WHERE s.run_id = j.value ORDER BY s.step DESC LIMIT 1) FROM json_each(?) j`,
  ).raw().all(ids) as [number, number | null][];
  for (const [runId, wall] of walls) out.set(runId, { ...out.get(runId)!, wallTime: num(wall) });
  return out;
}

/** Whether a queued run may start now, checked just before its trainer is launched. */
export type StartCheck = 'startable' | 'deleted' | 'stop-requested' | 'not-queued';

export function startCheck(db: Database, runId: number): StartCheck {
  const row = cached(db, 'SELECT status, stop_requested_at FROM runs WHERE id = ?').get(runId) as { status: string; stop_requested_at: number | null } | undefined;
  if (row === undefined) return 'deleted';
  if (row.status !== 'queued') return 'not-queued';
  return row.stop_requested_at === null ? 'startable' : 'stop-requested';
}
