/**
 * Grid alignment: grids include both ends, interpolation is exact at the series' own points and
 * linear between them, nothing is extrapolated, NaN steps and repeated steps follow the stated rule.
 */
import { describe, expect, it } from 'vitest';
import { alignOnGrid, describeAlignment, evenGrid, gridSpanning, interpolateOnGrid } from './alignment.js';

describe('evenGrid', () => {
  it('spaces points evenly and includes both ends exactly', () => {
    expect(evenGrid(0, 10, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    const grid = evenGrid(0.1, 0.7, 7);
    expect(grid[0]).toBe(0.1);
    expect(grid[6]).toBe(0.7);
  });

  it('collapses to one point when the range is empty or one point is asked for', () => {
    expect(evenGrid(5, 5, 100)).toEqual([5]);
    expect(evenGrid(0, 9, 1)).toEqual([0]);
  });

  it('rejects bad arguments', () => {
    expect(() => evenGrid(0, 1, 0)).toThrow(RangeError);
    expect(() => evenGrid(0, 1, 2.5)).toThrow(RangeError);
    expect(() => evenGrid(1, 0, 3)).toThrow(RangeError);
    expect(() => evenGrid(0, Number.POSITIVE_INFINITY, 3)).toThrow(RangeError);
  });
});

describe('gridSpanning', () => {
  it('covers the union of the series x-ranges', () => {
    const grid = gridSpanning([{ x: [10, 20, 30], y: [0, 0, 0] }, { x: [0, 15], y: [0, 0] }, { x: [], y: [] }], 4);
    expect(grid).toEqual([0, 10, 20, 30]);
  });

  it('is empty when no series has a point', () => {
    expect(gridSpanning([{ x: [], y: [] }], 10)).toEqual([]);
    expect(gridSpanning([], 10)).toEqual([]);
  });
});

describe('interpolateOnGrid', () => {
  const series = { x: [0, 10, 40], y: [1, 3, 0] }; // irregular spacing

  it('is exact at the series own x values', () => {
    expect(interpolateOnGrid(series, [0, 10, 40])).toEqual([1, 3, 0]);
  });

  it('is linear between neighbouring points', () => {
    // between (0, 1) and (10, 3): 1 + 0.25 * 2 = 1.5; between (10, 3) and (40, 0): 3 - 20/30 * 3 = 1
    expect(interpolateOnGrid(series, [2.5, 30])).toEqual([1.5, 1]);
  });

  it('does not extrapolate: null before the first and after the last x', () => {
    expect(interpolateOnGrid(series, [-5, 0, 40, 40.001, 100])).toEqual([null, 1, 0, null, null]);
  });

  it('contributes nothing next to a non-finite value, but keeps exact finite points', () => {
    const withNaN = { x: [0, 1, 2, 3], y: [0, Number.NaN, 2, 3] };
    expect(interpolateOnGrid(withNaN, [0, 0.5, 1, 1.5, 2, 2.5])).toEqual([0, null, null, null, 2, 2.5]);
  });

  it('lets the later point win where a step is logged twice', () => {
    const repeated = { x: [0, 1, 1, 2], y: [0, 5, 7, 9] };
    expect(interpolateOnGrid(repeated, [0.5, 1, 1.5])).toEqual([2.5, 7, 8]);
  });

  it('returns all null for an empty series', () => {
    expect(interpolateOnGrid({ x: [], y: [] }, [0, 1])).toEqual([null, null]);
  });

  it('rejects malformed input', () => {
    expect(() => interpolateOnGrid({ x: [0, 1], y: [0] }, [0])).toThrow(/length/);
    expect(() => interpolateOnGrid({ x: [1, 0], y: [0, 0] }, [0])).toThrow(/ascending/);
    expect(() => interpolateOnGrid({ x: [0, 1], y: [0, 0] }, [1, 0])).toThrow(/grid must be ascending/);
  });
});

describe('alignOnGrid', () => {
  it('aligns seeds logged at different steps onto one grid', () => {
    const grid = evenGrid(0, 4, 5);
    const aligned = alignOnGrid([{ x: [0, 2, 4], y: [0, 2, 4] }, { x: [1, 3], y: [10, 30] }], grid);
    expect(aligned).toEqual([
      [0, 1, 2, 3, 4],
      [null, 10, 20, 30, null],
    ]);
  });
});

describe('describeAlignment', () => {
  it('states the rule with the grid size', () => {
    expect(describeAlignment(500)).toBe('linear interpolation on a shared grid of 500 points; no extrapolation');
    expect(describeAlignment(1)).toBe('linear interpolation on a shared grid of 1 point; no extrapolation');
  });
});
