/**
 * The read-and-record half of the app: opens (and migrates) the database, reconciles runs left
 * behind by processes that died, and wraps it in the run store. createApp builds on it; CLI
 * commands that only read runs (`ls`) use it alone, without the run manager, handlers or exports.
 */
import type { Database } from 'better-sqlite3';
import type { ConfigCellsOf } from '../../src-shared/config-cells.js';
import { openDatabase } from '../db/open-database.js';
import { isProcessAlive } from '../runs/process-alive.js';
import { reconcileOrphanedRuns } from '../db/run-control-queries.js';
import { APP_VERSION } from './app-version.js';
import { SqliteRunStore } from './sqlite-run-store.js';

export interface OpenStore {
  readonly db: Database;
  readonly store: SqliteRunStore;
  /** Runs reconciled at start-up: running ones whose owner died (crashed), queued ones whose owner died (stopped). */
  readonly reconciled: { readonly crashed: number[]; readonly stopped: number[] };
}

export function openStore(databasePath: string, configCellsOf?: ConfigCellsOf): OpenStore {
  const db = openDatabase(databasePath);
  const reconciled = reconcileOrphanedRuns(db, { isAlive: isProcessAlive });
  return { db, store: new SqliteRunStore(db, APP_VERSION, configCellsOf), reconciled };
}
