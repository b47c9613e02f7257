/**
 * The one place a better-sqlite3 connection is constructed. Constructing the first connection is when
 * better-sqlite3 loads its native binary, so this is where a binary that cannot load (built for
 * another Node ABI, missing for this platform) becomes a NativeModuleError with one line that names
 * the module and the fix, instead of a dlopen stack trace. It does not configure or migrate (that is
 * open-database.ts).
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Options } from 'better-sqlite3';
import { NativeModuleError } from './store-errors.js';

/** Error codes and messages with which Node reports a native addon that cannot be loaded. */
const NATIVE_LOAD_FAILURE = /ERR_DLOPEN_FAILED|NODE_MODULE_VERSION|compiled against a different Node\.js version|Could not locate the bindings file|invalid ELF header|wrong ELF class|cannot open shared object file|Module did not self-register|\.node\b/;

/** True when `error` says a native addon failed to load (as opposed to SQLite refusing a file). */
export function isNativeLoadFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error.name === 'SqliteError') return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return code === 'ERR_DLOPEN_FAILED' || code === 'MODULE_NOT_FOUND' || NATIVE_LOAD_FAILURE.test(error.message);
}

/** `new BetterSqlite3(file, options)`, with native load failures turned into NativeModuleError. */
export function connectSqlite(file: string, options: Options): Database {
  try {
    return new BetterSqlite3(file, options);
  } catch (error) {
    if (isNativeLoadFailure(error)) throw new NativeModuleError('better-sqlite3', (error as Error).message);
    throw error;
  }
}
