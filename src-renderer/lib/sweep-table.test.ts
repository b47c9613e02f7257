/**
 * The Sweeps view's arithmetic: status counts, progress, wall time and state from the runs; axes in
 * words; runs grouped by grid cell (by launch order, or by config when runs were deleted since).
 */
import { describe, expect, it } from 'vitest';
import type { RunSummary, SweepSummary } from '../../src-shared/contract.js';
import { describeAxis, describeGrid, formatCounts, sweepCells, sweepStats } from './sweep-table.js';
import { makeRun } from './testing/fake-api.js';

const axes: SweepSummary['axes'] = [
  { path: 'objective.preset', values: ['gspo', 'hmpo'] },
  { path: '', values: [{ optimizer: { name: 'adamw' } }, { optimizer: { name: 'muon' } }], labels: ['MuonClip off', 'MuonClip on'] },
];
const cellNames = ['preset=gspo · MuonClip off', 'preset=gspo · MuonClip on', 'preset=hmpo · MuonClip off', 'preset=hmpo · MuonClip on'];
const runs: RunSummary[] = cellNames.flatMap((cell, c) =>
  [0, 1].map((seed) => makeRun({ id: `r${c}-${seed}`, name: `${cell} · seed ${seed}`, seed, groupKey: `g${c}`, sweepId: '7', lastReward: c + seed, startedAt: 1000 + c, finishedAt: 5000 + c * 1000 })),
);
const sweep: SweepSummary = { id: '7', name: '', label: 'sweep 7', createdAt: 0, runIds: runs.map((r) => r.id), axes, seeds: [0, 1] };
const byId = (list: readonly RunSummary[]) => new Map(list.map((r) => [r.id, r]));

describe('sweepStats', () => {
  it('counts statuses and steps, and measures wall time from the first start to the last end', () => {
    const stats = sweepStats(sweep, byId(runs), 99_999);
    expect(stats).toMatchObject({ runs: 8, counts: { finished: 8 }, stepsDone: 1600, totalSteps: 1600, startedAt: 1000, state: 'finished' });
    expect(stats.wallSeconds).toBeCloseTo((8000 - 1000) / 1000);
  });

  it('is running while any run is live, with the wall time counting to now', () => {
    const live = runs.map((r, i) => (i === 0 ? { ...r, status: 'running' as const, finishedAt: null } : i === 1 ? { ...r, status: 'queued' as const, startedAt: null, finishedAt: null } : r));
    const stats = sweepStats(sweep, byId(live), 21_000);
    expect(stats.state).toBe('running');
    expect(formatCounts(stats.counts)).toBe('1 running · 1 queued · 6 finished');
    expect(stats.wallSeconds).toBe(20);
  });

  it('says when runs failed, and when nothing has started', () => {
    expect(sweepStats(sweep, byId(runs.map((r, i) => (i === 3 ? { ...r, status: 'crashed' as const } : r))), 0).state).toBe('ended with problems');
    const queued = runs.map((r) => ({ ...r, status: 'queued' as const, startedAt: null, finishedAt: null }));
    expect(sweepStats(sweep, byId(queued), 0)).toMatchObject({ state: 'queued', startedAt: null, wallSeconds: null });
  });
});

describe('axes', () => {
  it('names values by their labels where they have them', () => {
    expect(describeAxis(axes[0]!)).toBe('objective.preset: gspo, hmpo');
    expect(describeAxis(axes[1]!)).toBe('config: MuonClip off, MuonClip on');
    expect(describeGrid(sweep)).toBe('objective.preset (2) × config (2) × seeds (2)');
  });
});

describe('sweepCells', () => {
  it('groups the runs by grid cell in launch order, with the cell labels of the launch', () => {
    const cells = sweepCells(sweep, byId(runs));
    expect(cells.map((c) => c.label)).toEqual(cellNames);
    expect(cells.map((c) => c.runs.map((r) => r.seed))).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
    expect(cells[3]!.lastReward).toMatchObject({ mean: 3.5, n: 2 });
  });

  it('groups by config minus seed when runs were deleted since the launch', () => {
    const fewer = { ...sweep, runIds: sweep.runIds.slice(1) };
    const cells = sweepCells(fewer, byId(runs));
    expect(cells.map((c) => [c.label, c.runs.length])).toEqual([
      ['preset=gspo · MuonClip off', 1],
      ['preset=gspo · MuonClip on', 2],
      ['preset=hmpo · MuonClip off', 2],
      ['preset=hmpo · MuonClip on', 2],
    ]);
  });
});
