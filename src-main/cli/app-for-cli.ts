/**
 * How CLI commands open the app: the database from --db, HMPO_LAB_DB or the default location, with
 * store errors (not a database, damaged, from the future) turned into one-line CliErrors that say
 * what to do, and run ids checked through the contract's handlers (the same ones the desktop app
 * and browser mode call), never with queries of their own. Commands close the app when done.
 */
import type { Command } from 'commander';
import type { RunDetail } from '../../src-shared/contract.js';
import type { App, AppOptions } from '../app/create-app.js';
import { UserFacingError } from '../app/user-facing-error.js';
import { resolveDatabasePath } from '../db/default-location.js';
import { StoreError } from '../db/store-errors.js';
import { CliError } from './cli-errors.js';

/** The database path this invocation uses (--db on the root command, then HMPO_LAB_DB, then the default). */
export function databasePathOf(command: Command): string {
  const { db } = command.optsWithGlobals() as { db?: string };
  // An empty --db (e.g. --db "$UNSET") must not fall through to the default database the desktop app uses.
  if (db !== undefined && db.trim() === '') throw new CliError('--db is empty; pass the path of a database file, or leave --db out to use HMPO_LAB_DB or the default database');
  // '-' reads as "standard input" to a CLI user, but SQLite would create a file named '-' in the working folder.
  if (db?.trim() === '-') throw new CliError('--db -: a database cannot be read from standard input; pass the path of a database file, or leave --db out to use HMPO_LAB_DB or the default database');
  return resolveDatabasePath(db);
}

/** Store errors and unopenable paths as one-line CliErrors; anything else is a bug and propagates. */
function asCliError(error: unknown, databasePath: string): unknown {
  if (error instanceof StoreError) return new CliError(error.message);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EROFS' || code === 'SQLITE_CANTOPEN') return new CliError(`cannot open the database ${databasePath} (${code}); check the path and its permissions, or pass --db`);
  return error;
}

/**
 * Opens the app for one command. The app (run manager, handlers, export, analysis) is imported here,
 * not at the top, so commands that never open it (`--version`, `objective`) do not load it; it loads
 * what only some handlers need (zod, exports, Redis clients) on first use, so `ls` starts fast.
 */
export async function openAppForCli(command: Command, options: Omit<AppOptions, 'databasePath' | 'mode'> = {}): Promise<App> {
  const databasePath = databasePathOf(command);
  const { createApp } = await import('../app/create-app.js');
  try {
    return createApp({ ...options, databasePath, mode: 'cli' });
  } catch (error) {
    throw asCliError(error, databasePath);
  }
}

/** The run `text` names (runs:get), or a CliError naming the id and the database when there is none. */
export async function existingRun(app: Pick<App, 'handlers' | 'info'>, text: string): Promise<RunDetail> {
  const notFound = () => new CliError(`no run with id '${text}' in ${app.info.databasePath}; see hmpo-lab ls`);
  if (!/^\d{1,15}$/.test(text)) throw notFound();
  try {
    return await app.handlers['runs:get']({ runId: String(Number(text)) });
  } catch (error) {
    if (error instanceof UserFacingError && error.code === 'RUN_NOT_FOUND') throw notFound();
    throw error;
  }
}

/** Turns "12" into 12 after checking the run exists. */
export async function existingRunId(app: Pick<App, 'handlers' | 'info'>, text: string): Promise<number> {
  return Number((await existingRun(app, text)).summary.id);
}

/** existingRunId for each text, in order: the first unknown one is the one reported. */
export async function existingRunIds(app: Pick<App, 'handlers' | 'info'>, texts: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const text of texts) ids.push(await existingRunId(app, text));
  return ids;
}

/** The run ids of sweep `text` (through the sweeps:list handler); CliError naming it when there is none. */
export async function sweepRunIds(app: Pick<App, 'handlers' | 'info'>, text: string): Promise<number[]> {
  const sweep = /^\d+$/.test(text) ? (await app.handlers['sweeps:list'](null)).find((s) => s.id === String(Number(text))) : undefined;
  if (!sweep) throw new CliError(`no sweep with id '${text}' in ${app.info.databasePath}`);
  return sweep.runIds.map(Number);
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
