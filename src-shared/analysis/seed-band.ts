/**
 * The comparison chart's curve for one group, in the only correct order (ux.md Comparison view):
 * smooth each seed at full resolution (debiased EMA), interpolate each onto one explicit grid, then
 * aggregate over seeds. Pixel downsampling of single-seed curves (min-max envelope + last value) is
 * a separate step in the main process and is not done here.
 */
import { aggregateSeeds, type SeedAggregate } from './aggregate.js';
import { alignOnGrid, describeAlignment, gridSpanning, type XySeries } from './alignment.js';
import type { BootstrapOptions } from './bootstrap.js';
import { debiasedEma, describeSmoothing } from './smoothing.js';

/** Grid size when none is given: about one point per pixel of a wide chart. */
export const DEFAULT_GRID_POINTS = 1000;

/** Options of buildSeedBand. */
export interface SeedBandOptions {
  /** Debiased-EMA weight in [0, 1), applied per seed before alignment (default 0: none). */
  readonly smoothingWeight?: number;
  /** Points of the even grid over the union of the seeds' x-ranges (default DEFAULT_GRID_POINTS). */
  readonly gridPoints?: number;
  /** An explicit ascending grid (e.g. the zoomed x-range); overrides gridPoints. */
  readonly grid?: readonly number[];
  readonly bootstrap?: BootstrapOptions;
}

/** One group's chart data: the aggregate, each seed on the grid, and the legend's wording. */
export interface SeedBand {
  readonly aggregate: SeedAggregate;
  /** Each seed, smoothed and on the grid (null outside its x-range): the faint per-seed lines. */
  readonly seeds: readonly (readonly (number | null)[])[];
  /** What the legend states: the smoothing and the alignment rule in force. */
  readonly legend: { readonly smoothing: string; readonly alignment: string };
}

/**
 * Smooth -> align -> aggregate for the seeds of one group. Interpolating onto a grid coarser than
 * the data samples the curve at the grid's x values, so a spike between two grid x values is not in
 * the aggregate; smoothing first (as here) or a grid as dense as the data keeps the mean honest.
 */
export function buildSeedBand(series: readonly XySeries[], options: SeedBandOptions = {}): SeedBand {
  const { smoothingWeight = 0, gridPoints = DEFAULT_GRID_POINTS, bootstrap = {} } = options;
  const smoothed = series.map((s) => ({ x: s.x, y: debiasedEma(s.y, smoothingWeight) }));
  const grid = options.grid ? [...options.grid] : gridSpanning(smoothed, gridPoints);
  const seeds = alignOnGrid(smoothed, grid);
  return {
    aggregate: aggregateSeeds(grid, seeds, bootstrap),
    seeds,
    legend: { smoothing: describeSmoothing(smoothingWeight), alignment: describeAlignment(grid.length) },
  };
}
