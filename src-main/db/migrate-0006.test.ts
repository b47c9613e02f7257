/**
 * Migration 0006 on a version-5 database written by the app's own code (runs ended before the
 * table existed, so without summaries): the upgrade adds run_outcome_summaries and keeps every run,
 * step, metric and event; the first read of an old ended run writes its summary, which equals one
 * computed from its series; deleting the run deletes the summary (ON DELETE CASCADE).
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { appendEvents } from './events-queries.js';
import { insertStepRecords } from './metrics-queries.js';
import { loadMigrations, migrate, schemaVersion } from './migrate.js';
import { openDatabase } from './open-database.js';
import { computeOutcomeSummary, outcomeSummaryOfEndedRun, readOutcomeSummary } from './outcome-summaries-queries.js';
import { createRun, deleteRun, markRunEnded, markRunStarted } from './runs-queries.js';
import { stepRecord, testConfig, useTestFolder } from './test-fixtures.js';

const folder = useTestFolder();
const migrations = loadMigrations();

const COUNTED = ['runs', 'steps', 'metrics', 'events', 'metric_summaries', 'qk_stats'] as const;

describe('migration 0006 (run outcome summaries)', () => {
  it('upgrades a version-5 database with ended runs, keeps their data, and summarises them on first read', () => {
    const file = path.join(folder.dir, 'v5.db');
    const old = new BetterSqlite3(file);
    old.pragma('foreign_keys = ON');
    migrate(old, migrations.slice(0, 5));
    const ids = (['finished', 'crashed'] as const).map((status, seed) => {
      const id = createRun(old, { config: testConfig({ seed }), appVersion: '0.0.0-v5' }).id;
      markRunStarted(old, id, { pid: 1 });
      insertStepRecords(old, id, Array.from({ length: 20 }, (_, step) => stepRecord(step)));
      appendEvents(old, id, [{ kind: 'eval', step: 19, reward: 0.5 + seed, successRate: 0 }]);
      markRunEnded(old, id, { status, ...(status === 'crashed' ? { error: 'killed' } : {}) }); // no table yet: the end is still recorded
      return id;
    });
    const counts = Object.fromEntries(COUNTED.map((table) => [table, old.prepare(`SELECT count(*) FROM ${table}`).pluck().get()]));
    const runs = old.prepare('SELECT * FROM runs ORDER BY id').all();
    expect(schemaVersion(old)).toBe(5);
    old.close();

    const db = openDatabase(file, { migrations });
    expect(schemaVersion(db)).toBe(6);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'run_outcome_summaries'").pluck().get()).toBe('run_outcome_summaries');
    expect(Object.fromEntries(COUNTED.map((table) => [table, db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()]))).toEqual(counts);
    expect(db.prepare('SELECT * FROM runs ORDER BY id').all()).toEqual(runs);
    expect(db.prepare('SELECT count(*) FROM run_outcome_summaries').pluck().get()).toBe(0);

    for (const id of ids) {
      expect(readOutcomeSummary(db, id)).toBeUndefined();
      const lazy = outcomeSummaryOfEndedRun(db, id);
      expect(lazy).toEqual(computeOutcomeSummary(db, id));
      expect(readOutcomeSummary(db, id)).toEqual(lazy);
    }
    expect(readOutcomeSummary(db, ids[1]!)?.lastEvalReward).toBe(1.5);
    deleteRun(db, ids[0]!);
    expect(db.prepare('SELECT run_id FROM run_outcome_summaries').pluck().all()).toEqual([ids[1]]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
