/**
 * Per-step telemetry in and out: insertStepRecords/insertStepBatches write whole StepRecords in ONE
 * transaction; readers return series, summaries and the other per-step tables; downsampleSeries is
 * the compare-view query, in SQL. NaN: SQLite stores a NaN REAL as NULL, so NULL reads back as NaN
 * (never 0); an unmeasured metric has no row; +-Infinity are stored as such.
 */
import type { Database } from 'better-sqlite3';
import { LOG_RATIO_HIST_MAX, LOG_RATIO_HIST_MIN, type MetricKey } from '../../src-shared/metrics.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { bucketPlan, buildRollups, forgetUnsealedPoints, sealedThrough, type SeriesBatch } from './metric-rollups.js';
import { cached, insertRows } from './statements.js';
import { RunNotFoundError } from './store-errors.js';

const nan = (value: number | null): number => (value === null ? Number.NaN : value);

// ---------------------------------------------------------------------------------------------
// Metric key dictionary
// ---------------------------------------------------------------------------------------------

const keyCaches = new WeakMap<Database, Map<string, number>>();

/** The connection's name -> id cache (ids never change once committed). */
function keyCache(db: Database): Map<string, number> {
  let cache = keyCaches.get(db);
  if (cache === undefined) keyCaches.set(db, (cache = new Map()));
  return cache;
}

/**
 * Integer ids for metric names, inserting new names. Ids are cached per connection only when the
 * lookup ran outside any transaction (its own, committed): an id inserted inside a caller's
 * transaction could vanish with a rollback, so it is used but not remembered.
 */
export function metricKeyIds(db: Database, names: Iterable<string>): Map<string, number> {
  const known = keyCache(db);
  const result = new Map<string, number>();
  const missing: string[] = [];
  for (const name of names) {
    const id = known.get(name);
    if (id === undefined) missing.push(name);
    else result.set(name, id);
  }
  if (missing.length === 0) return result;
  const cacheable = !db.inTransaction;
  db.transaction(() => {
    for (const name of missing) {
      cached(db, 'INSERT INTO metric_keys (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
      const id = cached(db, 'SELECT id FROM metric_keys WHERE name = ?').pluck().get(name) as number;
      result.set(name, id);
      if (cacheable) known.set(name, id);
    }
  }).immediate();
  return result;
}

/** Existing id of a metric name, or undefined if nothing was ever recorded under it. */
function existingKeyId(db: Database, name: string): number | undefined {
  const known = keyCache(db).get(name);
  if (known !== undefined) return known;
  const id = cached(db, 'SELECT id FROM metric_keys WHERE name = ?').pluck().get(name) as number | undefined;
  if (id !== undefined && !db.inTransaction) keyCache(db).set(name, id); // read outside a transaction: committed
  return id;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/** The metric keys that feed agm_states, and the column each lands in. */
const AGM_COLUMNS = [
  ['ratio/a0', 'a0'],
  ['ratio/g0', 'g0'],
  ['ratio/h0', 'h0'],
  ['ratio/used_mean', 'final_mean'],
  ['agm/iterations', 'iterations'],
] as const satisfies readonly (readonly [MetricKey, string])[];

/** One run's records for insertStepBatches. */
export interface StepBatch {
  readonly runId: number;
  readonly records: readonly StepRecord[];
}

/** Stores one run's step records (see insertStepBatches). */
export function insertStepRecords(db: Database, runId: number, records: readonly StepRecord[]): void {
  insertStepBatches(db, [{ runId, records }]);
}

/**
 * Stores step records of one or more runs in ONE immediate transaction: all or nothing. This is what
 * the single writer (the main process) calls with whatever its live runs produced since the last
 * flush. Steps must be integers, strictly increasing within a run and above every step already
 * stored for it (a replay or reorder is a caller bug and throws, leaving the database unchanged).
 */
export function insertStepBatches(db: Database, batches: readonly StepBatch[]): void {
  const names = new Set<string>();
  for (const { records } of batches) for (const record of records) for (const name of Object.keys(record.metrics)) names.add(name);
  const keyIds = metricKeyIds(db, names);
  try {
    db.transaction(() => {
      for (const { runId, records } of batches) if (records.length > 0) insertRun(db, keyIds, runId, records);
    }).immediate();
  } catch (error) {
    forgetUnsealedPoints(db, batches.map((b) => b.runId)); // the rollback took their rows back out
    throw error;
  }
}

const SUMMARY_UPSERT = `ON CONFLICT (run_id, key_id) DO UPDATE SET
  last_value = CASE WHEN excluded.last_step >= last_step THEN excluded.last_value ELSE last_value END,
  last_step = max(last_step, excluded.last_step),
  min_value = coalesce(min(min_value, excluded.min_value), min_value, excluded.min_value),
  max_value = coalesce(max(max_value, excluded.max_value), max_value, excluded.max_value),
  count = count + excluded.count`;

function insertRun(db: Database, keyIds: ReadonlyMap<string, number>, runId: number, records: readonly StepRecord[]): void {
  if (cached(db, 'SELECT 1 FROM runs WHERE id = ?').get(runId) === undefined) throw new RunNotFoundError(runId);
  const previousMax = (cached(db, 'SELECT max(step) FROM steps WHERE run_id = ?').pluck().get(runId) as number | null) ?? -1;
  let last = previousMax;
  for (const record of records) {
    if (!Number.isSafeInteger(record.step) || record.step <= last) {
      throw new Error(`insertStepRecords(run ${runId}): step ${record.step} must be an integer above ${last} (steps strictly increase and are stored once)`);
    }
    last = record.step;
  }
  const firstStep = (records[0] as StepRecord).step;

  // The x-axes, one row per step.
  const steps: unknown[] = [];
  for (const r of records) steps.push(runId, r.step, r.rollout, r.samples, r.wallTime, r.skipped ? 1 : 0);
  insertRows(db, 'INTO steps (run_id, step, rollout, samples, wall_time, skipped)', 6, steps);

  // Metrics, written key by key so each key's rows are one run in the clustered primary key.
  const byKey = new Map<number, SeriesBatch>();
  for (const r of records) {
    for (const [name, value] of Object.entries(r.metrics)) {
      if (value === undefined) continue;
      const keyId = keyIds.get(name) as number;
      let series = byKey.get(keyId);
      if (series === undefined) byKey.set(keyId, (series = { steps: [], values: [] }));
      series.steps.push(r.step);
      series.values.push(value);
    }
  }
  const keyOrder = [...byKey.keys()].sort((a, b) => a - b);
  const metrics: unknown[] = [];
  const summaries: unknown[] = [];
  for (const keyId of keyOrder) {
    const { steps: s, values: v } = byKey.get(keyId) as SeriesBatch;
    let min = Number.NaN;
    let max = Number.NaN;
    for (let i = 0; i < s.length; i++) {
      const value = v[i] as number;
      metrics.push(runId, keyId, s[i], value);
      if (!Number.isNaN(value)) {
        if (!(value >= min)) min = value; // also replaces the initial NaN
        if (!(value <= max)) max = value;
      }
    }
    summaries.push(runId, keyId, s.at(-1), v.at(-1), min, max, s.length);
  }
  insertRows(db, 'INTO metrics (run_id, key_id, step, value)', 4, metrics);
  // Kept current here rather than by a trigger: one upsert per key per batch instead of one per row
  // (measured 1.37M vs 0.74M rows/s on 100-step batches of 40 runs x 20 keys).
  insertRows(db, 'INTO metric_summaries (run_id, key_id, last_step, last_value, min_value, max_value, count)', 7, summaries, SUMMARY_UPSERT);
  buildRollups(db, runId, previousMax, last, firstStep, byKey);

  // AGM state, for steps that measured any of its metrics.
  const agm: unknown[] = [];
  for (const r of records) {
    const row = AGM_COLUMNS.map(([key]) => r.metrics[key]);
    if (row.some((value) => value !== undefined)) agm.push(runId, r.step, ...row.map((value) => value ?? null));
  }
  insertRows(db, `INTO agm_states (run_id, step, ${AGM_COLUMNS.map(([, column]) => column).join(', ')})`, 7, agm);

  // QK stats: every monitored head, with the clip factor where QK-clip rescaled it.
  const qk: unknown[] = [];
  for (const r of records) {
    const { maxLogits, clipped } = r.qk;
    for (let layer = 0; layer < maxLogits.length; layer++) {
      const logits = maxLogits[layer] as number[];
      for (let head = 0; head < logits.length; head++) {
        const gamma = clipped.length === 0 ? undefined : clipped.find((c) => c.layer === layer && c.head === head)?.gamma;
        qk.push(runId, r.step, layer, head, logits[head], gamma === undefined ? 0 : 1, gamma ?? null);
      }
    }
    // A clipped head outside the logit grid (should not happen) still gets its row.
    for (const c of clipped) if ((maxLogits[c.layer]?.length ?? 0) <= c.head) qk.push(runId, r.step, c.layer, c.head, c.sMax, 1, c.gamma);
  }
  insertRows(db, 'INTO qk_stats (run_id, step, layer, head, max_logit, clipped, clip_gamma)', 7, qk);

  // Log-ratio histograms as binned counts.
  const histograms: unknown[] = [];
  for (const r of records) {
    if (r.logRatioHistogram.length > 0) histograms.push(runId, r.step, LOG_RATIO_HIST_MIN, LOG_RATIO_HIST_MAX, JSON.stringify(r.logRatioHistogram));
  }
  insertRows(db, 'INTO log_ratio_histograms (run_id, step, bin_min, bin_max, counts_json)', 5, histograms);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** A step range, both ends included; either end may be left open. */
export interface StepRange {
  readonly fromStep?: number;
  readonly toStep?: number;
}

/** A full-resolution series: parallel arrays, steps ascending. NaN where the value was NaN. */
export interface MetricSeries {
  readonly steps: number[];
  readonly values: number[];
}

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

/** The x-axes of one step. */
export interface StepAxes {
  readonly step: number;
  readonly rollout: number;
  readonly samples: number;
  /** Seconds since training started (NaN if it was not recorded). */
  readonly wallTime: number;
  readonly skipped: boolean;
}

/** A run's steps with their rollout, samples seen, wall time and skip flag. */
export function readSteps(db: Database, runId: number, range: StepRange = {}): StepAxes[] {
  const rows = cached(db, 'SELECT step, rollout, samples, wall_time, skipped FROM steps WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step')
    .raw().all(runId, range.fromStep ?? 0, range.toStep ?? Number.MAX_SAFE_INTEGER) as [number, number, number, number | null, number][];
  return rows.map(([step, rollout, samples, wallTime, skipped]) => ({ step, rollout, samples, wallTime: nan(wallTime), skipped: skipped === 1 }));
}

/** AM-GM state of one step (NaN: not measured or not finite; metrics tells which). */
export interface AgmState {
  readonly step: number;
  readonly a0: number;
  readonly g0: number;
  readonly h0: number;
  readonly finalMean: number;
  readonly iterations: number;
}

/** A run's AGM state per step. */
export function readAgmStates(db: Database, runId: number, range: StepRange = {}): AgmState[] {
  const rows = cached(db, 'SELECT step, a0, g0, h0, final_mean, iterations FROM agm_states WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step')
    .raw().all(runId, range.fromStep ?? 0, range.toStep ?? Number.MAX_SAFE_INTEGER) as [number, ...(number | null)[]][];
  return rows.map(([step, a0, g0, h0, finalMean, iterations]) => ({ step, a0: nan(a0 ?? null), g0: nan(g0 ?? null), h0: nan(h0 ?? null), finalMean: nan(finalMean ?? null), iterations: nan(iterations ?? null) }));
}

/** One head's max attention logit on one step, and its QK-clip factor if it was clipped. */
export interface QkStat {
  readonly step: number;
  readonly layer: number;
  readonly head: number;
  readonly maxLogit: number;
  readonly clipped: boolean;
  /** Factor the head's logits were scaled by; NaN when not clipped. */
  readonly gamma: number;
}

/** A run's QK stats, by step, layer, head. */
export function readQkStats(db: Database, runId: number, range: StepRange = {}): QkStat[] {
  const rows = cached(db, 'SELECT step, layer, head, max_logit, clipped, clip_gamma FROM qk_stats WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step, layer, head')
    .raw().all(runId, range.fromStep ?? 0, range.toStep ?? Number.MAX_SAFE_INTEGER) as [number, number, number, number | null, number, number | null][];
  return rows.map(([step, layer, head, maxLogit, clipped, gamma]) => ({ step, layer, head, maxLogit: nan(maxLogit), clipped: clipped === 1, gamma: nan(gamma) }));
}

/** One step's log-ratio histogram: counts = [underflow, bins..., overflow] over [binMin, binMax). */
export interface LogRatioHistogram {
  readonly step: number;
  readonly binMin: number;
  readonly binMax: number;
  readonly counts: number[];
}

/** A run's log-ratio histograms, by step. */
export function readLogRatioHistograms(db: Database, runId: number, range: StepRange = {}): LogRatioHistogram[] {
  const rows = cached(db, 'SELECT step, bin_min, bin_max, counts_json FROM log_ratio_histograms WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step')
    .raw().all(runId, range.fromStep ?? 0, range.toStep ?? Number.MAX_SAFE_INTEGER) as [number, number, number, string][];
  return rows.map(([step, binMin, binMax, counts]) => ({ step, binMin, binMax, counts: JSON.parse(counts) as number[] }));
}

// ---------------------------------------------------------------------------------------------
// Downsampling for the compare view
// ---------------------------------------------------------------------------------------------

/** Which series, over which steps, at about how many buckets (the chart's width in pixels). */
export interface DownsampleRequest extends StepRange {
  readonly runIds: readonly number[];
  readonly keys: readonly MetricKey[];
  readonly buckets: number;
}

/**
 * One downsampled series: parallel arrays, one entry per non-empty bucket, in step order. Bucket k
 * covers [bucketStart, bucketStart + bucketWidth) clipped to the requested range; `min`/`max` are over
 * its non-NaN values (NaN if it held only NaN), `last` is the value at `lastStep`, its last point.
 */
export interface DownsampledSeries {
  readonly runId: number;
  readonly key: MetricKey;
  readonly bucketWidth: number;
  readonly bucketStart: number[];
  readonly lastStep: number[];
  readonly min: number[];
  readonly max: number[];
  readonly last: number[];
}

/** Exported for EXPLAIN QUERY PLAN tests: full buckets, one stored rollup row each. */
export const DOWNSAMPLE_BLOCKS_SQL = `
  SELECT key_id, block * :width, min_value, max_value, last_step, last_value FROM metric_rollups
  WHERE run_id = :run AND key_id IN (SELECT value FROM json_each(:keys)) AND level = :level AND block >= :blockFrom AND block < :blockTo
  ORDER BY key_id, block`;
/** Exported for EXPLAIN QUERY PLAN tests: partial buckets at the range edges, aggregated from metrics. */
export const DOWNSAMPLE_EDGES_SQL = `
  SELECT g.key_id, g.bucket * :width, g.min_value, g.max_value, g.last_step,
         (SELECT m.value FROM metrics m WHERE m.run_id = :run AND m.key_id = g.key_id AND m.step = g.last_step)
  FROM (SELECT key_id, step >> :shift AS bucket, min(value) AS min_value, max(value) AS max_value, max(step) AS last_step
        FROM metrics
        WHERE run_id = :run AND key_id IN (SELECT value FROM json_each(:keys)) AND step >= :from AND step < :to
        GROUP BY key_id, bucket) AS g
  ORDER BY g.key_id, g.bucket`;
/** Exported for EXPLAIN QUERY PLAN tests: short ranges, every point its own bucket. */
export const DOWNSAMPLE_POINTS_SQL = `
  SELECT key_id, step, value FROM metrics
  WHERE run_id = :run AND key_id IN (SELECT value FROM json_each(:keys)) AND step >= :from AND step <= :to
  ORDER BY key_id, step`;

/**
 * Per-bucket min, max and last point of each requested (run, key) series, computed in SQL. Buckets
 * are aligned power-of-two step ranges chosen by bucketPlan (between buckets/2 and buckets full ones
 * per series; every point when the range is at most 2 x buckets steps), identical for all series so
 * charts line up. Full buckets are single rows of the rollup pyramid; the partial buckets at the
 * range edges and the run's unsealed last steps are aggregated from metrics, so every bucket is
 * exact, the global min and max survive and the final point is always included. The range
 * defaults to step 0 through the largest step of the requested runs.
 */
export function downsampleSeries(db: Database, request: DownsampleRequest): DownsampledSeries[] {
  const keyIds = request.keys.map((key) => existingKeyId(db, key) ?? -1);
  const keysJson = JSON.stringify(keyIds.filter((id) => id >= 0));
  const maxSteps = new Map(request.runIds.map((runId) => [runId, cached(db, 'SELECT max(step) FROM steps WHERE run_id = ?').pluck().get(runId) as number | null]));
  const from = Math.max(0, request.fromStep ?? 0);
  const to = request.toStep ?? Math.max(-1, ...[...maxSteps.values()].map((step) => step ?? -1));
  const plan = bucketPlan(Math.max(0, to - from + 1), request.buckets);

  const out: DownsampledSeries[] = [];
  for (const runId of request.runIds) {
    const byKeyId = new Map<number, DownsampledSeries>();
    for (const [i, key] of request.keys.entries()) {
      const series: DownsampledSeries = { runId, key, bucketWidth: plan.width, bucketStart: [], lastStep: [], min: [], max: [], last: [] };
      out.push(series);
      byKeyId.set(keyIds[i] as number, series);
    }
    const maxStep = maxSteps.get(runId) ?? null;
    if (maxStep === null || to < from) continue;
    const add = (rows: Iterable<unknown[]>) => {
      for (const [keyId, start, min, max, lastStep, last] of rows as Iterable<[number, number, number | null, number | null, number, number | null]>) {
        const series = byKeyId.get(keyId) as DownsampledSeries;
        series.bucketStart.push(start);
        series.min.push(nan(min));
        series.max.push(nan(max));
        series.lastStep.push(lastStep);
        series.last.push(nan(last));
      }
    };
    if (plan.level === null) {
      const points = cached(db, DOWNSAMPLE_POINTS_SQL).raw().iterate({ run: runId, keys: keysJson, from, to }) as Iterable<[number, number, number | null]>;
      add((function* () {
        for (const [keyId, step, value] of points) yield [keyId, step, value, value, step, value];
      })());
      continue;
    }
    // Stored blocks cover [fullFrom, fullTo): aligned, inside the range, and sealed for this run.
    const width = plan.width;
    const fullFrom = Math.ceil(from / width) * width;
    const fullTo = Math.max(fullFrom, Math.min(Math.floor((to + 1) / width) * width, sealedThrough(maxStep, width)));
    const shift = Math.log2(width);
    const edges = (edgeFrom: number, edgeTo: number) => {
      if (edgeFrom < edgeTo) add(cached(db, DOWNSAMPLE_EDGES_SQL).raw().iterate({ run: runId, keys: keysJson, width, shift, from: edgeFrom, to: edgeTo }) as Iterable<unknown[]>);
    };
    edges(from, Math.min(fullFrom, to + 1));
    if (fullFrom < fullTo) {
      add(cached(db, DOWNSAMPLE_BLOCKS_SQL).raw().iterate({ run: runId, keys: keysJson, width, level: plan.level, blockFrom: fullFrom / width, blockTo: fullTo / width }) as Iterable<unknown[]>);
    }
    edges(Math.max(fullTo, from), to + 1);
  }
  return out;
}
