/**
 * Maps a run's steps to the requested x-axis (step, samples seen, wall time), for the handlers that
 * draw series against it (metrics:series, metrics:compare). Reads the run's step rows once per call.
 */
import type { Database } from 'better-sqlite3';
import type { XAxis } from '../../src-shared/contract.js';
import { readSteps } from '../db/metric-readers.js';

/** Maps each step to its value on the requested x-axis (NaN for a step with no row). */
export function xMapper(db: Database, runId: number, x: XAxis): (step: number) => number {
  if (x === 'step') return (step) => step;
  const axes = new Map(readSteps(db, runId).map((s) => [s.step, x === 'samples' ? s.samples : s.wallTime]));
  return (step) => axes.get(step) ?? NaN;
}
