/**
 * The composition root shared by the desktop app, browser mode and the CLI: opens (and migrates)
 * the database, reconciles runs left behind by processes that died, and wires the store, the run
 * manager, live events, export jobs, the contract handlers and the dispatch. `close()` stops every
 * run it owns and closes the database. It starts no server and no window.
 */
import type { Database } from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import type { AppInfo } from '../../src-shared/contract.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { openDatabase } from '../db/open-database.js';
import { reconcileQueuedRuns } from '../db/run-control-queries.js';
import { isProcessAlive, reconcileRuns } from '../db/runs-queries.js';
import { RunManager } from '../runs/run-manager.js';
import type { ChildLauncher } from '../trainer/trainer-host.js';
import { createHandlers } from './app-handlers.js';
import { APP_VERSION } from './app-version.js';
import { createDispatch, type ContractHandlers, type Dispatch } from './dispatch.js';
import { EventHub } from './event-hub.js';
import { ExportJobs } from './export-jobs.js';
import { SqliteRunStore } from './sqlite-run-store.js';
import { REMOTE_CONCURRENCY, type RemoteRuns } from '../workers/remote-runs.js';

export interface AppOptions {
  readonly databasePath: string;
  readonly mode: AppInfo['mode'];
  readonly concurrency?: number;
  readonly launcher?: ChildLauncher;
  readonly onStep?: (runId: string, record: StepRecord) => void;
  /** Train on remote workers through Redis instead of forking locally (closed with the app). */
  readonly remote?: RemoteRuns;
}

export interface App {
  readonly db: Database;
  readonly store: SqliteRunStore;
  readonly manager: RunManager;
  readonly events: EventHub;
  readonly exports: ExportJobs;
  readonly handlers: ContractHandlers;
  readonly dispatch: Dispatch;
  readonly info: AppInfo;
  /** Runs reconciled at start-up: running ones whose trainer died (crashed), queued ones whose owner died (stopped). */
  readonly reconciled: { readonly crashed: number[]; readonly stopped: number[] };
  close(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const db = openDatabase(options.databasePath);
  const reconciled = { crashed: reconcileRuns(db), stopped: reconcileQueuedRuns(db, isProcessAlive) };
  const events = new EventHub();
  const store = new SqliteRunStore(db, APP_VERSION);
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const remote = options.remote?.attach(store);
  const manager = new RunManager({
    store: remote?.store ?? store,
    events,
    concurrency: remote ? REMOTE_CONCURRENCY : concurrency,
    ...(options.launcher ? { launcher: options.launcher } : {}),
    ...(remote ? { launcherForRun: remote.launcherForRun } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  // Remote runs an earlier app left running may still train on a worker: read on from their streams.
  if (options.remote) manager.adopt(options.remote.unfinished(store));
  const exports = new ExportJobs(events);
  const info: AppInfo = { version: APP_VERSION, databasePath: options.databasePath, concurrency, mode: options.mode };
  const workers = options.remote ? () => options.remote!.status() : undefined;
  const handlers = createHandlers({ db, store, manager, events, exports, info, ...(workers ? { workers } : {}) });
  const dispatch = createDispatch(handlers, (error, channel) => console.error(`hmpo-lab: ${channel} failed:`, error));
  let closed = false;
  return {
    db,
    store,
    manager,
    events,
    exports,
    handlers,
    dispatch,
    info,
    reconciled,
    async close() {
      if (closed) return;
      closed = true;
      await manager.stopAll();
      manager.dispose();
      await options.remote?.close();
      db.close();
    },
  };
}
