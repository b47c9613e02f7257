// Compare chart models: one band + mean line per group, the band stopping where fewer than two
// seeds contribute, faint per-seed lines on request, overlays, and stepped survival curves.
import { describe, expect, it } from 'vitest';
import type { CompareGroup } from '../../../src-shared/contract.js';
import { groupCurvesModel, maskWhereFewSeeds, survivalModel } from './group-curves.js';

function group(overrides: Partial<CompareGroup> = {}): CompareGroup {
  return {
    groupKey: 'g1',
    label: 'hmpo',
    preset: 'hmpo',
    qkClip: false,
    runIds: ['a', 'b'],
    x: [0, 1, 2, 3],
    mean: [0.1, 0.2, 0.3, 0.4],
    lower: [0.05, 0.15, 0.25, 0.35],
    upper: [0.15, 0.25, 0.35, 0.45],
    n: [2, 2, 2, 1],
    seeds: [
      { runId: 'a', y: [0.1, 0.2, 0.3, 0.4] },
      { runId: 'b', y: [0.1, 0.2, 0.3, null] },
    ],
    ...overrides,
  };
}

const style = () => ({ colour: '#D55E00', dash: [] });

describe('maskWhereFewSeeds', () => {
  it('puts a gap wherever n < 2', () => {
    expect(maskWhereFewSeeds([1, 2, 3, 4], [0, 1, 2, 5])).toEqual([null, null, 3, 4]);
  });
});

describe('groupCurvesModel', () => {
  it('draws one band and one mean line per group; the band has gaps where n < 2', () => {
    const model = groupCurvesModel([{ groups: [group()] }], style);
    expect(model.bands).toHaveLength(1);
    expect(model.bands[0]!.lower).toEqual([0.05, 0.15, 0.25, null]);
    expect(model.bands[0]!.upper).toEqual([0.15, 0.25, 0.35, null]);
    expect(model.lines).toHaveLength(1);
    expect(model.lines[0]!.values).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(model.lines[0]!.colour).toBe('#D55E00');
    expect(model.lines[0]!.spanGaps).toBeFalsy();
  });

  it('keeps nulls from main as gaps (a seed band never bridges missing aggregates)', () => {
    const model = groupCurvesModel([{ groups: [group({ mean: [0.1, null, 0.3, 0.4], lower: [null, null, 0.25, 0.35], n: [1, 0, 2, 2] })] }], style);
    expect(model.lines[0]!.values).toEqual([0.1, null, 0.3, 0.4]);
    expect(model.bands[0]!.lower).toEqual([null, null, 0.25, 0.35]);
  });

  it('adds faint per-seed lines, hidden from the legend and drawn below the means', () => {
    const model = groupCurvesModel([{ groups: [group()], seeds: true }], style, (id) => `seed ${id}`);
    expect(model.lines).toHaveLength(3);
    const [seedA, seedB, mean] = model.lines;
    expect(seedA!.hideInLegend).toBe(true);
    expect(seedA!.opacity).toBeLessThan(0.5);
    expect(seedA!.label).toBe('hmpo · seed a');
    expect(seedB!.values).toEqual([0.1, 0.2, 0.3, null]);
    expect(mean!.hideInLegend).toBeFalsy();
  });

  it('aligns groups with different grids on the union x, joining across the other group’s points', () => {
    const other = group({ groupKey: 'g2', label: 'gspo', preset: 'gspo', x: [0.5, 1.5], mean: [1, 2], lower: [1, 2], upper: [1, 2], n: [3, 3], seeds: [] });
    const model = groupCurvesModel([{ groups: [group(), other] }], style);
    expect(model.x).toEqual([0, 0.5, 1, 1.5, 2, 3]);
    expect(model.lines[1]!.values).toEqual([undefined, 1, undefined, 2, undefined, undefined]);
  });

  it('draws overlay layers with their own suffix and dash and no band', () => {
    const model = groupCurvesModel([{ groups: [group()] }, { groups: [group()], suffix: ' ½·Var', band: false, dash: [1, 3] }], style);
    expect(model.bands).toHaveLength(1);
    expect(model.lines.map((l) => l.label)).toEqual(['hmpo', 'hmpo ½·Var']);
    expect(model.lines[1]!.dash).toEqual([1, 3]);
  });
});

describe('survivalModel', () => {
  it('draws each group’s fraction unsolved as a step function in its style', () => {
    const model = survivalModel(
      [
        { groupKey: 'g1', label: 'hmpo', steps: [0, 40, 90], fractionUnsolved: [1, 0.5, 0] },
        { groupKey: 'g2', label: 'gspo', steps: [0, 60], fractionUnsolved: [1, 0.75] },
      ],
      (key) => ({ colour: key === 'g1' ? '#D55E00' : '#0072B2', dash: [] }),
    );
    expect(model.x).toEqual([0, 40, 60, 90]);
    expect(model.lines[0]!.values).toEqual([1, 0.5, undefined, 0]);
    expect(model.lines.every((l) => l.stepped)).toBe(true);
    expect(model.lines[1]!.colour).toBe('#0072B2');
  });
});
