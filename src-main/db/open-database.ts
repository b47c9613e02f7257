/**
 * Opens (creating if needed) the experiment database with the connection settings every process
 * uses, refuses files it must not touch, and migrates the schema. The main process is the single
 * writer in the app, but the CLI and tests may write to the same file at the same time, hence WAL and
 * a busy timeout. It does not choose the path (default-location.ts) or run queries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectSqlite } from './sqlite-connection.js';
import type { Database } from 'better-sqlite3';
import { latestVersion, loadMigrations, migrate, schemaVersion, type Migration } from './migrate.js';
import { FolderCreationError, makeFolder } from '../fs/make-folder.js';
import { DatabaseCorruptError, DatabaseFromFutureError, DatabaseLocationError, ForeignDatabaseError, NotADatabaseError } from './store-errors.js';

/** How long a connection waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000;

/** Options of openDatabase. */
export interface OpenDatabaseOptions {
  /** Migrations to apply (default: the migrations folder). Tests pass earlier prefixes. */
  readonly migrations?: readonly Migration[];
  readonly busyTimeoutMs?: number;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;
const USER_VERSION_OFFSET = 60;
/** Bytes 16-17: the page size (1 means 65536). */
const PAGE_SIZE_OFFSET = 16;

/**
 * Opens the database at `file` (or ':memory:'), configured and migrated to the newest schema.
 * Throws NotADatabaseError / DatabaseCorruptError / DatabaseFromFutureError / ForeignDatabaseError, each leaving the file
 * byte for byte as it was (and no -wal/-shm files behind for the first and last). The caller owns
 * the handle and must `close()` it.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  const migrations = options.migrations ?? loadMigrations();
  const inMemory = file === ':memory:';
  if (!inMemory) {
    if (fs.existsSync(file)) probeExisting(file, latestVersion(migrations));
    else createFolderFor(file);
  }
  const db = connectSqlite(file, { timeout: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS });
  try {
    // Read through SQLite before the first pragma that writes: this sees a version still in the -wal
    // file, and reading the schema is where a damaged file fails. Nothing is written up to here.
    const { version, tables } = readOrExplain(file, () => ({
      tables: db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[],
      version: schemaVersion(db),
    }));
    if (version > latestVersion(migrations)) throw new DatabaseFromFutureError(file, version, latestVersion(migrations));
    // Every migration sets user_version with its tables in one transaction, so version 0 with tables is not ours.
    if (version === 0 && tables.length > 0) throw new ForeignDatabaseError(file, tables);
    configure(db);
    readOrExplain(file, () => migrate(db, migrations));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Connection settings, in the order they must be applied:
 * - journal_mode=WAL: readers never block the writer nor each other, and a write commit appends to
 *   the -wal file instead of rewriting pages twice (persistent; the first connection sets it).
 * - synchronous=NORMAL: in WAL mode a commit is durable against an app or process crash and the
 *   database can never be corrupted; only a power loss or OS crash can lose the last commits
 *   (fsync at checkpoints only). For experiment telemetry, losing the last second of metrics on a
 *   power cut is acceptable; FULL would fsync every commit, which the per-batch writes of several
 *   live runs do not need to pay for.
 * - foreign_keys=ON: cascades from runs to all their rows (off by default in SQLite, per connection).
 * - busy timeout (set through the constructor): a writer waits for the lock instead of failing with
 *   "database is locked" (ux.md complaint 7); write transactions are BEGIN IMMEDIATE and short.
 * - cache_size 64 MiB and temp_store=MEMORY: compare queries touch many pages; sorts stay in RAM.
 * - journal_size_limit: truncate the -wal file after checkpoints instead of leaving it at its peak.
 */
function configure(db: Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.pragma('journal_size_limit = 67108864');
}

/** Creates the folder a new database goes in (bounded: see make-folder.ts), as a DatabaseLocationError. */
function createFolderFor(file: string): void {
  try {
    makeFolder(path.dirname(path.resolve(file)));
  } catch (error) {
    if (error instanceof FolderCreationError) throw new DatabaseLocationError(file, error.reason);
    throw error;
  }
}

/** What a non-regular file is, for the message. */
function kindOf(stat: fs.Stats): string {
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * Checks of an existing file with plain reads, before SQLite opens it (an SQLite connection, even a
 * read-only one, can leave -wal/-shm files or checkpoint on close): the SQLite header, and the schema
 * version stored in it (a big-endian u32 at byte 60, PRAGMA user_version).
 */
function probeExisting(file: string, latest: number): void {
  const stat = fs.statSync(file);
  if (stat.isDirectory()) throw new NotADatabaseError(file, 'it is a folder');
  // /dev/null reads as an empty file, which SQLite would take for a new database until the first write.
  if (!stat.isFile()) throw new NotADatabaseError(file, `it is ${kindOf(stat)}, not a regular file`);
  if (stat.size === 0) return; // SQLite treats an empty file as a new, empty database
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    const start = header.subarray(0, Math.min(read, 16)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
    throw new NotADatabaseError(file, read < HEADER_BYTES ? `it is only ${read} bytes long` : `it starts with "${start}" instead of "SQLite format 3"`);
  }
  // A header whose page size is not one SQLite can write is damaged, whatever its user_version says
  // (garbage there would otherwise read as "a database from a newer release").
  const pageSize = header.readUInt16BE(PAGE_SIZE_OFFSET);
  const validPageSize = pageSize === 1 || (pageSize >= 512 && pageSize <= 32768 && (pageSize & (pageSize - 1)) === 0);
  if (!validPageSize) throw new DatabaseCorruptError(file, `its header has an impossible page size (${pageSize})`);
  const version = header.readUInt32BE(USER_VERSION_OFFSET);
  if (version > latest) throw new DatabaseFromFutureError(file, version, latest);
}

/** Runs `read`, turning SQLite's corruption codes into DatabaseCorruptError. */
function readOrExplain<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isSqliteCode(error, 'SQLITE_CORRUPT') || isSqliteCode(error, 'SQLITE_NOTADB')) {
      throw new DatabaseCorruptError(file, (error as Error).message);
    }
    throw error;
  }
}

function isSqliteCode(error: unknown, prefix: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith(prefix);
}
