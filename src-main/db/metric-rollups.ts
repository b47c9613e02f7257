/**
 * The downsampling pyramid behind the chart queries (metric_rollups, read by downsample-queries.ts
 * for metrics:series, the Run view's charts; the compare reads full series instead): level L stores,
 * per aligned block of 2^(L+2) steps of a series, the min/max of its non-NaN values and its last
 * point, so a chart bucket is one stored row. Blocks are written once, in chunks of SEAL_STEPS steps (a small flush
 * then costs no rollup pages); queries aggregate the unsealed tail from metrics. No query SQL here.
 */
import type { Database } from 'better-sqlite3';
import { cached, insertRows, nan } from './statements.js';

/** log2 of the level-0 block width (4 steps). */
const BASE_SHIFT = 2;
const BASE_WIDTH = 2 ** BASE_SHIFT;

/**
 * Blocks are written when a run's steps pass a multiple of this (a power of two >= 4). Smaller seals
 * sooner but writes rollup pages more often; the unsealed tail a query aggregates is shorter.
 */
export const SEAL_STEPS = 128;

/**
 * First step not covered by stored blocks of `width` steps, for a run whose largest step is
 * `maxStep`: blocks are stored up to the last multiple of SEAL_STEPS passed (for blocks wider than
 * that, up to the last multiple of their own width).
 */
export function sealedThrough(maxStep: number, width: number): number {
  const sealed = Math.floor((maxStep + 1) / SEAL_STEPS) * SEAL_STEPS;
  return Math.floor(sealed / width) * width;
}

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
 * Folds children (a key's children in block order, keys in any order but each key contiguous) into
 * parents `floor(block / 2^shift)`, keeping only parents below `toBlock` (the sealed ones).
 */
class RollUp {
  readonly parents: Block[] = [];
  private current: Block | undefined;
  constructor(
    private readonly shift: number,
    private readonly toBlock: number,
  ) {}

  add(keyId: number, childBlock: number, min: number, max: number, lastStep: number, last: number): void {
    const block = Math.floor(childBlock / 2 ** this.shift);
    if (block >= this.toBlock) return;
    const current = this.current;
    if (current === undefined || current.keyId !== keyId || current.block !== block) {
      this.current = { keyId, block, min, max, lastStep, last };
      this.parents.push(this.current);
      return;
    }
    current.min = minOf(current.min, min);
    current.max = maxOf(current.max, max);
    if (lastStep > current.lastStep) {
      current.lastStep = lastStep;
      current.last = last;
    }
  }
}


/**
 * Per connection and run, the points written since the run's last seal (steps >= `from`, up to
 * `lastStep`), so the next seal need not read them back. Used only when `lastStep` equals the step
 * the database holds, which fails after a rolled-back batch or another writer: then it reads them.
 */
const unsealedPoints = new WeakMap<Database, Map<number, { from: number; lastStep: number; points: Map<number, SeriesBatch> }>>();

/** Drops the remembered unsealed points of these runs (after a rolled-back write). */
export function forgetUnsealedPoints(db: Database, runIds: Iterable<number>): void {
  const runs = unsealedPoints.get(db);
  if (runs !== undefined) for (const runId of runIds) runs.delete(runId);
}

/** This batch's points appended to the earlier unsealed ones, keeping steps >= `from`. */
function joinPoints(earlier: ReadonlyMap<number, SeriesBatch>, batch: ReadonlyMap<number, SeriesBatch>, from: number): Map<number, SeriesBatch> {
  const joined = new Map<number, SeriesBatch>();
  for (const keyId of [...new Set([...earlier.keys(), ...batch.keys()])].sort((a, b) => a - b)) {
    const series: SeriesBatch = { steps: [], values: [] };
    for (const part of [earlier.get(keyId), batch.get(keyId)]) {
      if (part === undefined) continue;
      for (let i = 0; i < part.steps.length; i++) {
        if ((part.steps[i] as number) < from) continue;
        series.steps.push(part.steps[i] as number);
        series.values.push(part.values[i] as number);
      }
    }
    if (series.steps.length > 0) joined.set(keyId, series);
  }
  return joined;
}

/**
 * Writes every block that gets sealed when a run's largest step moves from `previousMax` to `newMax`
 * (the batch's steps start at `firstStep` > previousMax). `batch` holds this batch's points per key
 * id. Must run inside the insert transaction, after the batch's metrics and summary rows were
 * written. Returns the number of rollup rows written.
 */
export function buildRollups(db: Database, runId: number, previousMax: number, newMax: number, firstStep: number, batch: ReadonlyMap<number, SeriesBatch>): number {
  let runs = unsealedPoints.get(db);
  if (runs === undefined) unsealedPoints.set(db, (runs = new Map()));
  const sealedBefore = sealedThrough(previousMax, BASE_WIDTH);
  const sealedAfter = sealedThrough(newMax, BASE_WIDTH);
  const remembered = runs.get(runId);
  let earlier: ReadonlyMap<number, SeriesBatch>;
  if (remembered !== undefined && remembered.lastStep === previousMax && remembered.from === sealedBefore) {
    earlier = remembered.points;
  } else if (previousMax < sealedBefore) {
    earlier = new Map();
  } else {
    const read = new Map<number, SeriesBatch>();
    for (const [keyId, step, value] of cached(db, PREFIX_POINTS_SQL).raw().iterate({ run: runId, from: sealedBefore, to: firstStep }) as Iterable<[number, number, number | null]>) {
      let series = read.get(keyId);
      if (series === undefined) read.set(keyId, (series = { steps: [], values: [] }));
      series.steps.push(step);
      series.values.push(nan(value));
    }
    earlier = read;
  }
  const points = joinPoints(earlier, batch, sealedBefore);
  runs.set(runId, { from: sealedAfter, lastStep: newMax, points: sealedAfter === sealedBefore ? points : joinPoints(points, new Map(), sealedAfter) });
  if (sealedAfter === sealedBefore) return 0;

  const rows: Block[][] = []; // per level
  let children: Block[] = [];
  for (let level = 0; ; level++) {
    const width = rollupWidth(level);
    const fromBlock = sealedThrough(previousMax, width) / width; // first block not stored before
    const toBlock = sealedThrough(newMax, width) / width; // first block not stored after
    if (toBlock <= fromBlock) break; // nothing is sealed at this level, so none above either
    const rollUp = new RollUp(level === 0 ? BASE_SHIFT : 1, toBlock);
    if (level === 0) {
      for (const [keyId, series] of points) {
        for (let i = 0; i < series.steps.length; i++) {
          const step = series.steps[i] as number;
          const value = series.values[i] as number;
          rollUp.add(keyId, step, value, value, step, value);
        }
      }
    } else {
      // A parent needs both children; the first may have been sealed by an earlier batch (then it is
      // the only earlier one per key: [2 * fromBlock, belowFrom) holds at most one block).
      const belowFrom = sealedThrough(previousMax, rollupWidth(level - 1)) / rollupWidth(level - 1);
      const byKey = new Map<number, Block[]>();
      if (belowFrom > 2 * fromBlock) {
        for (const [keyId, block, min, max, lastStep, last] of cached(db, PREFIX_BLOCKS_SQL).raw().iterate({ run: runId, level: level - 1, from: 2 * fromBlock, to: belowFrom }) as Iterable<[number, number, number | null, number | null, number, number | null]>) {
          byKey.set(keyId, [{ keyId, block, min: nan(min), max: nan(max), lastStep, last: nan(last) }]);
        }
      }
      for (const child of children) {
        const list = byKey.get(child.keyId);
        if (list === undefined) byKey.set(child.keyId, [child]);
        else list.push(child);
      }
      for (const keyId of [...byKey.keys()].sort((a, b) => a - b)) {
        for (const c of byKey.get(keyId) as Block[]) rollUp.add(keyId, c.block, c.min, c.max, c.lastStep, c.last);
      }
    }
    rows.push(rollUp.parents);
    children = rollUp.parents;
  }
  // In primary-key order (key, level, block), so consecutive rows land on the same pages. OR REPLACE:
  // a block is a function of the metrics rows it covers, so one written under another sealing policy
  // (an older version of this file) is simply rewritten with the same content.
  const ordered = rows.flatMap((blocks, level) => blocks.map((block) => ({ level, block }))).sort((a, b) => a.block.keyId - b.block.keyId || a.level - b.level || a.block.block - b.block.block);
  const values: unknown[] = [];
  for (const { level, block: b } of ordered) values.push(runId, b.keyId, level, b.block, b.min, b.max, b.lastStep, b.last);
  insertRows(db, 'OR REPLACE INTO metric_rollups (run_id, key_id, level, block, min_value, max_value, last_step, last_value)', 8, values);
  return ordered.length;
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
