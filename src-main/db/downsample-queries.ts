/**
 * Downsampling in SQL: per bucket of steps, the min, max and last value of each series, from the
 * stored rollups for whole blocks and raw points at the edges. It serves metrics:series, the query
 * behind the Run view's charts. Reads only.
 */
import type { Database } from 'better-sqlite3';
import type { MetricKey } from '../../src-shared/metrics.js';
import { existingKeyId } from './metric-keys.js';
import type { StepRange } from './metric-readers.js';
import { bucketPlan, sealedThrough } from './metric-rollups.js';
import { cached, nan } from './statements.js';

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
export interface BucketedSeries {
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
export function downsampleSeries(db: Database, request: DownsampleRequest): BucketedSeries[] {
  const keyIds = request.keys.map((key) => existingKeyId(db, key) ?? -1);
  const keysJson = JSON.stringify(keyIds.filter((id) => id >= 0));
  const maxSteps = new Map(request.runIds.map((runId) => [runId, cached(db, 'SELECT max(step) FROM steps WHERE run_id = ?').pluck().get(runId) as number | null]));
  const from = Math.max(0, request.fromStep ?? 0);
  const to = request.toStep ?? Math.max(-1, ...[...maxSteps.values()].map((step) => step ?? -1));
  const plan = bucketPlan(Math.max(0, to - from + 1), request.buckets);

  const out: BucketedSeries[] = [];
  for (const runId of request.runIds) {
    const byKeyId = new Map<number, BucketedSeries>();
    for (const [i, key] of request.keys.entries()) {
      const series: BucketedSeries = { runId, key, bucketWidth: plan.width, bucketStart: [], lastStep: [], min: [], max: [], last: [] };
      out.push(series);
      byKeyId.set(keyIds[i] as number, series);
    }
    const maxStep = maxSteps.get(runId) ?? null;
    if (maxStep === null || to < from) continue;
    const add = (rows: Iterable<unknown[]>) => {
      for (const [keyId, start, min, max, lastStep, last] of rows as Iterable<[number, number, number | null, number | null, number, number | null]>) {
        const series = byKeyId.get(keyId) as BucketedSeries;
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

