/**
 * RunsState and the run-table arithmetic: filters, sorting (empty cells last), grouping by
 * config-minus-seed or a config key with mean ± std (n), added config and metric columns, event application (also while the list is loading),
 * selection, and progress/ETA of live runs. Runs against the in-memory FakeApi; no DOM.
 */
import { describe, expect, it, vi } from 'vitest';
import { err, ok } from '../../src-shared/result.js';
import { RunsState } from './runs-state.svelte.js';
import { NO_METRIC_CELLS } from './run-columns.js';
import { EMPTY_FILTER, formatDuration, formatMeanStd, groupExtraCell, matchesFilter, groupRuns, groupRunsByColumn, meanStd, nextSeeds, optimizerNote, parseTags, changesOrder, runProgress, sortRuns, visibleWindow } from './run-table.js';
import { FakeApi, makeRun } from './testing/fake-api.js';
import { manualFrames } from './testing/manual-frames.js';

async function loadedState(runs: Parameters<typeof makeRun>[0][]) {
  const api = new FakeApi();
  api.runs = runs.map((r) => makeRun(r));
  const state = new RunsState(api);
  await state.load();
  return { api, state };
}

describe('filtering', () => {
  it('matches each text term against name, task, preset and tags', async () => {
    const { state } = await loadedState([
      { id: 'a', name: 'baseline', task: 'copy', preset: 'hmpo', tags: ['paper'] },
      { id: 'b', name: 'other', task: 'sort', preset: 'gspo', tags: [] },
      { id: 'c', name: 'hmpo-long', task: 'add', preset: 'grpo', tags: ['ablation'] },
    ]);
    state.setFilter({ text: 'hmpo' });
    expect(state.visibleRuns.map((r) => r.id).sort()).toEqual(['a', 'c']);
    state.setFilter({ text: 'HMPO paper' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['a']);
    state.setFilter({ text: 'sort' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['b']);
    state.setFilter({ text: 'ablat' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['c']);
    expect(state.filterActive).toBe(true);
    state.clearFilter();
    expect(state.visibleRuns).toHaveLength(3);
  });

  it('filters by task, preset, status and tag together', async () => {
    const { state } = await loadedState([
      { id: 'a', task: 'copy', preset: 'hmpo', status: 'running', tags: ['x'] },
      { id: 'b', task: 'copy', preset: 'hmpo', status: 'failed', reason: 'NaN', tags: ['x'] },
      { id: 'c', task: 'copy', preset: 'gspo', status: 'running', tags: [] },
      { id: 'd', task: 'add', preset: 'hmpo', status: 'running', tags: ['x'] },
    ]);
    state.setFilter({ task: 'copy', preset: 'hmpo' });
    expect(state.visibleRuns.map((r) => r.id).sort()).toEqual(['a', 'b']);
    state.setFilter({ status: 'failed' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['b']);
    state.setFilter({ task: null, preset: null, status: null, tag: 'x' });
    expect(state.visibleRuns.map((r) => r.id).sort()).toEqual(['a', 'b', 'd']);
    expect(state.allTags).toEqual(['x']);
  });
});

describe('sorting', () => {
  it('sorts any column both ways, with empty cells last in either direction', async () => {
    const { state } = await loadedState([
      { id: 'low', lastReward: 0.1 },
      { id: 'none', lastReward: null },
      { id: 'high', lastReward: 0.9 },
    ]);
    state.sortBy('lastReward');
    expect(state.sort).toEqual({ column: 'lastReward', direction: 'desc' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['high', 'low', 'none']);
    state.sortBy('lastReward');
    expect(state.sort.direction).toBe('asc');
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['low', 'high', 'none']);
  });

  it('sorts names naturally, status by liveness, and progress by fraction', () => {
    const runs = [
      makeRun({ id: 'r10', name: 'run 10', status: 'finished', stepsDone: 50, totalSteps: 100 }),
      makeRun({ id: 'r2', name: 'run 2', status: 'running', stepsDone: 10, totalSteps: 100 }),
      makeRun({ id: 'r1', name: 'run 1', status: 'queued', stepsDone: 90, totalSteps: 100 }),
    ];
    expect(sortRuns(runs, { column: 'name', direction: 'asc' }).map((r) => r.id)).toEqual(['r1', 'r2', 'r10']);
    expect(sortRuns(runs, { column: 'status', direction: 'asc' }).map((r) => r.id)).toEqual(['r2', 'r1', 'r10']);
    expect(sortRuns(runs, { column: 'progress', direction: 'desc' }).map((r) => r.id)).toEqual(['r1', 'r10', 'r2']);
  });
});

describe('grouping by config minus seed', () => {
  it('summarises each group as mean ± sample std (n)', async () => {
    const { state } = await loadedState([
      { id: 'h0', groupKey: 'hmpo', preset: 'hmpo', seed: 0, lastReward: 0.6, bestReward: 0.7 },
      { id: 'h1', groupKey: 'hmpo', preset: 'hmpo', seed: 1, lastReward: 0.8, bestReward: 0.9 },
      { id: 'h2', groupKey: 'hmpo', preset: 'hmpo', seed: 2, lastReward: null, bestReward: null, status: 'queued' },
      { id: 'g0', groupKey: 'gspo', preset: 'gspo', seed: 0, lastReward: 0.9, bestReward: 0.95 },
    ]);
    state.grouped = true;
    state.sortBy('lastReward');
    const [first, second] = state.groups;
    expect(first!.key).toBe('gspo');
    expect(second!.key).toBe('hmpo');
    expect(second!.runs.map((r) => r.id).sort()).toEqual(['h0', 'h1', 'h2']);
    expect(second!.lastReward!.mean).toBeCloseTo(0.7, 12);
    // Sample std of {0.6, 0.8}: sqrt(((0.1)^2 + (0.1)^2) / 1) = 0.1414...
    expect(second!.lastReward!.std).toBeCloseTo(Math.SQRT2 / 10, 12);
    expect(second!.lastReward!.n).toBe(2);
    expect(second!.statusCounts).toEqual({ finished: 2, queued: 1 });
    expect(formatMeanStd(second!.lastReward)).toBe('0.700 ± 0.141 (n=2)');
    expect(formatMeanStd(first!.lastReward)).toBe('0.900 (n=1)');
    expect(second!.label).toBe('hmpo · pattern-dense · adamw');
  });

  it('keeps the table order between groups for non-reward columns', () => {
    const runs = sortRuns(
      [makeRun({ id: 'b1', groupKey: 'b', name: 'b 1' }), makeRun({ id: 'a1', groupKey: 'a', name: 'a 1' }), makeRun({ id: 'b0', groupKey: 'b', name: 'a 0' })],
      { column: 'name', direction: 'asc' },
    );
    expect(groupRuns(runs, { column: 'name', direction: 'asc' }).map((g) => [g.key, g.runs.map((r) => r.id)])).toEqual([
      ['b', ['b0', 'b1']],
      ['a', ['a1']],
    ]);
  });

  it('ignores non-finite rewards and names MuonClip groups', () => {
    expect(meanStd([1, Number.NaN, 3])).toEqual({ mean: 2, std: Math.SQRT2, n: 2 });
    expect(meanStd([null])).toBeNull();
    const [group] = groupRuns([makeRun({ optimizer: 'muon', qkClip: true, preset: 'agm', task: 'copy' })], { column: 'name', direction: 'asc' });
    expect(group!.label).toBe('agm · copy · MuonClip');
  });

  it("spells a row's optimizer note and its group's optimizer as the CLI does (src-shared/optimizer-label)", () => {
    expect(optimizerNote(makeRun({ optimizer: 'adamw', qkClip: true }))).toBe('adamw + QK-clip');
    expect(optimizerNote(makeRun({ optimizer: 'muon', qkClip: true }))).toBe('MuonClip');
    expect(optimizerNote(makeRun({ optimizer: 'muon', qkClip: false }))).toBe('muon');
    expect(optimizerNote(makeRun({ optimizer: 'adamw', qkClip: false }))).toBeNull();
    const [group] = groupRuns([makeRun({ optimizer: 'adamw', qkClip: true, preset: 'agm', task: 'copy' })], { column: 'name', direction: 'asc' });
    expect(group!.label).toBe('agm · copy · adamw + QK-clip');
  });

  it('never labels two groups the same: the config values that differ among groups sharing mean type, task and optimizer', () => {
    // runs:list sends each run's non-default config cells; the label names what differs (as Compare does).
    const runs = [
      makeRun({ groupKey: 'abcdef01', preset: 'hmpo', totalSteps: 150, config: { 'objective.preset': 'hmpo', totalSteps: 150 } }),
      makeRun({ groupKey: 'bcdef012', preset: 'hmpo', totalSteps: 300, config: { 'objective.preset': 'hmpo', totalSteps: 300 } }),
      makeRun({ groupKey: 'cdef0123', preset: 'hmpo', totalSteps: 300, config: { 'objective.preset': 'hmpo', totalSteps: 300, 'optimizer.learningRate': 0.001 } }),
      makeRun({ groupKey: 'def01234', preset: 'gspo', totalSteps: 300, config: { 'objective.preset': 'gspo', totalSteps: 300 } }),
    ];
    expect(groupRuns(runs, { column: 'name', direction: 'asc' }).map((g) => g.label)).toEqual([
      // The default learning rate (0.003) is named where another group sets 0.001.
      'hmpo · pattern-dense · adamw · learningRate=0.003 · totalSteps=150',
      'hmpo · pattern-dense · adamw · learningRate=0.003 · totalSteps=300',
      'hmpo · pattern-dense · adamw · learningRate=0.001 · totalSteps=300',
      'gspo · pattern-dense · adamw',
    ]);
  });

  it('numbers groups only when their configs are the same', () => {
    const runs = [
      makeRun({ groupKey: 'abcdef01', preset: 'hmpo', config: { 'objective.preset': 'hmpo' } }),
      makeRun({ groupKey: 'bcdef012', preset: 'hmpo', config: { 'objective.preset': 'hmpo' } }),
    ];
    expect(groupRuns(runs, { column: 'name', direction: 'asc' }).map((g) => g.label)).toEqual(['hmpo · pattern-dense · adamw', 'hmpo · pattern-dense · adamw #2']);
  });
});

async function connectedState(runs: Parameters<typeof makeRun>[0][]) {
  const api = new FakeApi();
  api.runs = runs.map((r) => makeRun(r));
  const frames = manualFrames();
  const state = new RunsState(api, { schedule: frames.schedule });
  await state.load();
  const disconnect = state.connect();
  return { api, state, frames, disconnect };
}

describe('events', () => {
  it('inserts, replaces and removes runs as main reports them', async () => {
    const { api, state, frames, disconnect } = await connectedState([{ id: 'a', status: 'running' }]);
    api.emit('onDidChangeRun', makeRun({ id: 'a', status: 'failed', reason: 'non-finite loss for 20 steps' }));
    api.emit('onDidChangeRun', makeRun({ id: 'b', status: 'queued' }));
    frames.frame();
    expect(state.byId.get('a')!.status).toBe('failed');
    expect(state.byId.get('a')!.reason).toBe('non-finite loss for 20 steps');
    expect(state.runs.map((r) => r.id)).toEqual(['a', 'b']);
    state.setSelected('a', true);
    api.emit('onDidRemoveRuns', { runIds: ['a'] });
    expect(state.runs.map((r) => r.id)).toEqual(['b']);
    expect(state.selectedIds.size).toBe(0);
    disconnect();
    expect(api.listenerCount('onDidChangeRun')).toBe(0);
    expect(api.listenerCount('onDidRemoveRuns')).toBe(0);
  });

  it('applies the events of one frame as one update of the rows, the latest summary of each run winning', async () => {
    const finished: Parameters<typeof makeRun>[0][] = Array.from({ length: 20 }, (_, i) => ({ id: `f${i}`, status: 'finished' }));
    const live: Parameters<typeof makeRun>[0][] = Array.from({ length: 8 }, (_, i) => ({ id: `live${i}`, status: 'running', stepsDone: 0 }));
    const { api, state, frames } = await connectedState([...finished, ...live]);
    const derived = new Set([state.rows]);
    // 8 live runs x 4 summaries each arrive before the next frame; the table reads the rows after each (as a render would).
    for (let step = 1; step <= 4; step++) {
      for (let i = 0; i < 8; i++) {
        api.emit('onDidChangeRun', makeRun({ id: `live${i}`, status: 'running', stepsDone: step * 10 }));
        derived.add(state.rows);
      }
    }
    expect(derived.size).toBe(1); // nothing re-derived before the frame
    expect(frames.scheduled).toBe(1);
    frames.frame();
    derived.add(state.rows);
    expect(derived.size).toBe(2); // one derivation for the 32 events
    expect(state.rows).toHaveLength(28);
    expect(state.runs.filter((r) => r.id.startsWith('live')).map((r) => r.stepsDone)).toEqual(Array(8).fill(40));
    // A new run in a later frame is appended, the earlier ones kept.
    api.emit('onDidChangeRun', makeRun({ id: 'new', status: 'queued' }));
    frames.frame();
    expect(state.runs.map((r) => r.id)).toEqual([...Array.from({ length: 20 }, (_, i) => `f${i}`), ...Array.from({ length: 8 }, (_, i) => `live${i}`), 'new']);
  });

  it('keeps the row object of every run, the changed run\'s row reading its new summary, so only changed rows redraw', async () => {
    const { api, state, frames } = await connectedState([{ id: 'a', status: 'running', stepsDone: 1 }, { id: 'b' }, { id: 'c' }]);
    const before = new Map(state.rows.map((row) => [row.kind === 'run' ? row.run.id : '', row]));
    api.emit('onDidChangeRun', makeRun({ id: 'a', status: 'running', stepsDone: 2 }));
    frames.frame();
    const after = new Map(state.rows.map((row) => [row.kind === 'run' ? row.run.id : '', row]));
    expect(after.get('b')).toBe(before.get('b'));
    expect(after.get('c')).toBe(before.get('c'));
    expect(after.get('a')).toBe(before.get('a'));
    const rowOfA = after.get('a')!;
    expect(rowOfA.kind === 'run' && rowOfA.run.stepsDone).toBe(2);
    state.grouped = true;
    const grouped = state.rows.filter((row) => row.kind === 'run');
    state.toggleGroup(state.groups[0]!.key);
    state.toggleGroup(state.groups[0]!.key);
    expect(state.rows.filter((row) => row.kind === 'run')).toEqual(grouped);
    expect(state.rows.filter((row) => row.kind === 'run')[0]).toBe(grouped[0]);
  });

  it('keeps a changed run in its place when its sort value and filter result did not change, and re-sorts when they did', async () => {
    const { api, state, frames } = await connectedState([
      { id: 'a', name: 'run 1', status: 'running', stepsDone: 10, totalSteps: 100 },
      { id: 'b', name: 'run 2', status: 'running', stepsDone: 20, totalSteps: 100 },
      { id: 'c', name: 'run 10', status: 'finished', stepsDone: 100, totalSteps: 100 },
    ]);
    state.sortBy('name');
    state.setFilter({ status: 'running' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['a', 'b']);
    const moved = makeRun({ id: 'a', name: 'run 1', status: 'running', stepsDone: 90, totalSteps: 100 });
    api.emit('onDidChangeRun', moved);
    frames.frame();
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['a', 'b']);
    expect(state.visibleRuns[0]).toBe(moved);
    // Sorted by progress, the same kind of change moves the run.
    state.sortBy('progress');
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['a', 'b']);
    api.emit('onDidChangeRun', makeRun({ id: 'b', name: 'run 2', status: 'running', stepsDone: 95, totalSteps: 100 }));
    frames.frame();
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['b', 'a']);
    // A run that stops matching the filter goes; one that starts matching comes.
    api.emit('onDidChangeRun', makeRun({ id: 'a', name: 'run 1', status: 'finished', stepsDone: 100, totalSteps: 100 }));
    api.emit('onDidChangeRun', makeRun({ id: 'c', name: 'run 10', status: 'running', stepsDone: 100, totalSteps: 100 }));
    frames.frame();
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['c', 'b']);
  });

  it('changesOrder says a change may move rows only when something that orders or filters them changed', () => {
    const a = makeRun({ id: 'a', name: 'x', stepsDone: 1 });
    const a2 = { ...a, stepsDone: 5 };
    const all = () => true;
    const change = { changed: new Map([['a', { before: a, after: a2 }]]), metricsBefore: NO_METRIC_CELLS, metricsAfter: NO_METRIC_CELLS };
    expect(changesOrder(change, { column: 'name', direction: 'asc' }, all)).toBe(false);
    expect(changesOrder(change, { column: 'progress', direction: 'asc' }, all)).toBe(true);
    expect(changesOrder(change, { column: 'name', direction: 'asc' }, (run) => run.stepsDone < 3)).toBe(true);
    // Metric cells: a refresh that changes the sorted-by cell re-sorts; one that does not keeps the order.
    const cells = (value: number) => new Map([['a', new Map([['charts/reward_mean:last', value]])]]);
    const refresh = (from: number, to: number) => ({ changed: new Map([['a', { before: a, after: a }]]), metricsBefore: cells(from), metricsAfter: cells(to) });
    expect(changesOrder(refresh(0.1, 0.9), { column: 'metric:charts/reward_mean:last', direction: 'asc' }, all)).toBe(true);
    expect(changesOrder(refresh(0.1, 0.9), { column: 'name', direction: 'asc' }, all)).toBe(false);
  });

  it('keeps the order that sorting all runs again gives, while live changes move runs and make them match the filter or not', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T,>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
    const statuses = ['running', 'finished', 'failed'] as const;
    const reward = () => (random() < 0.1 ? null : Math.round(random() * 20) / 20);
    const { api, state, frames } = await connectedState(
      Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, name: `run ${i % 37}`, status: pick(statuses), stepsDone: Math.floor(random() * 100), totalSteps: 100, lastReward: reward(), tags: random() < 0.3 ? ['x'] : [] })),
    );
    const sorts = [{ column: 'progress', direction: 'asc' }, { column: 'lastReward', direction: 'desc' }, { column: 'name', direction: 'asc' }, { column: 'status', direction: 'desc' }] as const;
    const filters = [EMPTY_FILTER, { ...EMPTY_FILTER, status: 'running' as const }, { ...EMPTY_FILTER, tag: 'x' }];
    for (const sort of sorts) {
      for (const filter of filters) {
        state.sort = sort;
        state.filter = filter;
        for (let round = 0; round < 20; round++) {
          const changes = 1 + Math.floor(random() * 4);
          for (let k = 0; k < changes; k++) {
            const run = state.byId.get(`r${Math.floor(random() * 200)}`)!;
            api.emit('onDidChangeRun', { ...run, stepsDone: Math.floor(random() * 100), lastReward: reward(), status: random() < 0.2 ? pick(statuses) : run.status, tags: random() < 0.1 ? (run.tags.length > 0 ? [] : ['x']) : run.tags });
          }
          frames.frame();
          const expected = sortRuns(state.runs.filter((run) => matchesFilter(run, filter)), sort).map((run) => run.id);
          expect(state.visibleRuns.map((run) => run.id)).toEqual(expected);
        }
      }
    }
  });

  it('applies a queued change before a removal, so a removed run does not come back', async () => {
    const { api, state, frames } = await connectedState([{ id: 'a', status: 'running' }, { id: 'b' }]);
    api.emit('onDidChangeRun', makeRun({ id: 'a', status: 'stopped' }));
    api.emit('onDidRemoveRuns', { runIds: ['a'] });
    frames.frame();
    expect(state.runs.map((r) => r.id)).toEqual(['b']);
  });

  it('re-lists config keys when a run with new keys appears, not on each summary', async () => {
    const { api, state, frames } = await connectedState([{ id: 'a', status: 'running', config: { 'objective.preset': 'hmpo' } }]);
    const keys = state.configKeys;
    api.emit('onDidChangeRun', makeRun({ id: 'a', status: 'running', stepsDone: 5, config: { 'objective.preset': 'hmpo' } }));
    frames.frame();
    expect(state.configKeys).toBe(keys);
    api.emit('onDidChangeRun', makeRun({ id: 'b', status: 'queued', config: { 'objective.preset': 'gspo', 'model.dModel': 32 } }));
    frames.frame();
    expect(state.configKeys).not.toBe(keys);
    expect(state.configKeys.filter((k) => k.varies).map((k) => k.key)).toEqual(['model.dModel', 'objective.preset']);
    api.emit('onDidRemoveRuns', { runIds: ['b'] });
    expect(state.configKeys.filter((k) => k.varies)).toEqual([]);
  });

  it('applies queued events without a frame when the window gets none (hidden)', async () => {
    vi.useFakeTimers();
    try {
      const { api, state } = await loadedState([{ id: 'a', status: 'running', stepsDone: 1 }]);
      state.connect();
      api.emit('onDidChangeRun', makeRun({ id: 'a', status: 'running', stepsDone: 9 }));
      expect(state.byId.get('a')!.stepsDone).toBe(1);
      await vi.advanceTimersByTimeAsync(300);
      expect(state.byId.get('a')!.stepsDone).toBe(9);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps events that arrive while runs:list is in flight', async () => {
    const api = new FakeApi();
    let answer!: (runs: ReturnType<typeof makeRun>[]) => void;
    api.handle('runs:list', () => new Promise((resolve) => (answer = (runs) => resolve({ ok: true, value: runs }))));
    const state = new RunsState(api);
    state.connect();
    const loading = state.load();
    expect(state.loading).toBe(true);
    api.emit('onDidChangeRun', makeRun({ id: 'a', status: 'running', stepsDone: 50 }));
    api.emit('onDidRemoveRuns', { runIds: ['gone'] });
    answer([makeRun({ id: 'a', status: 'queued', stepsDone: 0 }), makeRun({ id: 'gone' }), makeRun({ id: 'c' })]);
    await loading;
    expect(state.loading).toBe(false);
    expect(state.runs.map((r) => [r.id, r.status])).toEqual([
      ['a', 'running'],
      ['c', 'finished'],
    ]);
  });

  it('a reload replaces every summary, drops runs that went, and the rows made before it read the reloaded runs', async () => {
    const { api, state } = await connectedState([{ id: 'a', status: 'running', stepsDone: 1 }, { id: 'b' }]);
    const rowOfA = state.rows.find((row) => row.kind === 'run' && row.runId === 'a')!;
    api.runs = [{ ...state.byId.get('a')!, status: 'finished', stepsDone: 100 }];
    await state.load();
    expect(state.runs.map((run) => run.id)).toEqual(['a']);
    expect(state.runCount).toBe(1);
    expect(state.rows).toHaveLength(1);
    expect(state.rows[0]).toBe(rowOfA);
    expect(rowOfA.kind === 'run' && rowOfA.run.stepsDone).toBe(100);
    expect(state.liveCount).toBe(0);
  });

  it('reports a failed load as data', async () => {
    const api = new FakeApi().handle('runs:list', () => ({ ok: false, error: { code: 'DB', message: 'database is locked' } }));
    const state = new RunsState(api);
    await state.load();
    expect(state.loadError).toEqual({ code: 'DB', message: 'database is locked' });
    expect(state.loaded).toBe(false);
  });
});

describe('selection', () => {
  it('selects single runs, all visible runs, and lists them in table order', async () => {
    const { state } = await loadedState([
      { id: 'a', name: 'a', lastReward: 0.1 },
      { id: 'b', name: 'b', lastReward: 0.3 },
      { id: 'c', name: 'c', lastReward: 0.2 },
    ]);
    state.sortBy('lastReward');
    state.toggleSelected('a');
    state.toggleSelected('b');
    expect(state.selectedRunIds).toEqual(['b', 'a']);
    state.toggleAllVisible();
    expect(state.allVisibleSelected).toBe(true);
    state.toggleAllVisible();
    expect(state.selectedIds.size).toBe(0);
    state.setManySelected(['a', 'c'], true);
    state.setFilter({ text: 'c' });
    expect(state.selectedRunIds).toEqual(['c', 'a']);
  });
});

describe('progress and ETA', () => {
  const started = 1_700_000_000_000;

  it('estimates the time left from the average pace of the trainer wall time', () => {
    const run = makeRun({ status: 'running', stepsDone: 50, totalSteps: 200, startedAt: started, wallTime: 100 });
    const progress = runProgress(run, started + 999_000);
    expect(progress.fraction).toBe(0.25);
    // 2 s per step, 150 steps left.
    expect(progress.etaSeconds).toBe(300);
    expect(formatDuration(progress.etaSeconds)).toBe('5m 00s');
  });

  it('falls back to the time since start before the trainer reports wall time', () => {
    const run = makeRun({ status: 'running', stepsDone: 10, totalSteps: 40, startedAt: started, wallTime: null });
    expect(runProgress(run, started + 20_000).etaSeconds).toBe(60);
  });

  it('gives no ETA for runs that are not running or have no steps yet', () => {
    expect(runProgress(makeRun({ status: 'queued', stepsDone: 0, totalSteps: 10 }), started).etaSeconds).toBeNull();
    expect(runProgress(makeRun({ status: 'running', stepsDone: 0, totalSteps: 10, startedAt: started }), started + 5000).etaSeconds).toBeNull();
    expect(runProgress(makeRun({ status: 'finished', stepsDone: 10, totalSteps: 10 }), started)).toEqual({ fraction: 1, etaSeconds: null });
    expect(runProgress(makeRun({ status: 'stopped', stepsDone: 4, totalSteps: 10 }), started)).toEqual({ fraction: 0.4, etaSeconds: null });
  });

  it('follows the state clock', async () => {
    const { state } = await loadedState([{ id: 'a', status: 'running', stepsDone: 10, totalSteps: 20, startedAt: started, wallTime: null }]);
    state.tick(started + 10_000);
    expect(state.progressOf(state.byId.get('a')!).etaSeconds).toBe(10);
    state.tick(started + 30_000);
    expect(state.progressOf(state.byId.get('a')!).etaSeconds).toBe(30);
  });

  it('formats durations for people', () => {
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(12.4)).toBe('12s');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('row action helpers', () => {
  it('picks new seeds after the ones a group already used', () => {
    expect(nextSeeds([0, 1, 2], 2)).toEqual([3, 4]);
    expect(nextSeeds([], 3)).toEqual([0, 1, 2]);
    expect(nextSeeds([7, 2], 1)).toEqual([8]);
  });

  it('parses comma-separated tags', () => {
    expect(parseTags(' paper, ablation,,paper ,')).toEqual(['paper', 'ablation']);
  });
});

describe('virtualized rows', () => {
  it('lists runs, or each group head with its runs unless collapsed', async () => {
    const { state } = await loadedState([
      { id: 'a', groupKey: 'x', name: 'a' },
      { id: 'b', groupKey: 'x', name: 'b' },
      { id: 'c', groupKey: 'y', name: 'c' },
    ]);
    state.sortBy('name');
    expect(state.rows.map((r) => (r.kind === 'run' ? r.run.id : `[${r.group.key}]`))).toEqual(['a', 'b', 'c']);
    state.grouped = true;
    state.toggleGroup('y');
    expect(state.rows.map((r) => (r.kind === 'run' ? `${r.run.id}${r.inGroup ? '>' : ''}` : `[${r.group.key}]`))).toEqual(['[x]', 'a>', 'b>', '[y]']);
  });

  it('draws only the rows in view, with a few either side', () => {
    expect(visibleWindow(10_000, 40, 0, 800, 8)).toEqual({ start: 0, end: 28 });
    expect(visibleWindow(10_000, 40, 40_000, 800, 8)).toEqual({ start: 992, end: 1028 });
    expect(visibleWindow(30, 40, 2_000, 800, 8)).toEqual({ start: 30, end: 30 });
    expect(visibleWindow(0, 40, 0, 800)).toEqual({ start: 0, end: 0 });
  });
});

describe('added columns and grouping by a config key', () => {
  const summaries = (values: [string, number][]) => ({ available: ['charts/reward_mean', 'losses/policy_loss'] as const, values: values.map(([runId, last]) => ({ runId, key: 'charts/reward_mean' as const, last, min: last - 1, max: last + 1 })) });

  it('groups by a config key\'s value, defaults filled in, with a count per head and the value order', () => {
    const runs = [
      makeRun({ id: 'a', config: { 'model.dModel': 32 } }),
      makeRun({ id: 'b' }), // the default, 64
      makeRun({ id: 'c', config: { 'model.dModel': 32 } }),
      makeRun({ id: 'd', config: { 'model.dModel': 128 } }),
    ];
    const groups = groupRunsByColumn(runs, 'config:model.dModel', { column: 'name', direction: 'asc' });
    expect(groups.map((g) => [g.label, g.runs.map((r) => r.id)])).toEqual([
      ['dModel = 32 · 2 runs', ['a', 'c']],
      ['dModel = 64 · 1 run', ['b']],
      ['dModel = 128 · 1 run', ['d']],
    ]);
    expect(groups.every((g) => g.by === 'value')).toBe(true);
    expect(groupRunsByColumn(runs, 'config:model.dModel', { column: 'config:model.dModel', direction: 'desc' }).map((g) => g.runs.length)).toEqual([1, 1, 2]);
    expect(groupExtraCell(groups[0]!, 'config:model.dModel', NO_METRIC_CELLS)).toBe('32');
    expect(groupExtraCell({ ...groups[0]!, runs }, 'config:model.dModel', NO_METRIC_CELLS)).toBe('mixed');
  });

  it('fetches an added metric column\'s summaries, then sorts and filters by it like a built-in column', async () => {
    const { api, state } = await loadedState([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    api.handle('runs:metricSummaries', ({ keys, runIds }) => ok(keys.length === 0 ? summaries([]) : summaries(([['a', 0.2], ['b', 0.9], ['c', 0.5]] as [string, number][]).filter(([id]) => runIds === undefined || runIds.includes(id)))));
    await state.toggleColumn('metric:charts/reward_mean:last');
    expect(api.callsTo('runs:metricSummaries')).toEqual([{ keys: ['charts/reward_mean'] }]);
    state.sortBy('metric:charts/reward_mean:last');
    expect(state.sort.direction).toBe('desc');
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['b', 'c', 'a']);
    state.setFilter({ text: 'charts/reward_mean>0.3' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['b', 'c']);
    state.setFilter({ text: 'charts/reward_mean:min<-0.6' });
    expect(state.visibleRuns.map((r) => r.id)).toEqual(['a']);
    // Dropping the column ends the sort by it.
    await state.toggleColumn('metric:charts/reward_mean:last');
    expect(state.sort.column).toBe('startedAt');
  });

  it('refetches a changed run\'s metric cells, batched, and says when main refuses', async () => {
    vi.useFakeTimers();
    try {
      const { api, state } = await loadedState([{ id: 'a' }, { id: 'b' }]);
      let reward = 0.1;
      api.handle('runs:metricSummaries', ({ runIds }) => ok(summaries((runIds ?? ['a', 'b']).map((id) => [id, reward]))));
      await state.setColumns(['metric:charts/reward_mean:last']);
      reward = 0.7;
      state.applyChange(makeRun({ id: 'a', status: 'running' }));
      state.applyChange(makeRun({ id: 'a', status: 'running' }));
      await vi.runAllTimersAsync();
      expect(api.callsTo('runs:metricSummaries').at(-1)).toEqual({ keys: ['charts/reward_mean'], runIds: ['a'] });
      expect(api.callsTo('runs:metricSummaries')).toHaveLength(2);
      expect(state.metricCells.get('a')!.get('charts/reward_mean:last')).toBe(0.7);
      expect(state.metricCells.get('b')!.get('charts/reward_mean:last')).toBe(0.1);
      api.handle('runs:metricSummaries', () => err('INVALID_REQUEST', 'runs:metricSummaries: keys: bad'));
      await state.loadMetricCells();
      expect(state.metricsError?.message).toBe('runs:metricSummaries: keys: bad');
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops a pending metric refresh on disconnect, and refreshes again once reconnected', async () => {
    vi.useFakeTimers();
    try {
      const { api, state } = await loadedState([{ id: 'a' }]);
      api.handle('runs:metricSummaries', ({ runIds }) => ok(summaries((runIds ?? ['a']).map((id) => [id, 0.5]))));
      await state.setColumns(['metric:charts/reward_mean:last']);
      const disconnect = state.connect();
      state.applyChange(makeRun({ id: 'a', status: 'running' }));
      disconnect();
      await vi.runAllTimersAsync();
      expect(api.callsTo('runs:metricSummaries')).toHaveLength(1);
      state.connect();
      state.applyChange(makeRun({ id: 'a', status: 'running' }));
      await vi.runAllTimersAsync();
      expect(api.callsTo('runs:metricSummaries')).toEqual([{ keys: ['charts/reward_mean'] }, { keys: ['charts/reward_mean'], runIds: ['a'] }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('re-sorts by a metric column when a live refresh changes its cells, and keeps the order when they do not decide it', async () => {
    vi.useFakeTimers();
    try {
      const { api, state } = await loadedState([{ id: 'a', name: 'run 1' }, { id: 'b', name: 'run 2' }]);
      let rewardOfA = 0.1;
      api.handle('runs:metricSummaries', ({ runIds }) => ok(summaries((runIds ?? ['a', 'b']).map((id) => [id, id === 'a' ? rewardOfA : 0.5]))));
      await state.setColumns(['metric:charts/reward_mean:last']);
      state.sortBy('metric:charts/reward_mean:last');
      expect(state.visibleRuns.map((r) => r.id)).toEqual(['b', 'a']);
      rewardOfA = 0.7;
      state.applyChange(makeRun({ id: 'a', name: 'run 1', status: 'running' }));
      expect(state.visibleRuns.map((r) => r.id)).toEqual(['b', 'a']);
      await vi.runAllTimersAsync();
      expect(state.visibleRuns.map((r) => r.id)).toEqual(['a', 'b']);
      state.sortBy('name');
      expect(state.visibleRuns.map((r) => r.id)).toEqual(['a', 'b']);
      rewardOfA = 0.2;
      state.applyChange(makeRun({ id: 'a', name: 'run 1', status: 'running' }));
      await vi.runAllTimersAsync();
      expect(state.visibleRuns.map((r) => r.id)).toEqual(['a', 'b']);
      expect(state.visibleRuns[0]!.status).toBe('running');
      state.sortBy('metric:charts/reward_mean:last');
      expect(state.visibleRuns.map((r) => r.id)).toEqual(['b', 'a']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes columns and a config-key grouping from a URL, and fetches the metric columns once loaded', async () => {
    const api = new FakeApi();
    api.runs = [makeRun({ id: 'a', config: { 'objective.preset': 'hmpo' } }), makeRun({ id: 'b' })];
    api.handle('runs:metricSummaries', () => ok(summaries([['a', 0.3]])));
    const state = new RunsState(api);
    state.restore({ selected: [], grouped: true, groupBy: 'config:objective.preset', columns: ['config:objective.preset', 'metric:charts/reward_mean:max'], sort: { column: 'metric:charts/reward_mean:max', direction: 'asc' }, filter: EMPTY_FILTER });
    expect(state.columns).toEqual(['config:objective.preset', 'metric:charts/reward_mean:max']);
    expect(state.sort.column).toBe('metric:charts/reward_mean:max');
    await state.load();
    expect(state.metricCells.get('a')!.get('charts/reward_mean:max')).toBeCloseTo(1.3, 12);
    expect(state.groups.map((g) => g.label)).toEqual(['preset = grpo · 1 run', 'preset = hmpo · 1 run']);
    state.restore({ selected: [], grouped: true, sort: state.sort, filter: EMPTY_FILTER });
    expect(state.groupBy).toBe('seeds');
  });
});
