// Migration runner: the real migrations from an empty file and from every earlier version (with
// fixture rows of each version surviving), one transaction for all pending files, and refusal of
// a database from the future without writing a byte.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latestVersion, loadMigrations, migrate, resolveMigrationsDir, schemaVersion } from './migrate.js';
import { openDatabase } from './open-database.js';
import { DatabaseFromFutureError, MigrationFailedError } from './store-errors.js';
import { useTestFolder } from './test-fixtures.js';

const migrations = loadMigrations();
const latest = latestVersion(migrations);

/**
 * Rows written with the schema of exactly one version (plain SQL, as an older app would have written
 * them) and the check that they are intact after upgrading. Every version needs one, so a new
 * migration cannot ship without proving it keeps the data of the one before.
 */
const FIXTURES: Record<number, { insert(db: Database): void; check(db: Database): void }> = {
  1: {
    insert(db) {
      db.exec(`
        INSERT INTO sweeps (id, name, base_config_json, axes_json, seeds_json, created_at) VALUES (1, 'grid', '{"seed":0}', '[{"path":"objective.preset","values":["gspo","hmpo"]}]', '[0,1]', 1000);
        INSERT INTO runs (id, sweep_id, name, status, objective_preset, seed, task, config_json, config_hash, app_version, created_at, tags_json, notes)
          VALUES (7, 1, 'hmpo seed 1', 'finished', 'hmpo', 1, 'pattern-dense', '{"seed":1}', 'abc', '0.1.0', 2000, '["paper"]', 'first try');
        INSERT INTO events (run_id, step, kind, created_at, payload_json) VALUES (7, 3, 'qk-clip', 2100, '{"kind":"qk-clip","step":3,"heads":[]}');
        INSERT INTO checkpoints (run_id, step, kind, file_name, byte_size, sha256, created_at) VALUES (7, 200, 'final', 'run-7/final-200.ckpt', 10, 'ff', 2200);`);
    },
    check(db) {
      expect(db.prepare('SELECT name, sweep_id, tags_json, notes FROM runs WHERE id = 7').get()).toEqual({ name: 'hmpo seed 1', sweep_id: 1, tags_json: '["paper"]', notes: 'first try' });
      expect(db.prepare('SELECT kind, step FROM events WHERE run_id = 7').all()).toEqual([{ kind: 'qk-clip', step: 3 }]);
      expect(db.prepare('SELECT file_name FROM checkpoints WHERE run_id = 7').pluck().get()).toBe('run-7/final-200.ckpt');
      expect(db.prepare('SELECT name FROM sweeps WHERE id = 1').pluck().get()).toBe('grid');
    },
  },
  2: {
    insert(db) {
      db.exec(`
        INSERT INTO metric_keys (id, name) VALUES (1, 'charts/reward_mean');
        INSERT INTO steps (run_id, step, rollout, samples, wall_time, skipped) VALUES (7, 0, 0, 64, 0.5, 0), (7, 1, 0, 128, 1.0, 1);
        INSERT INTO metrics (run_id, key_id, step, value) VALUES (7, 1, 0, 0.25), (7, 1, 1, NULL);
        INSERT INTO metric_summaries (run_id, key_id, last_step, last_value, min_value, max_value, count) VALUES (7, 1, 1, NULL, 0.25, 0.25, 2);
        INSERT INTO qk_stats (run_id, step, layer, head, max_logit, clipped, clip_gamma) VALUES (7, 0, 0, 1, 120, 1, 0.83);
        INSERT INTO log_ratio_histograms (run_id, step, bin_min, bin_max, counts_json) VALUES (7, 0, -1, 1, '[0,1,2]');`);
    },
    check(db) {
      expect(db.prepare('SELECT step, value FROM metrics WHERE run_id = 7 ORDER BY step').all()).toEqual([{ step: 0, value: 0.25 }, { step: 1, value: null }]);
      expect(db.prepare('SELECT count(*) FROM steps WHERE run_id = 7').pluck().get()).toBe(2);
      expect(db.prepare('SELECT clip_gamma FROM qk_stats WHERE run_id = 7').pluck().get()).toBe(0.83);
      expect(db.prepare('SELECT counts_json FROM log_ratio_histograms WHERE run_id = 7').pluck().get()).toBe('[0,1,2]');
    },
  },
  3: {
    insert(db) {
      db.exec('UPDATE runs SET owner_pid = 4321, stop_requested_at = 2300 WHERE id = 7');
    },
    check(db) {
      expect(db.prepare('SELECT owner_pid, stop_requested_at FROM runs WHERE id = 7').get()).toEqual({ owner_pid: 4321, stop_requested_at: 2300 });
    },
  },
  4: {
    insert(db) {
      db.exec("UPDATE runs SET worker = 'gpu-box-1', remote_job = 'run-7-2000' WHERE id = 7");
    },
    check(db) {
      expect(db.prepare('SELECT worker, remote_job FROM runs WHERE id = 7').get()).toEqual({ worker: 'gpu-box-1', remote_job: 'run-7-2000' });
    },
  },
  5: {
    insert() {}, // 0005 only drops a table
    check(db) {
      expect(tableNames(db)).not.toContain('agm_states');
    },
  },
  6: {
    insert(db) {
      db.exec(`INSERT INTO run_outcome_summaries (run_id, format, steps_done, last_event_id, summary_json, reward_series, entropy_series) VALUES (7, 1, 0, 0, '{}', x'', x'')`);
    },
    check(db) {
      expect(db.prepare('SELECT format, summary_json FROM run_outcome_summaries WHERE run_id = 7').get()).toEqual({ format: 1, summary_json: '{}' });
    },
  },
};

const folder = useTestFolder();

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const tableNames = (db: Database) => db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();

describe('migration files', () => {
  it('are found from the source tree and numbered 0001.. without gaps', () => {
    expect(path.basename(resolveMigrationsDir())).toBe('migrations');
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
    expect(migrations[0]?.fileName).toBe('0001_init.sql');
  });

  it('each have a fixture proving their data survives later migrations', () => {
    expect(migrations.filter((m) => FIXTURES[m.version] === undefined).map((m) => m.fileName)).toEqual([]);
  });

  it('refuses a folder with a gap in the numbering', () => {
    fs.writeFileSync(path.join(folder.dir, '0001_a.sql'), 'CREATE TABLE a (x);');
    fs.writeFileSync(path.join(folder.dir, '0003_c.sql'), 'CREATE TABLE c (x);');
    expect(() => loadMigrations(folder.dir)).toThrow(/without gaps/);
  });
});

describe('migrate', () => {
  it('builds the whole schema on an empty database and records the version', () => {
    const db = new BetterSqlite3(path.join(folder.dir, 'empty.db'));
    const result = migrate(db, migrations);
    expect(result).toEqual({ fromVersion: 0, toVersion: latest, applied: migrations.map((m) => m.fileName) });
    expect(schemaVersion(db)).toBe(latest);
    expect(tableNames(db)).toEqual(['checkpoints', 'events', 'log_ratio_histograms', 'metric_keys', 'metric_rollups', 'metric_summaries', 'metrics', 'qk_stats', 'run_outcome_summaries', 'runs', 'steps', 'sweeps']);
    expect(migrate(db, migrations).applied).toEqual([]); // idempotent
    db.close();
  });

  for (let from = 0; from < latest; from++) {
    it(`upgrades a version-${from} database with data to version ${latest}, keeping every row`, () => {
      const file = path.join(folder.dir, `v${from}.db`);
      const old = new BetterSqlite3(file);
      migrate(old, migrations.slice(0, from));
      expect(schemaVersion(old)).toBe(from);
      for (let v = 1; v <= from; v++) FIXTURES[v]?.insert(old);
      old.close();

      const db = openDatabase(file, { migrations });
      expect(schemaVersion(db)).toBe(latest);
      for (let v = 1; v <= from; v++) FIXTURES[v]?.check(db);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // Data of the versions after `from` can be written on the upgraded schema.
      for (let v = from + 1; v <= latest; v++) FIXTURES[v]?.insert(db);
      for (let v = 1; v <= latest; v++) FIXTURES[v]?.check(db);
      db.close();
    });
  }

  it('drops agm_states from a version-4 database, and only it: the other tables keep every row', () => {
    const file = path.join(folder.dir, 'v4-agm.db');
    const old = new BetterSqlite3(file);
    migrate(old, migrations.slice(0, 4));
    for (let v = 1; v <= 4; v++) FIXTURES[v]!.insert(old);
    old.exec('INSERT INTO agm_states (run_id, step, a0, g0, h0, final_mean, iterations) VALUES (7, 0, 1.01, 1.0, 0.99, 1.0, 3), (7, 1, 1.02, 1.0, 0.98, 1.0, 4)');
    const countsBefore = Object.fromEntries(tableNames(old).map((t) => [t, old.prepare(`SELECT count(*) FROM ${String(t)}`).pluck().get()]));
    expect(countsBefore['agm_states']).toBe(2);
    old.close();

    const db = openDatabase(file, { migrations: migrations.slice(0, 5) });
    expect(schemaVersion(db)).toBe(5);
    const { agm_states: _dropped, ...others } = countsBefore;
    expect(Object.fromEntries(tableNames(db).map((t) => [t, db.prepare(`SELECT count(*) FROM ${String(t)}`).pluck().get()]))).toEqual(others);
    for (let v = 1; v <= 4; v++) FIXTURES[v]!.check(db);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('applies all pending files in one transaction: a failing file rolls back the ones before it', () => {
    fs.writeFileSync(path.join(folder.dir, '0001_good.sql'), 'CREATE TABLE good (x INTEGER);');
    fs.writeFileSync(path.join(folder.dir, '0002_bad.sql'), 'CREATE TABLE bad (x INTEGER); INSERT INTO missing VALUES (1);');
    const db = new BetterSqlite3(path.join(folder.dir, 'tx.db'));
    const foreignKeysBefore = db.pragma('foreign_keys', { simple: true });
    const error = (() => {
      try {
        migrate(db, loadMigrations(folder.dir));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as MigrationFailedError).file).toBe('0002_bad.sql');
    expect((error as Error).message).toMatch(/no such table: missing/);
    expect(schemaVersion(db)).toBe(0);
    expect(tableNames(db)).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(foreignKeysBefore); // switched off for the upgrade, then restored
    db.close();
  });

  it('refuses a database from the future without writing to it', () => {
    const file = path.join(folder.dir, 'future.db');
    const db = new BetterSqlite3(file);
    db.exec('CREATE TABLE newer_things (x INTEGER)');
    db.pragma(`user_version = ${latest + 1}`);
    const before = sha256(file);
    expect(() => migrate(db, migrations)).toThrow(DatabaseFromFutureError);
    db.close();
    expect(sha256(file)).toBe(before);
  });
});
