/**
 * Full-resolution metric series and x-axes kept in memory for `metrics:compare`, so a control change
 * (smoothing, band, target, grid width, the live refresh) does not read 20,000 rows per run and key
 * again: reading is ~6 ms per series and a 40-run comparison reads 40 to 240 of them. An entry is
 * valid while its run's version (status, steps done, creation time: ids can be reused after a
 * delete) is unchanged; the least recently used entries go first once the kept points pass a
 * bound. Not the reading itself (db/) nor what the series mean.
 */
import type { Database } from 'better-sqlite3';
import type { XAxis } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import type { MetricSeries } from '../db/metric-readers.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';
import { axisSeries } from './x-axis.js';

/** What identifies one state of a run's stored metrics: any new step changes stepsDone. */
export interface RunVersion {
  readonly status: string;
  readonly stepsDone: number;
  readonly createdAt: number;
}

export const versionOf = ({ status, stepsDone, createdAt }: RunVersion): string => `${createdAt}:${status}:${stepsDone}`;

/** Points kept at most (a step and a value: ~12 bytes each, so ~70 MB): a 40-run x 20,000-step comparison's six series per run (4.8 M points) fit. */
export const DEFAULT_MAX_POINTS = 6_000_000;

export interface SeriesReader {
  /** Every stored point of one run's metric, oldest first; read with `load` (default: from the metrics rows) when not kept. */
  series(runId: number, key: MetricKey, version: RunVersion, load?: () => MetricSeries): MetricSeries;
  /** The run's value of `x` (samples seen or wall time) at each recorded step, steps ascending. */
  axis(runId: number, x: Exclude<XAxis, 'step'>, version: RunVersion): MetricSeries;
}

/** A reader with its own cache, for one database connection. */
export function createSeriesReader(db: Database, maxPoints = DEFAULT_MAX_POINTS): SeriesReader {
  // Map order is recency order: a hit is moved to the end, eviction takes from the front.
  const kept = new Map<string, { readonly version: string; readonly series: MetricSeries }>();
  let points = 0;
  const drop = (id: string) => {
    points -= kept.get(id)?.series.steps.length ?? 0;
    kept.delete(id);
  };
  const read = (id: string, run: RunVersion, load: () => MetricSeries): MetricSeries => {
    const version = versionOf(run);
    const entry = kept.get(id);
    drop(id);
    const series = entry !== undefined && entry.version === version ? entry.series : load();
    if (series.steps.length > maxPoints) return series;
    kept.set(id, { version, series });
    points += series.steps.length;
    for (const oldest of kept.keys()) {
      if (points <= maxPoints) break;
      drop(oldest);
    }
    return series;
  };
  return {
    series: (runId, key, run, load = () => readSeriesFast(db, runId, key)) => read(`${runId}\u0000${key}`, run, load),
    axis: (runId, x, run) =>
      read(`${runId}\u0000x:${x}`, run, () => axisSeries(db, runId, x)),
  };
}
