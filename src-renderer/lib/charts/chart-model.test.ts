// Chart data shaping: union-x alignment (undefined = joined, null = real gap), log-scale and
// non-finite cleaning, and the rebuild key that separates "new values" from "new series".
import { describe, expect, it } from 'vitest';
import { alignOnUnionX, drawableModel, finiteOrGap, forLogScale, modelShapeKey, type ChartModel } from './chart-model.js';

describe('alignOnUnionX', () => {
  it('puts families on the sorted union of their x, undefined where a family has no point', () => {
    const aligned = alignOnUnionX([
      { x: [0, 2, 4], columns: [[1, 2, 3]] },
      { x: [1, 2, 5], columns: [[10, 20, 30], [7, 8, 9]] },
    ]);
    expect(aligned.x).toEqual([0, 1, 2, 4, 5]);
    expect(aligned.columns[0]).toEqual([[1, undefined, 2, 3, undefined]]);
    expect(aligned.columns[1]).toEqual([
      [undefined, 10, 20, undefined, 30],
      [undefined, 7, 8, undefined, 9],
    ]);
  });

  it('keeps a family’s own nulls as gaps', () => {
    const aligned = alignOnUnionX([{ x: [0, 1, 2], columns: [[1, null, 3]] }]);
    expect(aligned.columns[0]![0]).toEqual([1, null, 3]);
  });

  it('returns an empty x for no families or empty ones', () => {
    expect(alignOnUnionX([]).x).toEqual([]);
    expect(alignOnUnionX([{ x: [], columns: [[]] }])).toEqual({ x: [], columns: [[[]]] });
  });
});

describe('y-scale cleaning', () => {
  it('turns non-positive and non-finite values into gaps on a log scale', () => {
    expect(forLogScale([1, 0, -2, Number.NaN, undefined, null, 5])).toEqual([1, null, null, null, undefined, null, 5]);
  });

  it('turns non-finite values into gaps on a linear scale', () => {
    expect(finiteOrGap([1, Number.POSITIVE_INFINITY, -3, undefined])).toEqual([1, null, -3, undefined]);
  });

  it('cleans bands and lines alike', () => {
    const model: ChartModel = { x: [0, 1], bands: [{ label: 'b', colour: '#000', lower: [0, 1], upper: [2, 3] }], lines: [{ label: 'l', colour: '#000', values: [-1, 2] }] };
    const log = drawableModel(model, true);
    expect(log.bands[0]!.lower).toEqual([null, 1]);
    expect(log.lines[0]!.values).toEqual([null, 2]);
  });
});

describe('modelShapeKey', () => {
  const base: ChartModel = { x: [0, 1], bands: [], lines: [{ label: 'a', colour: '#111', values: [1, 2] }] };

  it('ignores values and x (new data goes through setData)', () => {
    expect(modelShapeKey({ ...base, x: [0, 1, 2], lines: [{ ...base.lines[0]!, values: [3, 4, 5] }] })).toBe(modelShapeKey(base));
  });

  it('changes with the series set or their style', () => {
    expect(modelShapeKey({ ...base, lines: [{ ...base.lines[0]!, dash: [4, 2] }] })).not.toBe(modelShapeKey(base));
    expect(modelShapeKey({ ...base, lines: [...base.lines, { label: 'b', colour: '#222', values: [1, 1] }] })).not.toBe(modelShapeKey(base));
  });
});
