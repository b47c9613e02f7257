/**
 * Where the experiment database lives: one file in the OS application-data folder, the same folder
 * Electron's `app.getPath('userData')` gives for the product name "HMPO Lab", so the desktop app, the
 * CLI and the server share it. `--db PATH` and then `HMPO_LAB_DB` override it. Pure path logic: this
 * file creates nothing on disk (openDatabase creates the folder).
 */
import os from 'node:os';
import path from 'node:path';

/** Folder name under the OS application-data directory (electron-builder's productName). */
export const APP_DATA_NAME = 'HMPO Lab';
/** File name of the database inside that folder. */
export const DATABASE_FILE_NAME = 'hmpo-lab.db';
/** Environment variable that overrides the default database path (the --db flag wins over it). */
export const DATABASE_ENV_VAR = 'HMPO_LAB_DB';

/** What the location depends on; defaults are the running process's. Injected so tests cover every OS. */
export interface LocationContext {
  readonly platform?: NodeJS.Platform;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
}

/**
 * The per-user application-data folder for HMPO Lab, as Electron computes userData:
 * Linux `$XDG_CONFIG_HOME/HMPO Lab` (default `~/.config/HMPO Lab`), macOS
 * `~/Library/Application Support/HMPO Lab`, Windows `%APPDATA%\HMPO Lab`.
 */
export function appDataDirectory(context: LocationContext = {}): string {
  const platform = context.platform ?? process.platform;
  const env = context.env ?? process.env;
  const home = context.home ?? os.homedir();
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  if (platform === 'win32') {
    return join(nonEmpty(env.APPDATA) ?? join(home, 'AppData', 'Roaming'), APP_DATA_NAME);
  }
  if (platform === 'darwin') {
    return join(home, 'Library', 'Application Support', APP_DATA_NAME);
  }
  // Linux and the other Unixes: Electron follows the XDG base-directory spec.
  return join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config'), APP_DATA_NAME);
}

/** The database path when nothing overrides it. */
export function defaultDatabasePath(context: LocationContext = {}): string {
  const join = (context.platform ?? process.platform) === 'win32' ? path.win32.join : path.posix.join;
  return join(appDataDirectory(context), DATABASE_FILE_NAME);
}

/**
 * The database every entry point (desktop, CLI, server) must use: `flag` (the --db value) if given,
 * else HMPO_LAB_DB if set and non-empty, else the default. Relative paths resolve against the cwd.
 */
export function resolveDatabasePath(flag?: string, context: LocationContext = {}): string {
  const chosen = nonEmpty(flag) ?? nonEmpty((context.env ?? process.env)[DATABASE_ENV_VAR]);
  return chosen === undefined ? defaultDatabasePath(context) : path.resolve(chosen);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
