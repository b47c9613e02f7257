// Liveness of other processes' runs: a running run whose owner died or stopped heartbeating is
// crashed, a queued one stopped; live owners, this process's own runs and finished runs are left
// alone; rows from before owners were recorded fall back to the trainer pid. Heartbeats and the
// start check. Real SQLite files.
import { describe, expect, it } from 'vitest';
import { OWNER_STALE_MS, reconcileOrphanedRuns, requestStop, setRunOwner, startCheck, touchRuns } from './run-control-queries.js';
import { deleteRun, getRun, markRunEnded, markRunStarted } from './runs-queries.js';
import { addRun, useTestDatabase } from './test-fixtures.js';

const store = useTestDatabase();

const LIVE_OWNER = 1001;
const DEAD_OWNER = 1002;
const isAlive = (pid: number) => pid === LIVE_OWNER || pid === 7;

/** A run owned by `owner`, started (trainer pid 7) unless `queued`, last seen at `seen`. */
function ownedRun(owner: number | null, seen: number, queued = false): number {
  const id = addRun(store.db);
  if (owner !== null) setRunOwner(store.db, id, owner);
  if (!queued) markRunStarted(store.db, id, { pid: 7 }, seen);
  touchRuns(store.db, [id], seen);
  return id;
}

describe('reconcileOrphanedRuns', () => {
  it('crashes running runs and stops queued runs whose owner is dead, and leaves live owners alone', () => {
    const now = 100_000;
    const deadRunning = ownedRun(DEAD_OWNER, now - 1000);
    const deadQueued = ownedRun(DEAD_OWNER, now - 1000, true);
    const liveRunning = ownedRun(LIVE_OWNER, now - 1000);
    const liveQueued = ownedRun(LIVE_OWNER, now - 1000, true);
    expect(reconcileOrphanedRuns(store.db, { isAlive, self: 1, now })).toEqual({ crashed: [deadRunning], stopped: [deadQueued] });
    expect(getRun(store.db, deadRunning)).toMatchObject({ status: 'crashed', finishedAt: now });
    expect(getRun(store.db, deadRunning)?.error).toBe(`the process that trained this run (pid ${DEAD_OWNER}) ended while it trained`);
    expect(getRun(store.db, deadQueued)?.error).toBe(`the process that queued this run (pid ${DEAD_OWNER}) ended before it started`);
    expect(getRun(store.db, liveRunning)?.status).toBe('running');
    expect(getRun(store.db, liveQueued)?.status).toBe('queued');
    // Idempotent: nothing left to change.
    expect(reconcileOrphanedRuns(store.db, { isAlive, self: 1, now })).toEqual({ crashed: [], stopped: [] });
  });

  it('leaves remote runs (a BullMQ job) to the next app with --redis, even when their app died', () => {
    const now = 100_000;
    const remote = ownedRun(DEAD_OWNER, now - 1000);
    store.db.prepare('UPDATE runs SET remote_job = ? WHERE id = ?').run('job-1', remote);
    const local = ownedRun(DEAD_OWNER, now - 1000);
    expect(reconcileOrphanedRuns(store.db, { isAlive, self: 1, now })).toEqual({ crashed: [local], stopped: [] });
    expect(getRun(store.db, remote)?.status).toBe('running');
  });

  it('takes an owner whose heartbeat is older than OWNER_STALE_MS for dead even if its pid exists (pid reuse, hung)', () => {
    const now = 1_000_000;
    const stale = ownedRun(LIVE_OWNER, now - OWNER_STALE_MS - 5000);
    const fresh = ownedRun(LIVE_OWNER, now - OWNER_STALE_MS + 5000);
    expect(reconcileOrphanedRuns(store.db, { isAlive, self: 1, now })).toEqual({ crashed: [stale], stopped: [] });
    expect(getRun(store.db, stale)?.error).toMatch(/sent no heartbeat for 35 s/);
    expect(getRun(store.db, fresh)?.status).toBe('running');
  });

  it("never touches this process's own runs, nor ended ones", () => {
    const now = 1_000_000;
    const mine = ownedRun(42, now - 10 * OWNER_STALE_MS);
    const ended = ownedRun(DEAD_OWNER, now - 1000);
    markRunEnded(store.db, ended, { status: 'finished' }, now - 500);
    expect(reconcileOrphanedRuns(store.db, { isAlive: () => false, self: 42, now })).toEqual({ crashed: [], stopped: [] });
    expect(getRun(store.db, mine)?.status).toBe('running');
    expect(getRun(store.db, ended)?.status).toBe('finished');
  });

  it('rows without an owner fall back to the trainer pid (running) or are stopped (queued)', () => {
    const now = 50_000;
    const alive = ownedRun(null, now - 1000);
    const queued = ownedRun(null, now - 1000, true);
    const dead = addRun(store.db);
    markRunStarted(store.db, dead, { pid: 111 }, now - 1000);
    expect(reconcileOrphanedRuns(store.db, { isAlive, self: 1, now })).toEqual({ crashed: [dead], stopped: [queued] });
    expect(getRun(store.db, dead)?.error).toMatch(/pid 111\) is no longer running/);
    expect(getRun(store.db, alive)?.status).toBe('running');
  });
});

describe('touchRuns and startCheck', () => {
  it('heartbeats queued and running runs only', () => {
    const queued = ownedRun(LIVE_OWNER, 10, true);
    const ended = ownedRun(LIVE_OWNER, 10);
    markRunEnded(store.db, ended, { status: 'stopped' }, 20);
    touchRuns(store.db, [queued, ended], 5000);
    expect(getRun(store.db, queued)?.heartbeatAt).toBe(5000);
    expect(getRun(store.db, ended)?.heartbeatAt).toBe(20);
  });

  it('says whether a queued run may start: deleted, stop requested, or no longer queued', () => {
    const ok = addRun(store.db);
    const stopped = addRun(store.db);
    const gone = addRun(store.db);
    const started = addRun(store.db);
    requestStop(store.db, stopped);
    deleteRun(store.db, gone);
    markRunStarted(store.db, started, { pid: 7 });
    expect([ok, stopped, gone, started].map((id) => startCheck(store.db, id))).toEqual(['startable', 'stop-requested', 'deleted', 'not-queued']);
  });
});
