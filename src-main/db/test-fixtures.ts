/**
 * Helpers for the store's tests only (nothing in the app imports this file, and the build leaves it
 * out): temporary database folders, valid run configs, StepRecords with every field filled, and the
 * full-resolution readers only tests need (readSeries, readSummaries). Tests use real SQLite files,
 * never mocks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import { METRIC_KEYS, LOG_RATIO_HIST_BINS, type MetricKey, type MetricValues } from '../../src-shared/metrics.js';
import { validateRunConfig, type RunConfig, type RunConfigInput } from '../../src-shared/run-config.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { existingKeyId } from './metric-keys.js';
import type { MetricSeries, StepRange } from './metric-readers.js';
import { openDatabase } from './open-database.js';
import { createRun } from './runs-queries.js';
import { cached, nan } from './statements.js';

/** A fresh temporary folder; `remove()` deletes it. */
export function temporaryFolder(): { readonly dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hmpo-store-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A validated RunConfig (defaults plus overrides); throws if the overrides are invalid. */
export function testConfig(overrides: RunConfigInput = {}): RunConfig {
  const result = validateRunConfig(overrides);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** A migrated database file in `dir`. */
export function openTestDatabase(dir: string, name = 'store.db'): Database {
  return openDatabase(path.join(dir, name));
}

/** A fresh temporary folder for each test of the calling file, removed after it. */
export function useTestFolder(): { readonly dir: string } {
  let folder: ReturnType<typeof temporaryFolder> | undefined;
  beforeEach(() => {
    folder = temporaryFolder();
  });
  afterEach(() => folder?.remove());
  return {
    get dir() {
      if (!folder) throw new Error('useTestFolder: dir is only there inside a test');
      return folder.dir;
    },
  };
}

/**
 * A migrated database file in a fresh temporary folder for each test of the calling file, closed
 * and removed after it: the one fixture every db/*.test.ts shares. Read `.db` and `.dir` inside tests.
 */
export function useTestDatabase(): { readonly db: Database; readonly dir: string } {
  const folder = useTestFolder();
  let db: Database | undefined;
  beforeEach(() => {
    db = openTestDatabase(folder.dir);
  });
  afterEach(() => db?.close());
  return {
    get db() {
      if (!db) throw new Error('useTestDatabase: db is only there inside a test');
      return db;
    },
    get dir() {
      return folder.dir;
    },
  };
}

/** Creates a queued run and returns its id. */
export function addRun(db: Database, overrides: RunConfigInput = {}): number {
  return createRun(db, { config: testConfig(overrides), appVersion: '0.0.0-test' }).id;
}

/** A deterministic value for (step, key index): varied, never NaN. */
export function sampleValue(step: number, keyIndex: number): number {
  return Math.sin(step * 0.37 + keyIndex) * (1 + keyIndex) + (step % 17 === 0 ? 5 : 0);
}

/** A StepRecord with every metric key, 2 layers x 3 heads of QK stats (head 1 of layer 0 clipped on even steps) and a histogram. */
export function stepRecord(step: number, metrics?: MetricValues): StepRecord {
  const values: MetricValues = metrics ?? Object.fromEntries(METRIC_KEYS.map((key, i) => [key, sampleValue(step, i)]));
  return {
    step,
    rollout: Math.floor(step / 4),
    samples: (step + 1) * 64,
    wallTime: step * 0.25 + 0.125,
    skipped: step % 11 === 5,
    metrics: values,
    qk: {
      maxLogits: [
        [10 + step, 20 + step, 30 + step],
        [40 + step, 50 + step, 60 + step],
      ],
      clipped: step % 2 === 0 ? [{ layer: 0, head: 1, sMax: 20 + step, gamma: 15 / (20 + step) }] : [],
    },
    logRatioHistogram: Array.from({ length: LOG_RATIO_HIST_BINS + 2 }, (_, i) => (i * 7 + step) % 13),
  };
}

/**
 * Body of one writer process in the parallel-writers test: opens `file`, waits until `startAt` (so
 * all writers overlap), then inserts `batches` batches of `batchSize` steps into `runId`, each its own
 * transaction. Prints a JSON summary; any error (SQLITE_BUSY included) exits non-zero.
 */
export async function runWriterProcess(file: string, runId: number, batches: number, batchSize: number, startAt: number): Promise<void> {
  const { insertStepRecords } = await import('./metrics-queries.js');
  const db = openDatabase(file);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const started = Date.now();
  for (let b = 0; b < batches; b++) {
    insertStepRecords(db, runId, Array.from({ length: batchSize }, (_, i) => stepRecord(b * batchSize + i)));
  }
  db.close();
  process.stdout.write(JSON.stringify({ runId, batches, ms: Date.now() - started }));
}

// Readers only the tests use: the app reads series downsampled or in bulk (series-bulk-queries.ts).

/** Exported for EXPLAIN QUERY PLAN tests: one contiguous range of the metrics primary key. */
export const SERIES_SQL = 'SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? AND step >= ? AND step <= ? ORDER BY step';

/** Every stored point of one run's metric, oldest first. */
export function readSeries(db: Database, runId: number, key: MetricKey, range: StepRange = {}): MetricSeries {
  const keyId = existingKeyId(db, key);
  const series: MetricSeries = { steps: [], values: [] };
  if (keyId === undefined) return series;
  for (const [step, value] of cached(db, SERIES_SQL).raw().iterate(runId, keyId, range.fromStep ?? 0, range.toStep ?? Number.MAX_SAFE_INTEGER) as Iterable<[number, number | null]>) {
    series.steps.push(step);
    series.values.push(nan(value));
  }
  return series;
}

/** Per run and key: the value at the last step, min/max over non-NaN values (NaN if none) and the number of points. */
export interface MetricSummary {
  readonly runId: number;
  readonly key: string;
  readonly lastStep: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** Summaries of every metric of the given runs. */
export function readSummaries(db: Database, runIds: readonly number[]): MetricSummary[] {
  const rows = cached(
    db,
    `SELECT s.run_id, k.name, s.last_step, s.last_value, s.min_value, s.max_value, s.count
     FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id
     WHERE s.run_id IN (SELECT value FROM json_each(?)) ORDER BY s.run_id, k.name`,
  ).raw().all(JSON.stringify(runIds)) as [number, string, number, number | null, number | null, number | null, number][];
  return rows.map(([runId, key, lastStep, last, min, max, count]) => ({ runId, key, lastStep, last: nan(last), min: nan(min), max: nan(max), count }));
}

