/**
 * How CLI commands open the app: the database from --db, HMPO_LAB_DB or the default location, with
 * store errors (not a database, damaged, from the future) turned into one-line CliErrors that say
 * what to do, and run ids checked against the database. Commands close the app when done.
 */
import type { Command } from 'commander';
import { createApp, type App, type AppOptions } from '../app/create-app.js';
import { UserFacingError } from '../app/dispatch.js';
import { resolveDatabasePath } from '../db/default-location.js';
import { getRun } from '../db/runs-queries.js';
import { StoreError } from '../db/store-errors.js';
import { CliError } from './cli-errors.js';

/** The database path this invocation uses (--db on the root command, then HMPO_LAB_DB, then the default). */
export function databasePathOf(command: Command): string {
  const { db } = command.optsWithGlobals() as { db?: string };
  // An empty --db (e.g. --db "$UNSET") must not fall through to the default database the desktop app uses.
  if (db !== undefined && db.trim() === '') throw new CliError('--db is empty; pass the path of a database file, or leave --db out to use HMPO_LAB_DB or the default database');
  return resolveDatabasePath(db);
}

export function openAppForCli(command: Command, options: Omit<AppOptions, 'databasePath' | 'mode'> = {}): App {
  const databasePath = databasePathOf(command);
  try {
    return createApp({ ...options, databasePath, mode: 'cli' });
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'SQLITE_CANTOPEN') throw new CliError(`cannot open the database ${databasePath} (${code}); check the path and its permissions, or pass --db`);
    throw error;
  }
}

/** Turns "12" into 12 after checking the run exists. */
export function existingRunId(app: App, text: string): number {
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text) || !getRun(app.db, id)) throw new CliError(`no run with id '${text}' in ${app.info.databasePath}; see hmpo-lab ls`);
  return id;
}

/** Maps a UserFacingError from a handler to a CliError. */
export async function viaHandler<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserFacingError) throw new CliError(error.message);
    throw error;
  }
}
