/**
 * The downsampling pyramid behind compare queries (table metric_rollups). Level L cuts each series
 * into aligned blocks of 2^(L+2) steps and stores, per block, the min and max of its non-NaN values
 * and its last point. A block is written exactly once, by the insert batch whose steps pass its end,
 * so stored rows never change and a chart bucket of width 2^(L+2) is one stored row. Built in the
 * insert transaction from the batch (in memory) plus at most one earlier child per key (from disk).
 * Query side: bucketPlan() picks the level; metrics-queries.ts reads it.
 */
import type { Database } from 'better-sqlite3';
import { cached, insertRows } from './statements.js';

/** log2 of the level-0 block width (4 steps). */
const BASE_SHIFT = 2;

/** Steps per block at `level`: 4, 8, 16, ... */
export function rollupWidth(level: number): number {
  return 2 ** (level + BASE_SHIFT);
}

/** How a range of `span` steps becomes about `buckets` buckets. */
export interface BucketPlan {
  /** Steps per bucket; buckets are aligned: bucket k covers [k * width, (k + 1) * width). */
  readonly width: number;
  /** Rollup level whose blocks are the buckets; null when every step is its own bucket (width 1). */
  readonly level: number | null;
}

/**
 * The bucket width for a range: 1 (raw points) when the span is at most 2 x buckets, otherwise the
 * smallest power of two >= span / buckets, so a series yields between buckets / 2 and buckets full
 * buckets (plus at most two partial ones at the range edges).
 */
export function bucketPlan(span: number, buckets: number): BucketPlan {
  if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`bucketPlan: buckets must be a positive integer, got ${buckets}`);
  if (span <= 2 * buckets) return { width: 1, level: null };
  const shift = Math.max(BASE_SHIFT, Math.ceil(Math.log2(span / buckets)));
  return { width: 2 ** shift, level: shift - BASE_SHIFT };
}

/** A batch's points for one key, steps strictly increasing. */
export interface SeriesBatch {
  readonly steps: number[];
  readonly values: number[];
}

/** An aggregate over some steps of one series (a single point is one with lastStep = its step). */
interface Block {
  keyId: number;
  /** Index at its own level (for a point: the step). */
  block: number;
  min: number;
  max: number;
  lastStep: number;
  last: number;
}

/** NaN-ignoring min/max: NaN only when both are NaN (SQLite's min()/max() skip NULL the same way). */
function minOf(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}
function maxOf(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}

/**
 * Groups `children` (sorted by key, then block) into parents `block >> shift`, keeping only parents
 * below `toBlock` (the complete ones).
 */
function rollUp(children: readonly Block[], shift: number, toBlock: number): Block[] {
  const parents: Block[] = [];
  let current: Block | undefined;
  for (const child of children) {
    const block = Math.floor(child.block / 2 ** shift);
    if (block >= toBlock) continue;
    if (current === undefined || current.keyId !== child.keyId || current.block !== block) {
      current = { keyId: child.keyId, block, min: child.min, max: child.max, lastStep: child.lastStep, last: child.last };
      parents.push(current);
      continue;
    }
    current.min = minOf(current.min, child.min);
    current.max = maxOf(current.max, child.max);
    if (child.lastStep > current.lastStep) {
      current.lastStep = child.lastStep;
      current.last = child.last;
    }
  }
  return parents;
}

const nan = (value: number | null): number => (value === null ? Number.NaN : value);

/** Merges earlier children read from disk with this batch's, both sorted by key then block. */
function mergeByKey(earlier: Block[], batch: Block[]): Block[] {
  if (earlier.length === 0) return batch;
  return [...earlier, ...batch].sort((a, b) => a.keyId - b.keyId || a.block - b.block);
}

/**
 * Writes every block that becomes complete when a run's largest step moves from `previousMax` to
 * `newMax` (the batch's steps start at `firstStep` > previousMax). `batch` holds this batch's
 * points per key id. Must run inside the insert transaction, after the batch's metrics rows were
 * written. Returns the number of rollup rows written.
 */
export function buildRollups(db: Database, runId: number, previousMax: number, newMax: number, firstStep: number, batch: ReadonlyMap<number, SeriesBatch>): number {
  let written = 0;
  let children: Block[] | undefined; // complete blocks of the level below, from this batch
  for (let level = 0; ; level++) {
    const width = rollupWidth(level);
    const fromBlock = Math.floor((previousMax + 1) / width); // first block not complete before
    const toBlock = Math.floor((newMax + 1) / width); // first block not complete after
    if (toBlock <= fromBlock) break; // nothing completes here, so nothing above either
    let blocks: Block[];
    if (level === 0) {
      // Points of the first pending block that came in earlier batches (at most width - 1 steps).
      const earlier = (cached(db, PREFIX_POINTS_SQL).raw().all({ run: runId, from: fromBlock * width, to: firstStep }) as [number, number, number | null][])
        .map(([keyId, step, value]): Block => ({ keyId, block: step, min: nan(value), max: nan(value), lastStep: step, last: nan(value) }));
      const points: Block[] = [];
      for (const keyId of [...batch.keys()].sort((a, b) => a - b)) {
        const series = batch.get(keyId) as SeriesBatch;
        series.steps.forEach((step, i) => {
          const value = series.values[i] as number;
          points.push({ keyId, block: step, min: value, max: value, lastStep: step, last: value });
        });
      }
      blocks = rollUp(mergeByKey(earlier, points), BASE_SHIFT, toBlock);
    } else {
      // A complete parent needs both children; the first may have completed in an earlier batch.
      const belowFrom = Math.floor((previousMax + 1) / rollupWidth(level - 1));
      const earlier = belowFrom > 2 * fromBlock
        ? (cached(db, PREFIX_BLOCKS_SQL).raw().all({ run: runId, level: level - 1, from: 2 * fromBlock, to: belowFrom }) as [number, number, number | null, number | null, number, number | null][])
          .map(([keyId, block, min, max, lastStep, last]): Block => ({ keyId, block, min: nan(min), max: nan(max), lastStep, last: nan(last) }))
        : [];
      blocks = rollUp(mergeByKey(earlier, children ?? []), 1, toBlock);
    }
    const values: unknown[] = [];
    for (const b of blocks) values.push(runId, b.keyId, level, b.block, b.min, b.max, b.lastStep, b.last);
    insertRows(db, 'INTO metric_rollups (run_id, key_id, level, block, min_value, max_value, last_step, last_value)', 8, values);
    written += blocks.length;
    children = blocks;
  }
  return written;
}

// Keys of the run come from metric_summaries (one row per key the run has), so the metrics primary
// key is searched per key instead of scanning the run's whole range.
const PREFIX_POINTS_SQL = `
  SELECT key_id, step, value FROM metrics
  WHERE run_id = :run AND key_id IN (SELECT key_id FROM metric_summaries WHERE run_id = :run) AND step >= :from AND step < :to
  ORDER BY key_id, step`;
const PREFIX_BLOCKS_SQL = `
  SELECT key_id, block, min_value, max_value, last_step, last_value FROM metric_rollups
  WHERE run_id = :run AND key_id IN (SELECT key_id FROM metric_summaries WHERE run_id = :run) AND level = :level AND block >= :from AND block < :to
  ORDER BY key_id, block`;
