/**
 * Puts the seeds of a comparison on one explicit x-grid (ux.md complaint 1): each series is linearly
 * interpolated at the grid's x values and contributes nothing outside its own x-range, so grouped
 * curves do not shift when seeds log at different steps. Pure functions on plain number arrays; the
 * legend shows `describeAlignment(grid.length)` so the rule is never implicit.
 */

/** One curve: x ascending (irregular spacing allowed), y the metric at each x. */
export interface XySeries {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** The alignment rule in words, for the legend (see describeAlignment for the version with N). */
export const ALIGNMENT_RULE = 'linear interpolation on a shared grid; no extrapolation';

/** The legend's statement of the alignment rule, e.g. "linear interpolation on a shared grid of 500 points; no extrapolation". */
export function describeAlignment(gridPoints: number): string {
  const points = gridPoints === 1 ? '1 point' : `${gridPoints} points`;
  return `linear interpolation on a shared grid of ${points}; no extrapolation`;
}

/**
 * `points` evenly spaced x values from `start` to `end`, both included exactly. When start equals
 * end the grid is that single value (a grid is strictly ascending, so it never repeats a value).
 *
 * @throws RangeError when points is not a positive integer, an end is not finite, or end < start
 */
export function evenGrid(start: number, end: number, points: number): number[] {
  if (!Number.isInteger(points) || points < 1) {
    throw new RangeError(`grid points must be a positive integer, got ${points}`);
  }
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    throw new RangeError(`grid range must be finite with start <= end, got [${start}, ${end}]`);
  }
  if (points === 1 || start === end) return [start];
  const grid = new Array<number>(points);
  const width = end - start;
  for (let i = 0; i < points; i++) grid[i] = start + (width * i) / (points - 1);
  grid[points - 1] = end;
  return grid;
}

/**
 * An even grid over the union of the series' x-ranges (smallest first x to largest last x), or an
 * empty grid when no series has a point. Seeds that stopped early still contribute up to their end.
 */
export function gridSpanning(series: readonly XySeries[], points: number): number[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const first = s.x[0];
    const last = s.x[s.x.length - 1];
    if (first === undefined || last === undefined) continue;
    lo = Math.min(lo, first);
    hi = Math.max(hi, last);
  }
  return lo <= hi ? evenGrid(lo, hi, points) : [];
}

/**
 * The series' value at each grid x: exact at its own x values, linear between its two neighbouring
 * points, and null outside [first x, last x] (no extrapolation). Where the series repeats an x (a
 * resumed run logging a step twice) the later point wins. A grid x whose value would use a
 * non-finite y (a NaN step) is null too: that seed contributes nothing there.
 *
 * Linear in grid length plus series length (one merge pass).
 *
 * @param grid ascending x values, e.g. from evenGrid
 * @throws Error when x and y differ in length, x is not ascending or not finite, or grid descends
 */
export function interpolateOnGrid(series: XySeries, grid: readonly number[]): (number | null)[] {
  const { x, y } = series;
  assertSeries(series);
  const out = new Array<number | null>(grid.length).fill(null);
  const n = x.length;
  if (n === 0) return out;
  const first = x[0] as number;
  const last = x[n - 1] as number;
  let j = 0; // index of the last series point with x <= g
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < grid.length; i++) {
    const g = grid[i] as number;
    if (!(g >= previous)) throw new Error(`grid must be ascending: grid[${i}] = ${g} after ${previous}`);
    previous = g;
    if (g < first || g > last) continue;
    while (j + 1 < n && (x[j + 1] as number) <= g) j++;
    const x0 = x[j] as number;
    const y0 = y[j] as number;
    if (x0 === g) {
      out[i] = Number.isFinite(y0) ? y0 : null;
      continue;
    }
    const x1 = x[j + 1] as number; // exists: g < last here, so x[j] < g < x[j + 1]
    const y1 = y[j + 1] as number;
    if (!Number.isFinite(y0) || !Number.isFinite(y1)) continue;
    out[i] = y0 + ((g - x0) / (x1 - x0)) * (y1 - y0);
  }
  return out;
}

/** interpolateOnGrid for each series: result[seed][gridIndex]. */
export function alignOnGrid(series: readonly XySeries[], grid: readonly number[]): (number | null)[][] {
  return series.map((s) => interpolateOnGrid(s, grid));
}

function assertSeries({ x, y }: XySeries): void {
  if (x.length !== y.length) throw new Error(`series x and y differ in length: ${x.length} vs ${y.length}`);
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    if (!Number.isFinite(xi)) throw new Error(`series x must be finite: x[${i}] = ${xi}`);
    if (xi < previous) throw new Error(`series x must be ascending: x[${i}] = ${xi} after ${previous}`);
    previous = xi;
  }
}
