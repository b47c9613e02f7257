/**
 * `hmpo-lab db check`: reports the database's path, schema version (against what this app knows),
 * SQLite's integrity check and row counts, reading only: it never migrates or repairs, and leaves
 * no -wal/-shm files behind (see openForReading). Refuses a missing file, a non-database file and
 * a database from a newer version with a clear message.
 */
import type { Command } from 'commander';
import type { Database } from 'better-sqlite3';
import { connectSqlite } from '../db/sqlite-connection.js';
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { loadMigrations } from '../db/migrate.js';
import { databasePathOf } from './app-for-cli.js';
import { CliError, EXIT_FAILURE, runCommand } from './cli-errors.js';

function looksLikeSqlite(file: string): boolean {
  const header = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, header, 0, 16, 0) === 16 && header.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/**
 * A connection that reads and leaves nothing behind. A read-only connection to a WAL database must
 * create the -wal and -shm files and, being read-only, cannot remove them on close: `db check` left
 * them beside a database it promised only to read. When neither exists (no writer has the database
 * open, and no crash left a WAL to replay), a read-write connection with query_only=ON is used
 * instead: it cannot change a row, its WAL holds no frames, and closing it as the last connection
 * removes both files without touching the database file. When they exist already, they belong to
 * someone else (or hold a crash's commits, which a read-write close would fold into the file), so
 * the connection is read-only and creates nothing new.
 */
function openForReading(path: string): Database {
  const walFilesExist = existsSync(`${path}-wal`) || existsSync(`${path}-shm`);
  if (walFilesExist) return connectSqlite(path, { readonly: true, fileMustExist: true });
  const conn = connectSqlite(path, { fileMustExist: true });
  conn.pragma('query_only = ON');
  return conn;
}

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('inspect the experiment database');
  db.command('check')
    .description('integrity check and schema version (read-only)')
    .action(
      runCommand('db check', (_options: unknown, command: Command) => {
        const path = databasePathOf(command);
        if (!existsSync(path)) throw new CliError(`no database at ${path}; pass --db or set HMPO_LAB_DB`);
        // Before any open: opening a named pipe would block, a folder cannot be read as a file.
        if (!statSync(path).isFile()) throw new CliError(`${path} is not a regular file (a folder, device or pipe), so it is not an SQLite database; it was left untouched`);
        if (!looksLikeSqlite(path)) throw new CliError(`${path} is not an SQLite database (its header does not match); it was left untouched`);
        const latest = Math.max(0, ...loadMigrations().map((m) => m.version));
        const conn = openForReading(path);
        try {
          const version = conn.pragma('user_version', { simple: true }) as number;
          const integrity = (conn.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
          const counts = version >= 2 ? (conn.prepare("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM metrics), (SELECT count(*) FROM events)").raw().get() as number[]) : null;
          const ok = integrity.length === 1 && integrity[0] === 'ok';
          const lines = [
            `database   ${path}`,
            `schema     version ${version} (this app knows up to ${latest})${version > latest ? ' - written by a newer HMPO Lab: update the app before using it' : version < latest ? ' - older: the app upgrades it when it next opens it' : ''}`,
            `integrity  ${ok ? 'ok' : integrity.slice(0, 10).join('; ')}`,
            ...(counts ? [`contents   ${counts[0]} runs, ${counts[1]} metric values, ${counts[2]} events`] : []),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
          if (!ok || version > latest) process.exitCode = EXIT_FAILURE;
        } catch (error) {
          throw new CliError(`${path} could not be read as an HMPO Lab database: ${(error as Error).message}`);
        } finally {
          conn.close();
        }
      }),
    );
}
