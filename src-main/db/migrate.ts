/**
 * The schema migration runner (house rule 9): reads the numbered plain-SQL files of `migrations/`,
 * applies the pending ones in ONE immediate transaction and records the result in PRAGMA
 * user_version. A database newer than the newest file is refused before anything is written.
 * It does not open databases or set connection pragmas (open-database.ts does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { DatabaseFromFutureError, MigrationFailedError } from './store-errors.js';

/** One migration file: `NNNN_snake_description.sql`, whose number is the user_version it leads to. */
export interface Migration {
  readonly version: number;
  readonly fileName: string;
  readonly sql: string;
}

/** What `migrate` did. */
export interface MigrationResult {
  readonly fromVersion: number;
  readonly toVersion: number;
  /** File names applied, in order (empty when the schema was current). */
  readonly applied: readonly string[];
}

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * The migrations folder: `process.resourcesPath/migrations` in a packaged Electron app
 * (electron-builder extraResources), else `migrations/` at the package root found by walking up from
 * this file, which works both from `src-main/db` (tsx, vitest) and from `dist/src-main/db`.
 */
export function resolveMigrationsDir(): string {
  const tried: string[] = [];
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) {
    const packaged = path.join(resourcesPath, 'migrations');
    if (isDirectory(packaged)) return packaged;
    tried.push(packaged);
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const candidate = path.join(dir, 'migrations');
      if (isDirectory(candidate)) return candidate;
      tried.push(candidate);
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find the migrations folder; looked in: ${tried.join(', ') || '(no package root above ' + fileURLToPath(import.meta.url) + ')'}`);
}

/**
 * Reads every migration file of `dir`, sorted by number. Other files (README.md) are ignored; a .sql
 * file with a bad name or a gap/duplicate in the numbering is a packaging bug and throws.
 */
export function loadMigrations(dir: string = resolveMigrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const fileName of fs.readdirSync(dir).sort()) {
    if (!fileName.endsWith('.sql')) continue;
    const match = FILE_PATTERN.exec(fileName);
    if (match === null) throw new Error(`migration file ${path.join(dir, fileName)} is not named NNNN_snake_description.sql`);
    migrations.push({ version: Number(match[1]), fileName, sql: fs.readFileSync(path.join(dir, fileName), 'utf8') });
  }
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migrations in ${dir} must be numbered 0001, 0002, ... without gaps or duplicates; found ${migration.fileName} at position ${index + 1}`);
    }
  });
  return migrations;
}

/** The schema version the given migrations lead to (0 for none). */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/** The database's schema version (PRAGMA user_version). */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` to the newest schema. Pending files run in one BEGIN IMMEDIATE transaction, so either
 * all of them apply (and user_version is set) or none does; the version is re-read under the write
 * lock, so two processes opening the same file at once migrate it once. Foreign-key enforcement is
 * off during the upgrade (SQLite's recipe for table rebuilds) and `foreign_key_check` must pass before
 * commit. Throws DatabaseFromFutureError, without writing, when the database is newer than `migrations`.
 */
export function migrate(db: Database, migrations: readonly Migration[] = loadMigrations()): MigrationResult {
  const latest = latestVersion(migrations);
  const before = schemaVersion(db);
  if (before > latest) throw new DatabaseFromFutureError(db.name, before, latest);
  if (before === latest) return { fromVersion: before, toVersion: before, applied: [] };

  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF'); // a no-op inside a transaction, so it is set before BEGIN
  try {
    return db.transaction((): MigrationResult => {
      const from = schemaVersion(db);
      if (from > latest) throw new DatabaseFromFutureError(db.name, from, latest);
      const pending = migrations.filter((m) => m.version > from);
      for (const migration of pending) {
        try {
          db.exec(migration.sql);
        } catch (error) {
          throw new MigrationFailedError(migration.fileName, from, error instanceof Error ? error.message : String(error));
        }
      }
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) {
        throw new MigrationFailedError(pending.at(-1)?.fileName ?? '(none)', from, `${violations.length} rows violate foreign keys afterwards, first: ${JSON.stringify(violations[0])}`);
      }
      db.pragma(`user_version = ${latest}`);
      return { fromVersion: from, toVersion: latest, applied: pending.map((m) => m.fileName) };
    }).immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}

function isDirectory(candidate: string): boolean {
  try {
    return fs.statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}
