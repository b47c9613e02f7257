/**
 * The run manager's RunStore for remote runs: the SQLite store, plus what only remote runs need.
 * A resumed run (already 'running' when a restarted app adopts it) is not started twice; a run
 * whose worker was lost ends 'crashed' with a reason naming the worker (the manager only sees a
 * killed "child"); a finished run's stream and control key are deleted once its rows are written.
 */
import type { RunStore, RunEnd } from '../runs/run-store.js';
import type { SqliteRunStore } from '../app/sqlite-run-store.js';
import { parseRunId } from '../app/sqlite-run-store.js';
import { requireRun } from '../db/runs-queries.js';
import { setRunOwner } from '../db/run-control-queries.js';

export interface RemoteRunHooks {
  /** The reason a run's worker was lost, if it was. */
  lostReason(runId: string): string | undefined;
  /** Called after the run's end was recorded (its rows are all written by then). */
  ended(runId: string): void;
}

export function remoteRunStore(inner: SqliteRunStore, hooks: RemoteRunHooks): RunStore {
  return {
    createRun: (run) => inner.createRun(run),
    claim: (runId, ownerPid) => inner.claim(runId, ownerPid),
    config: (runId) => inner.config(runId),
    startable: (runId) => inner.startable(runId),
    markRunning(runId, info) {
      const id = parseRunId(runId);
      if (requireRun(inner.db, id).status === 'running') setRunOwner(inner.db, id, info.ownerPid);
      // A remote run has no local process: pid 0 marks it; reconciliation leaves remote runs (remote_job
      // set) to an app with --redis, which picks them up again.
      else inner.markRunning(runId, { pid: 0, ownerPid: info.ownerPid });
    },
    markBackend: (runId, backend) => inner.markBackend(runId, backend),
    appendSteps: (runId, records) => inner.appendSteps(runId, records),
    appendEvents: (runId, events) => inner.appendEvents(runId, events),
    markEnded(runId, end: RunEnd) {
      const lost = hooks.lostReason(runId);
      const ended = inner.markEnded(runId, lost !== undefined && end.status !== 'stopped' ? { status: 'crashed', reason: lost, exitCode: null, signal: null } : end);
      hooks.ended(runId);
      return ended;
    },
    heartbeat: (runIds) => inner.heartbeat(runIds),
    reconcile: () => inner.reconcile(),
    exists: (runId) => inner.exists(runId),
    summary: (runId) => inner.summary(runId),
    saveCheckpoint: (runId, checkpoint) => inner.saveCheckpoint(runId, checkpoint),
  };
}
