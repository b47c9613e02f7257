/**
 * Named errors of the experiment store: the conditions a caller must handle and show to the user
 * (house style: named classes for those, plain Error for bugs). Each carries a stable `code` so the
 * IPC/CLI edges can turn it into an AppError value; messages say what is wrong and what to do.
 */
import { runsInUseSentence } from '../../src-shared/runs-in-use.js';

/** Base class: every store error has a machine code and a user-facing message; its name is its class's. */
export abstract class StoreError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** The error as data, for IPC and `--json` output (house rule 3). */
  toAppError(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The database was written by a newer HMPO Lab: its schema version is above the newest migration here. */
export class DatabaseFromFutureError extends StoreError {
  readonly code = 'DB_FROM_FUTURE';
  constructor(readonly path: string, readonly version: number, readonly latestKnown: number) {
    super(`database ${path} has schema version ${version}, but this HMPO Lab knows versions up to ${latestKnown}; it was written by a newer release. Update HMPO Lab, or pass --db (or set HMPO_LAB_DB) to use another database file. The file was not modified.`);
  }
}

/** The file exists but is not an SQLite database at all (wrong path, or some other file). */
export class NotADatabaseError extends StoreError {
  readonly code = 'DB_NOT_SQLITE';
  constructor(readonly path: string, readonly detail: string) {
    super(`${path} is not an SQLite database (${detail}); check the --db path or HMPO_LAB_DB. The file was not modified.`);
  }
}

/** An SQLite database of another application: unversioned (user_version 0) yet holding tables, so migrating it would write HMPO Lab's schema into someone else's file. */
export class ForeignDatabaseError extends StoreError {
  readonly code = 'DB_FOREIGN';
  constructor(readonly path: string, readonly tables: readonly string[]) {
    const shown = tables.slice(0, 3).join(', ') + (tables.length > 3 ? `, ... (${tables.length} in all)` : '');
    super(`${path} is an SQLite database of another application (tables: ${shown}; no HMPO Lab schema version); check the --db path or HMPO_LAB_DB. The file was not modified.`);
  }
}

/** The file starts like an SQLite database but SQLite cannot read it. */
export class DatabaseCorruptError extends StoreError {
  readonly code = 'DB_CORRUPT';
  constructor(readonly path: string, readonly detail: string) {
    super(`database ${path} is damaged and cannot be read (${detail}). The file was not modified; restore it from a backup, or pass --db (or set HMPO_LAB_DB) to start a new database elsewhere.`);
  }
}

/** A migration file failed; the whole upgrade was rolled back, so the database is still at `fromVersion`. */
export class MigrationFailedError extends StoreError {
  readonly code = 'DB_MIGRATION_FAILED';
  constructor(readonly file: string, readonly fromVersion: number, readonly detail: string) {
    super(`upgrading the database schema failed in ${file}: ${detail}. Nothing was changed (the database is still at schema version ${fromVersion}); please report this with the file name.`);
  }
}

/** No run with this id (deleted, or a stale id from the UI). */
export class RunNotFoundError extends StoreError {
  readonly code = 'RUN_NOT_FOUND';
  constructor(readonly runId: number) {
    super(`run ${runId} does not exist (it may have been deleted); refresh the run list`);
  }
}

/** A status change the run's current status does not allow (e.g. stopping a run that already finished). */
export class InvalidStatusTransitionError extends StoreError {
  readonly code = 'RUN_INVALID_TRANSITION';
  constructor(readonly runId: number, readonly from: string, readonly to: string) {
    super(`run ${runId} is ${from} and cannot become ${to}; refresh the run list to see its current status`);
  }
}

/** The run is still running (its trainer writes to it), so it cannot be deleted yet. */
export class RunActiveError extends StoreError {
  readonly code = 'RUN_ACTIVE';
  constructor(readonly runId: number) {
    super(runsInUseSentence([{ id: String(runId), status: 'running' }]));
  }
}

/** A checkpoint's file is missing or does not match what the database recorded. */
export class CheckpointFileError extends StoreError {
  readonly code = 'CHECKPOINT_FILE';
  constructor(readonly path: string, readonly detail: string) {
    super(`checkpoint file ${path} cannot be used: ${detail}. Checkpoint files live beside the database; keep the folder next to the .db file when moving it.`);
  }
}

/**
 * A native module's binary cannot be loaded in this runtime (compiled for another Node ABI, or no
 * binary for this platform). better-sqlite3 13 ships Node-API binaries that load in Node >= 22 and
 * Electron alike, so this means a stale or foreign install.
 */
export class NativeModuleError extends StoreError {
  readonly code = 'NATIVE_MODULE';
  constructor(readonly moduleName: string, readonly detail: string) {
    super(`the native module ${moduleName} cannot be loaded in ${runtimeName()} (${firstLine(detail)}); reinstall with \`npm ci\` on Node 22.12 or newer (its Node-API binary loads in Node and Electron alike). No data was touched.`);
  }
}

function runtimeName(): string {
  const electron = process.versions['electron'];
  return electron ? `Electron ${electron} (Node ${process.versions.node})` : `Node ${process.versions.node}`;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

/** The database cannot live at this path: a parent is a file, or its folder cannot be created. */
export class DatabaseLocationError extends StoreError {
  readonly code = 'DB_LOCATION';
  constructor(readonly path: string, readonly detail: string) {
    super(`cannot create the database ${path}: ${detail}; pass --db (or set HMPO_LAB_DB) with a path in a folder you can write to. Nothing was written.`);
  }
}
