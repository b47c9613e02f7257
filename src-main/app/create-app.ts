/**
 * The composition root shared by the desktop app, browser mode and the CLI: opens (and migrates)
 * the database, reconciles runs left behind by processes that died, and wires the store, the run
 * manager, live events, export jobs, the contract handlers and the dispatch. `close()` stops every
 * run it owns and closes the database. It starts no server and no window.
 */
import type { ConfigCellsOf } from '../../src-shared/config-cells.js';
import type { Database } from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import type { AppInfo } from '../../src-shared/contract.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { RunManager } from '../runs/run-manager.js';
import type { ChildLauncher } from '../trainer/trainer-host.js';
import { createHandlers } from './app-handlers.js';
import { APP_VERSION } from './app-version.js';
import { createDispatch, UserFacingError, type ContractHandlers, type Dispatch } from './dispatch.js';
import { EventHub } from './event-hub.js';
import { ExportJobs } from './export-jobs.js';
import type { ExportRoot } from '../export/export-root.js';
import { openStore } from './open-store.js';
import type { SqliteRunStore } from './sqlite-run-store.js';
import type { RemoteRuns } from '../workers/remote-runs.js';

/** Runs queued on remote workers have no local limit: the workers' own concurrency is the limit. */
const REMOTE_CONCURRENCY = 100_000;

export interface AppOptions {
  readonly databasePath: string;
  readonly mode: AppInfo['mode'];
  readonly concurrency?: number;
  readonly launcher?: ChildLauncher;
  readonly onStep?: (runId: string, record: StepRecord) => void;
  /** Confine export jobs to this folder (browser mode: `serve --export-root`). */
  readonly exportRoot?: ExportRoot;
  /** Train on remote workers through Redis instead of forking locally (closed with the app). */
  readonly remote?: RemoteRuns;
  /** For apps that show the runs table: run summaries carry config cells (sparseConfigCells). The CLI leaves it out so it never loads the schema. */
  readonly configCellsOf?: ConfigCellsOf;
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
  /** Runs reconciled at start-up: running ones whose owner died (crashed), queued ones whose owner died (stopped). The run manager keeps checking periodically. */
  readonly reconciled: { readonly crashed: number[]; readonly stopped: number[] };
  close(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const { db, store, reconciled } = openStore(options.databasePath, options.configCellsOf);
  const events = new EventHub();
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
  const exports = new ExportJobs(events, options.exportRoot ?? null);
  const info: AppInfo = { version: APP_VERSION, databasePath: options.databasePath, concurrency, mode: options.mode };
  // The Redis client modules load only when the Workers view asks (BullMQ and ioredis cost a CLI
  // command hundreds of ms of start-up); a remote app has them loaded already through options.remote.
  const remoteSetting = () => import('../workers/remote-setting.js');
  const workers = async () => ({ ...(options.remote ? await options.remote.status() : { redis: null, workers: [] }), saved: (await remoteSetting()).savedRemoteLabel(options.databasePath) });
  const setRedis = async (url: string) => {
    const [{ saveRemoteSetting }, { RedisSetupError }] = await Promise.all([remoteSetting(), import('../workers/redis-connection.js')]);
    try {
      return { saved: await saveRemoteSetting(options.databasePath, url) };
    } catch (error) {
      if (error instanceof RedisSetupError) throw new UserFacingError('REDIS', error.message);
      throw error;
    }
  };
  const handlers = createHandlers({ db, store, manager, events, exports, info, workers, setRedis });
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
