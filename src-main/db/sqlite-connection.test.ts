/**
 * A native binary that cannot load becomes one NativeModuleError line naming the module and the fix.
 * The failure is real: Node's dlopen is pointed at a file that is not a shared object.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSqlite, isNativeLoadFailure } from './sqlite-connection.js';
import { NativeModuleError } from './store-errors.js';

describe('connectSqlite', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens a connection with the shipped Node-API binary', () => {
    const db = connectSqlite(':memory:', {});
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
  });

  it('turns a binary that cannot be loaded into one line naming the module and the fix', () => {
    dir = mkdtempSync(join(tmpdir(), 'hmpo-native-'));
    const broken = join(dir, 'better_sqlite3.node');
    writeFileSync(broken, 'not a shared object');
    let caught: unknown;
    try {
      connectSqlite(':memory:', { nativeBinding: broken });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NativeModuleError);
    const message = (caught as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^the native module better-sqlite3 cannot be loaded in Node \d+/);
    expect(message).toContain('reinstall with `npm ci` on Node 22.12 or newer');
  });

  it('does not mistake SQLite refusing a file for a load failure', () => {
    const sqliteError = Object.assign(new Error('file is not a database'), { name: 'SqliteError', code: 'SQLITE_NOTADB' });
    expect(isNativeLoadFailure(sqliteError)).toBe(false);
    expect(isNativeLoadFailure(Object.assign(new Error('x'), { code: 'ERR_DLOPEN_FAILED' }))).toBe(true);
  });
});
