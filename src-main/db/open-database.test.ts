// openDatabase: connection settings, and the files it must refuse untouched (not SQLite, damaged,
// from a newer release), checked byte for byte.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latestVersion, loadMigrations, schemaVersion } from './migrate.js';
import { openDatabase } from './open-database.js';
import { DatabaseCorruptError, DatabaseFromFutureError, ForeignDatabaseError, NotADatabaseError } from './store-errors.js';
import { useTestFolder } from './test-fixtures.js';

const folder = useTestFolder();

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const latest = latestVersion(loadMigrations());

/** Runs `open`, expecting it to throw an instance of `type`; returns the error. */
function refusal<T extends Error>(open: () => unknown, type: new (...args: never[]) => T): T {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error('expected openDatabase to refuse the file');
}

describe('openDatabase', () => {
  it('creates the folder and a migrated database with WAL, foreign keys, NORMAL sync and a busy timeout', () => {
    const file = path.join(folder.dir, 'nested', 'deeper', 'store.db');
    const db = openDatabase(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(schemaVersion(db)).toBe(latest);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(10_000);
    db.close();
    const again = openDatabase(file); // reopening an up-to-date file is a no-op upgrade
    expect(schemaVersion(again)).toBe(latest);
    again.close();
  });

  it('refuses a database from the future and leaves it byte-identical (rollback-journal and WAL files)', () => {
    for (const mode of ['delete', 'wal']) {
      const file = path.join(folder.dir, `future-${mode}.db`);
      const future = new BetterSqlite3(file);
      future.pragma(`journal_mode = ${mode}`);
      future.exec("CREATE TABLE from_the_future (x TEXT); INSERT INTO from_the_future VALUES ('v99')");
      future.pragma(`user_version = ${latest + 1}`);
      future.close();
      const before = sha256(file);
      const error = refusal(() => openDatabase(file), DatabaseFromFutureError);
      expect(error.version).toBe(latest + 1);
      expect(error.message).toMatch(/newer release/);
      expect(sha256(file)).toBe(before);
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
    }
  });

  it('refuses a file that is not SQLite and leaves it unchanged', () => {
    const file = path.join(folder.dir, 'notes.db');
    fs.writeFileSync(file, '{"this": "is JSON, not a database"}\n'.repeat(20));
    const before = sha256(file);
    const error = refusal(() => openDatabase(file), NotADatabaseError);
    expect(error.message).toMatch(/is not an SQLite database .*starts with "\{"this": "is JSO"/);
    expect(sha256(file)).toBe(before);
    const tiny = path.join(folder.dir, 'tiny.db');
    fs.writeFileSync(tiny, 'SQLite');
    expect(refusal(() => openDatabase(tiny), NotADatabaseError).message).toMatch(/only 6 bytes long/);
    expect(refusal(() => openDatabase(folder.dir), NotADatabaseError).message).toMatch(/folder/);
  });

  it('refuses a damaged SQLite file and leaves it unchanged', () => {
    const file = path.join(folder.dir, 'damaged.db');
    const good = openDatabase(file);
    good.pragma('journal_mode = delete');
    good.close();
    const bytes = fs.readFileSync(file);
    bytes.fill(0xa5, 100, bytes.length); // keep the header, destroy every page
    fs.writeFileSync(file, bytes);
    const before = sha256(file);
    const error = refusal(() => openDatabase(file), DatabaseCorruptError);
    expect(error.message).toMatch(/damaged/);
    expect(sha256(file)).toBe(before);
  });

  it("refuses another application's SQLite database (tables, no schema version) and leaves it byte-identical", () => {
    const file = path.join(folder.dir, 'someone-elses.db');
    const other = new BetterSqlite3(file);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    other.close();
    const before = sha256(file);
    const error = refusal(() => openDatabase(file), ForeignDatabaseError);
    expect(error.message).toMatch(/is an SQLite database of another application \(tables: notes;/);
    expect(sha256(file)).toBe(before);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('opens an empty file as a new database', () => {
    const file = path.join(folder.dir, 'empty.db');
    fs.writeFileSync(file, '');
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(latest);
    db.close();
  });
});
