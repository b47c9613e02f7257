/**
 * Maps a run's steps to the requested x-axis (step, samples seen, wall time), for the handlers that
 * draw series against it (metrics:series, metrics:compare): a lookup built from the run's step rows,
 * or a merge of two ascending step lists when the axis is already in hand (series-cache.ts).
 */
import type { Database } from 'better-sqlite3';
import type { XAxis } from '../../src-shared/contract.js';
import { readSteps, type MetricSeries } from '../db/metric-readers.js';

/** The run's samples-seen or wall-time value at each of its step rows. */
export function axisSeries(db: Database, runId: number, x: Exclude<XAxis, 'step'>): MetricSeries {
  const rows = readSteps(db, runId);
  return { steps: rows.map((r) => r.step), values: rows.map((r) => (x === 'samples' ? r.samples : r.wallTime)) };
}

/** Maps each step to its value on the requested x-axis (NaN for a step with no row). */
export function xMapper(db: Database, runId: number, x: XAxis): (step: number) => number {
  if (x === 'step') return (step) => step;
  const { steps, values } = axisSeries(db, runId, x);
  const axes = new Map(steps.map((step, i) => [step, values[i]!]));
  return (step) => axes.get(step) ?? NaN;
}

/**
 * The axis value at each of `steps` (ascending, as series are read), NaN for a step the axis lacks:
 * what xMapper answers, by one pass over both lists instead of a lookup table per request.
 */
export function stepsOnAxis(steps: readonly number[], axis: MetricSeries): number[] {
  const out = new Array<number>(steps.length);
  let j = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    while (j < axis.steps.length && axis.steps[j]! < step) j++;
    out[i] = j < axis.steps.length && axis.steps[j] === step ? axis.values[j]! : NaN;
  }
  return out;
}
