/**
 * Cross-process run control and the few reads the runs table needs in bulk: who owns a run, stop
 * requests from other processes, reconciliation of queued runs whose owner died, and each run's
 * reward summary and last wall time for listing many runs in one query.
 */
import type { Database } from 'better-sqlite3';
import { markRunEnded } from './runs-queries.js';
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

/** Queued runs whose owning process is gone become 'stopped' (they never started). Returns their ids. */
export function reconcileQueuedRuns(db: Database, isAlive: (pid: number) => boolean, now: number = Date.now()): number[] {
  const queued = cached(db, "SELECT id, owner_pid FROM runs WHERE status = 'queued'").all() as { id: number; owner_pid: number | null }[];
  const stopped: number[] = [];
  for (const { id, owner_pid: owner } of queued) {
    if (owner !== null && isAlive(owner)) continue;
    markRunEnded(db, id, { status: 'stopped', error: 'the process that queued this run ended before it started' }, now);
    stopped.push(id);
  }
  return stopped;
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
  const walls = cached(
    db,
    `SELECT s.run_id, s.wall_time FROM steps s
     JOIN (SELECT run_id, MAX(step) AS step FROM steps WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id) m
     ON m.run_id = s.run_id AND m.step = s.step`,
  ).raw().all(ids) as [number, number | null][];
  for (const [runId, wall] of walls) out.set(runId, { ...out.get(runId)!, wallTime: num(wall) });
  return out;
}
