/**
 * Parallel coordinates' pure parts: which cell (axis values) each run of a sweep is, the axes
 * (numeric, log, categorical, outcome axes only where measured), axis positions, polyline points,
 * brushes, colours and the empty-state sentences.
 */
import { describe, expect, it } from 'vitest';
import type { RunOutcomeRow, RunSummary, SweepSummary } from '../../src-shared/contract.js';
import { OUTCOME_KEYS, type OutcomeKey } from '../../src-shared/analysis/outcomes.js';
import {
  axisFraction,
  axisTicks,
  categoricalFraction,
  gradientColour,
  lineColour,
  parcoordsData,
  parcoordsEmptyReason,
  parcoordsLayout,
  pathData,
  polylinePoints,
  runAxisIndices,
  withAxisShown,
  withBrush,
  withinBrushes,
  withoutBrush,
  withoutAxes,
  yFraction,
  type ParcoordsAxis,
} from './parcoords.js';
import { presetColour } from './palette.js';
import { makeRun } from './testing/fake-api.js';

type Axes = SweepSummary['axes'];

function sweepOf(axes: Axes, seeds: number[], runIds: string[]): Pick<SweepSummary, 'axes' | 'seeds' | 'runIds'> {
  return { axes, seeds, runIds };
}

function outcomeRow(runId: string, values: Partial<Record<OutcomeKey, number | null>>): RunOutcomeRow {
  const all = Object.fromEntries(OUTCOME_KEYS.map((key) => [key, values[key] ?? null])) as Record<OutcomeKey, number | null>;
  return { runId, groupKey: 'g', label: 'g', seed: 0, target: 1, solved: false, offPolicySteps: 0, values: all };
}

const byId = (runs: RunSummary[]) => new Map(runs.map((run) => [run.id, run]));

describe('runAxisIndices', () => {
  const axes: Axes = [
    { path: 'objective.preset', values: ['gspo', 'hmpo'] },
    { path: 'optimizer.learningRate', values: [0.001, 0.01, 0.1] },
  ];

  it('maps run i to cell floor(i / seeds), the last axis fastest', () => {
    const ids = Array.from({ length: 12 }, (_, i) => String(i + 1));
    const indices = runAxisIndices(sweepOf(axes, [0, 1], ids), new Map());
    expect(indices.get('1')).toEqual([0, 0]);
    expect(indices.get('2')).toEqual([0, 0]); // second seed of the same cell
    expect(indices.get('3')).toEqual([0, 1]);
    expect(indices.get('7')).toEqual([1, 0]);
    expect(indices.get('12')).toEqual([1, 2]);
  });

  it('matches runs to cells by name once runs were deleted', () => {
    const runs = [makeRun({ id: '5', name: 'preset=hmpo · learningRate=0.01 · seed 1' }), makeRun({ id: '9', name: 'renamed by hand' })];
    const indices = runAxisIndices(sweepOf(axes, [0, 1], ['5', '9']), byId(runs));
    expect(indices.get('5')).toEqual([1, 1]);
    expect(indices.has('9')).toBe(false);
  });
});

describe('parcoordsData', () => {
  const axes: Axes = [
    { path: 'objective', values: [{ preset: 'gspo' }, { preset: 'power', p: -1 }] },
    { path: 'optimizer.learningRate', values: [0.0001, 0.01] },
  ];
  const runs = [
    makeRun({ id: '1', preset: 'gspo', status: 'finished' }),
    makeRun({ id: '2', preset: 'gspo', status: 'finished' }),
    makeRun({ id: '3', preset: 'power', status: 'finished' }),
    makeRun({ id: '4', preset: 'power', status: 'running' }),
  ];
  const outcomes = [
    outcomeRow('1', { finalReward: 0.2, auc: 0.1, collapsed: 0 }),
    outcomeRow('2', { finalReward: 0.4, auc: null, collapsed: 0 }),
    outcomeRow('3', { finalReward: 0.6, auc: 0.3, collapsed: 0 }),
  ];
  const data = parcoordsData(sweepOf(axes, [0], ['1', '2', '3', '4']), byId(runs), outcomes);

  it('has an axis per swept key, then one per outcome some run measured', () => {
    expect(data.axes.map((a) => a.label)).toEqual(['objective', 'optimizer.learningRate', 'final reward', 'AUC', 'collapsed']);
    expect(data.axes[0]).toMatchObject({ kind: 'categorical', categories: ['gspo', 'power p=-1'] });
    expect(data.axes[1]).toMatchObject({ kind: 'numeric', log: true, domain: [0.0001, 0.01], ticks: [0.0001, 0.01] });
    expect(data.axes[2]).toMatchObject({ kind: 'numeric', log: false, domain: [0.2, 0.6], better: 'up' });
    // Every run equal: one tick at the value, drawn mid-axis.
    expect(data.axes[4]).toMatchObject({ ticks: [0], better: 'down' });
    expect(axisFraction(data.axes[4]!, 0)).toBe(0.5);
  });

  it('has one line per run with outcomes, holding category indices, numbers and nulls', () => {
    expect(data.lines.map((l) => l.runId)).toEqual(['1', '2', '3']);
    expect(data.lines[0]!.values).toEqual([0, 0.0001, 0.2, 0.1, 0]);
    expect(data.lines[1]!.values).toEqual([0, 0.01, 0.4, null, 0]);
    expect(data.lines[2]!.values).toEqual([1, 0.0001, 0.6, 0.3, 0]);
  });

  it('drops hidden axes and their values from every line', () => {
    const shown = withoutAxes(data, new Set(['config:optimizer.learningRate', 'outcome:auc']));
    expect(shown.axes.map((a) => a.label)).toEqual(['objective', 'final reward', 'collapsed']);
    expect(shown.lines[1]!.values).toEqual([0, 0.4, 0]);
    expect(withoutAxes(data, new Set())).toBe(data);
  });

  it('names a value by the axis labels when the sweep gave them', () => {
    const labelled = parcoordsData(sweepOf([{ path: '', values: [{ qkClip: { enabled: false } }, { qkClip: { enabled: true } }], labels: ['MuonClip off', 'MuonClip on'] }], [0], ['1', '2']), byId(runs), []);
    expect(labelled.axes[0]).toMatchObject({ label: 'config', categories: ['MuonClip off', 'MuonClip on'] });
  });
});

describe('scales and positions', () => {
  const numeric: ParcoordsAxis = { id: 'n', label: 'n', kind: 'numeric', categories: [], domain: [0, 10], log: false, ticks: [0, 5, 10], better: null };
  const logAxis: ParcoordsAxis = { ...numeric, domain: [0.001, 0.1], log: true, ticks: [0.001, 0.01, 0.1] };
  const categorical: ParcoordsAxis = { ...numeric, kind: 'categorical', categories: ['a', 'b', 'c', 'd'], ticks: [] };

  it('maps numbers linearly or logarithmically, clamped, and null to no position', () => {
    expect(axisFraction(numeric, 2.5)).toBe(0.25);
    expect(axisFraction(numeric, 20)).toBe(1);
    expect(axisFraction(logAxis, 0.01)).toBeCloseTo(0.5, 12);
    expect(axisFraction(numeric, null)).toBeNull();
  });

  it('spaces categories evenly with half a step of room at each end', () => {
    expect([0, 1, 2, 3].map((i) => categoricalFraction(i, 4))).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(categoricalFraction(0, 1)).toBe(0.5);
    expect(axisTicks(categorical).map((t) => [t.label, t.fraction])).toEqual([
      ['a', 0.125],
      ['b', 0.375],
      ['c', 0.625],
      ['d', 0.875],
    ]);
    expect(axisTicks(logAxis).map((t) => t.label)).toEqual(['0.001', '0.01', '0.1']);
  });

  it('puts a line through each axis, top for high values and a row below the axes for missing ones', () => {
    const layout = parcoordsLayout(3);
    expect(layout.axisX).toEqual([70, 180, 290]);
    expect(layout.width).toBe(360);
    const points = polylinePoints({ runId: '1', name: 'r', preset: 'hmpo', values: [10, 1, null] }, [numeric, categorical, numeric], layout);
    expect(points).toEqual([
      [70, layout.top],
      [180, layout.bottom - 0.375 * (layout.bottom - layout.top)],
      [290, layout.missingY],
    ]);
    expect(pathData([[70, 48], [180, 210.5]])).toBe('M70 48 L180 210.5');
    expect(yFraction(layout, layout.top - 50)).toBe(1);
  });
});

describe('brushes and colours', () => {
  const axes: ParcoordsAxis[] = [{ id: 'n', label: 'n', kind: 'numeric', categories: [], domain: [0, 1], log: false, ticks: [], better: null }];
  const line = (v: number | null) => ({ runId: 'x', name: 'x', preset: 'hmpo' as const, values: [v] });

  it('keeps the lines inside every brushed range, and drops unmeasured ones', () => {
    const brushes = new Map([[0, [0.2, 0.5] as const]]);
    expect(withinBrushes(line(0.3), axes, brushes)).toBe(true);
    expect(withinBrushes(line(0.6), axes, brushes)).toBe(false);
    expect(withinBrushes(line(null), axes, brushes)).toBe(false);
    expect(withinBrushes(line(null), axes, new Map())).toBe(true);
  });

  it('colours by mean type or along viridis by an axis value', () => {
    expect(lineColour(line(0.5), axes, 'preset', 'dark')).toBe(presetColour('hmpo', 'dark'));
    expect(lineColour(line(0), axes, 0, 'light')).toBe('#440154');
    expect(lineColour(line(1), axes, 0, 'light')).toBe('#fde725');
    expect(gradientColour(0.5)).toBe('#21918c');
  });
});

describe('parcoordsEmptyReason', () => {
  it('says why there is nothing to draw', () => {
    expect(parcoordsEmptyReason({ finished: 2 }, 2, false)).toBeNull();
    expect(parcoordsEmptyReason({ running: 1, queued: 2 }, 0, false)).toBe('No run has finished yet (1 running · 2 queued); a line appears for each run as it finishes.');
    expect(parcoordsEmptyReason({ failed: 1, stopped: 1 }, 0, false)).toMatch(/^None of the sweep's runs finished \(1 failed · 1 stopped\)/);
    expect(parcoordsEmptyReason({}, 0, false)).toMatch(/no runs left/);
    expect(parcoordsEmptyReason({ finished: 1 }, 0, true)).toMatch(/^Computing/);
  });
});

describe('brush and axis-visibility updates', () => {
  it('returns new collections and leaves the old ones as they were', () => {
    const none = withoutBrush(new Map(), null);
    const one = withBrush(none, 2, 0.8, 0.3);
    expect(one.get(2)).toEqual([0.3, 0.8]);
    expect(none.size).toBe(0);
    expect(withoutBrush(one, 2).size).toBe(0);
    expect(one.size).toBe(1);
    const hidden = withAxisShown(new Set(), 'lr', false);
    expect([...hidden]).toEqual(['lr']);
    expect(withAxisShown(hidden, 'lr', true).size).toBe(0);
  });
});
