/**
 * Fast full-resolution reads for the comparison: one metric series per run as two JSON arrays built
 * inside SQLite (one string per series instead of one JS object per row, about 10x cheaper), and the
 * per-run aggregates the summary table needs, computed in SQL. NULL (a stored NaN) reads back as NaN.
 */
import type { Database } from 'better-sqlite3';
import type { MetricKey } from '../../src-shared/metrics.js';
import type { MetricSeries } from './metric-readers.js';
import { cached } from './statements.js';

const SERIES_JSON_SQL = `
  SELECT json_group_array(step), json_group_array(value) FROM (
    SELECT m.step, m.value FROM metrics m WHERE m.run_id = ? AND m.key_id = (SELECT id FROM metric_keys WHERE name = ?) ORDER BY m.step
  )`;

/** Every stored point of one run's metric, oldest first (NaN where the stored value was NaN). */
export function readSeriesFast(db: Database, runId: number, key: MetricKey): MetricSeries {
  const [steps, values] = cached(db, SERIES_JSON_SQL).raw().get(runId, key) as [string, string];
  return { steps: JSON.parse(steps) as number[], values: (JSON.parse(values) as (number | null)[]).map((v) => (v === null ? NaN : v)) };
}

/** Fraction of a run's recorded steps on which the metric was > 0 (e.g. heads QK-clipped); 0 when it has none. */
export function fractionPositive(db: Database, runId: number, key: MetricKey): number {
  const row = cached(db, 'SELECT count(*), sum(value > 0) FROM metrics WHERE run_id = ? AND key_id = (SELECT id FROM metric_keys WHERE name = ?)').raw().get(runId, key) as [number, number | null];
  return row[0] === 0 ? 0 : (row[1] ?? 0) / row[0];
}
