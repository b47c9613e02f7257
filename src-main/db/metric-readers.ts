/**
 * Per-step telemetry out, at full resolution: a run's step axes, its per-head QK stats and its
 * log-ratio histograms. NaN where the value was NaN (stored as NULL). The downsampled series for
 * charts come from downsample-queries.ts; nothing here writes.
 */
import type { Database } from 'better-sqlite3';
import { cached, nan } from './statements.js';

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

/** The raw rows of `sql` (parameters: run id, first step, last step) for a run over a step range. */
function rowsInRange<Row>(db: Database, sql: string, runId: number, range: StepRange): Row[] {
  return cached(db, sql).raw().all(runId, range.fromStep ?? 0, range.toStep ?? Number.MAX_SAFE_INTEGER) as Row[];
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
  const rows = rowsInRange<[number, number, number, number | null, number]>(db, 'SELECT step, rollout, samples, wall_time, skipped FROM steps WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step', runId, range);
  return rows.map(([step, rollout, samples, wallTime, skipped]) => ({ step, rollout, samples, wallTime: nan(wallTime), skipped: skipped === 1 }));
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
  const rows = rowsInRange<[number, number, number, number | null, number, number | null]>(db, 'SELECT step, layer, head, max_logit, clipped, clip_gamma FROM qk_stats WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step, layer, head', runId, range);
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
  const rows = rowsInRange<[number, number, number, string]>(db, 'SELECT step, bin_min, bin_max, counts_json FROM log_ratio_histograms WHERE run_id = ? AND step >= ? AND step <= ? ORDER BY step', runId, range);
  return rows.map(([step, binMin, binMax, counts]) => ({ step, binMin, binMax, counts: JSON.parse(counts) as number[] }));
}
