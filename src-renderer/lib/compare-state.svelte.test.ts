// CompareState against an in-memory Api: the requests its controls build (one per change, the
// panels riding along), debouncing, skipping unchanged requests, controls kept in a shared home
// (Back/Forward change them from outside), panels and histograms, target parsing, and group colours/dashes.
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CompareGroup, CompareRequest, CompareResult, RunSummary } from '../../src-shared/contract.js';
import { err, ok, type Result } from '../../src-shared/result.js';
import { MUONCLIP_DASH, SOLID, presetColour } from './palette.js';
import { CompareState, PANEL_KEYS } from './compare-state.svelte.js';
import { parseTarget } from './compare-settings.js';
import { NavigationState } from './navigation-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';

function run(id: string, preset: RunSummary['preset'], qkClip: boolean): RunSummary {
  return makeRun({ id, name: `${preset} ${id}`, preset, groupKey: `${preset}-${qkClip}`, optimizer: qkClip ? 'muon' : 'adamw', qkClip, stepsDone: 100, totalSteps: 100 });
}

const RUNS = [run('h1', 'hmpo', false), run('h2', 'hmpo', false), run('m1', 'hmpo', true), run('m2', 'hmpo', true), run('g1', 'gspo', false), run('g2', 'gspo', false)];

function groupOf(groupKey: string, preset: RunSummary['preset'], runIds: string[], key: string): CompareGroup {
  const base = key === 'ratio/a0' ? 1.02 : key === 'ratio/g0' ? 1.0 : key === 'ratio/h0' ? 0.98 : 0.5;
  return {
    groupKey, label: groupKey, preset, qkClip: groupKey.endsWith('true'), runIds, x: [0, 50, 100], mean: [base, base, base], lower: [base - 0.1, base - 0.1, null],
    upper: [base + 0.1, base + 0.1, null], n: [2, 2, 1], seeds: runIds.map((runId) => ({ runId, y: [base, base, base] })),
  };
}

function compareAnswer(request: CompareRequest): CompareResult {
  const groups = [groupOf('hmpo-false', 'hmpo', ['h1', 'h2'], request.key), groupOf('hmpo-true', 'hmpo', ['m1', 'm2'], request.key), groupOf('gspo-false', 'gspo', ['g1', 'g2'], request.key)];
  return {
    groups,
    summary: [],
    survival: groups.map((g) => ({ groupKey: g.groupKey, label: g.label, steps: [0, 50], fractionUnsolved: [1, 0.5] })),
    legend: 'linear interpolation on a shared grid of 400 points; no extrapolation',
    configDiff: [{ path: 'optimizer.name', values: ['adamw', 'muon'] }],
    configDiffRunIds: ['1', '2'],
    ...(request.keys ? { series: request.keys.map((key) => ({ key, groups: compareAnswer({ ...request, key, keys: undefined }).groups, legend: `${key} legend` })) } : {}),
  };
}

function fakeMain(): FakeApi {
  return new FakeApi()
    .handle('runs:list', () => ok(RUNS))
    .handle('metrics:compare', (request) => ok(compareAnswer(request)))
    .handle('metrics:histograms', ({ runId }) => ok({ runId, steps: [0, 1], counts: [[0, 1, 0], [1, 1, 0]] }));
}

const PANEL_KEY_LIST: string[] = Object.values(PANEL_KEYS);
/** Every comparison request (issue 11: one per control change). */
const compareCalls = (api: FakeApi) => api.callsTo('metrics:compare');
/** The requests for the chosen metric (with or without the panels riding along). */
const mainCalls = (api: FakeApi) => compareCalls(api).filter((r) => !PANEL_KEY_LIST.includes(r.key));
/** The requests that asked all five panel metrics (`keys`; there used to be five requests). */
const panelCalls = (api: FakeApi) => compareCalls(api).filter((r) => r.keys !== undefined);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CompareState requests', () => {
  it('starts with reward mean over steps, no smoothing, 95% CI and the task optimum as target', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'h2', 'g1'], { gridPoints: 400 });
    await state.start();
    expect(mainCalls(api)).toEqual([{ runIds: ['h1', 'h2', 'g1'], key: 'charts/reward_mean', x: 'step', gridPoints: 400, smoothing: 0, band: 'ci95', target: null }]);
    expect(state.result?.groups).toHaveLength(3);
  });

  it('opens with the main metric, then the AM-GM gap, half-variance and power-mean spectrum panels in one more request, and reads runs:list only without known runs', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'g1'], { runs: RUNS });
    await state.start();
    expect(api.calls.map((c) => c.channel).filter((c) => c !== 'metrics:histograms')).toEqual(['metrics:compare', 'metrics:compare']);
    const [panels] = panelCalls(api);
    expect([panels!.key, ...panels!.keys!].sort()).toEqual([...PANEL_KEY_LIST].sort());
    expect(panels).toMatchObject({ x: 'step', smoothing: 0, target: null, withSummary: false, withSeeds: false });
    expect(state.panels.halfVarLogRatio?.legend).toBe('ratio/half_var_log_ratio legend');
    expect(state.gapModel.lines.map((l) => l.label)).toContain('hmpo-false ½·Var(log r)');
    expect(state.spectrumFacets).toHaveLength(3);
    expect(state.spectrumFacets[0]!.model.lines.map((l) => l.label)).toEqual(['hmpo-false A₀ (p = 1)', 'hmpo-false G₀ (p = 0)', 'hmpo-false H₀ (p = −1)']);
  });

  it('debounces control changes into one request with the latest values', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'g1'], { debounceMs: 250 });
    await state.start();
    state.smoothing = 0.5;
    await vi.advanceTimersByTimeAsync(100);
    state.smoothing = 0.9;
    state.band = 'minmax';
    state.xAxis = 'samples';
    state.metricKey = 'losses/kl';
    state.targetText = '0.8';
    await vi.advanceTimersByTimeAsync(249);
    expect(mainCalls(api)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mainCalls(api)).toHaveLength(2);
    expect(mainCalls(api)[1]).toMatchObject({ key: 'losses/kl', x: 'samples', smoothing: 0.9, band: 'minmax', target: 0.8 });
  });

  it('does not ask again for what has not changed: a new target re-queries only the main metric', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'g1'], { debounceMs: 10 });
    await state.start();
    const panelsBefore = panelCalls(api).length;
    state.targetText = '0.9';
    await vi.advanceTimersByTimeAsync(10);
    expect(mainCalls(api)).toHaveLength(2);
    expect(panelCalls(api)).toHaveLength(panelsBefore);
    state.showSeeds = true;
    state.logY = true;
    await state.query();
    expect(mainCalls(api)).toHaveLength(2);
  });

  it('clamps the smoothing weight to [0, 0.99] and shows it in the legend', async () => {
    const state = new CompareState(fakeMain(), ['h1']);
    state.smoothing = 1.5;
    expect(state.smoothing).toBe(0.99);
    state.smoothing = -1;
    expect(state.smoothing).toBe(0);
    state.smoothing = 0.9;
    expect(state.legend).toContain('EMA smoothing 0.9 (debiased)');
    await state.query();
    expect(state.legend).toContain('linear interpolation on a shared grid');
  });

  it('refuses a target that is not a number and asks main nothing', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1'], { debounceMs: 10 });
    state.targetText = 'high';
    expect(state.targetError).toMatch(/not a number/);
    await vi.advanceTimersByTimeAsync(50);
    expect(api.callsTo('metrics:compare')).toHaveLength(0);
    expect(parseTarget('  ')).toEqual({ target: null, error: null });
    expect(parseTarget('-1.5').target).toBe(-1.5);
  });

  it('follows the chart width with the grid size', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1'], { debounceMs: 10, gridPoints: 400 });
    state.setWidth(1210);
    expect(state.gridPoints).toBe(600);
    await vi.advanceTimersByTimeAsync(10);
    expect(mainCalls(api)[0]!.gridPoints).toBe(600);
  });

  it('ignores answers to superseded requests', async () => {
    const resolvers: ((r: Result<CompareResult>) => void)[] = [];
    const api = fakeMain().handle('metrics:compare', () => new Promise((resolve) => resolvers.push(resolve)));
    const state = new CompareState(api, ['h1']);
    const first = state.query();
    state.metricKey = 'losses/kl';
    const second = state.query();
    const calls = api.callsTo('metrics:compare');
    // Answer the second query first, then the stale one.
    expect(calls).toHaveLength(4);
    calls.forEach((request, i) => i >= 2 && resolvers[i]!(ok(compareAnswer(request))));
    await second;
    calls.forEach((request, i) => i < 2 && resolvers[i]!(ok({ ...compareAnswer(request), legend: 'stale' })));
    await first;
    expect(state.result?.legend).not.toBe('stale');
  });

  it('sends exactly one request per control change: the panels ride along when their inputs change, drawing-only controls send none', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'g1'], { debounceMs: 10, gridPoints: 400 });
    await state.start();
    const changes: [string, () => void, boolean][] = [
      ['smoothing', () => (state.smoothing = 0.4), true],
      ['band', () => (state.band = 'std'), true],
      ['x axis', () => (state.xAxis = 'samples'), true],
      ['width', () => state.setWidth(900), true],
      ['target', () => (state.targetText = '0.3'), false],
      ['metric', () => (state.metricKey = 'losses/entropy'), false],
    ];
    for (const [what, change, panels] of changes) {
      const before = compareCalls(api).length;
      change();
      await vi.advanceTimersByTimeAsync(50);
      expect(compareCalls(api).length - before, what).toBe(1);
      expect(compareCalls(api).at(-1)!.keys, `${what}: panels along`).toEqual(panels ? PANEL_KEY_LIST : undefined);
    }
    expect(state.panels.a0?.legend).toBe('ratio/a0 legend'); // from the combined answer's series
    const before = compareCalls(api).length;
    state.showSeeds = true;
    state.logY = true;
    await vi.advanceTimersByTimeAsync(50);
    expect(compareCalls(api)).toHaveLength(before);
    expect(state.settings).toMatchObject({ smoothing: 0.4, band: 'std', x: 'samples', target: '0.3', metric: 'losses/entropy', showSeeds: true, logY: true });
  });

  it('keeps its controls in the home it is given, and re-queries once when they change from outside (Back/Forward)', async () => {
    const api = fakeMain();
    const home = new NavigationState();
    const state = new CompareState(api, ['h1', 'g1'], { debounceMs: 10, home });
    const stop = state.follow();
    await state.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(compareCalls(api)).toHaveLength(2); // following does not repeat the opening requests
    state.band = 'minmax';
    expect(home.compareSettings.band).toBe('minmax');
    await vi.advanceTimersByTimeAsync(50);
    expect(compareCalls(api)).toHaveLength(3);
    home.compareSettings = { ...home.compareSettings, band: 'ci95' }; // Back
    flushSync();
    expect(state.band).toBe('ci95');
    await vi.advanceTimersByTimeAsync(50);
    expect(compareCalls(api)).toHaveLength(4);
    expect(compareCalls(api).at(-1)).toMatchObject({ band: 'ci95', keys: PANEL_KEY_LIST });
    expect(state.legend).toContain('95% CI band');
    stop();
  });

  it('does not ask again for a request on its way, and drops it when the controls go back to what is shown', async () => {
    const resolvers: ((r: Result<CompareResult>) => void)[] = [];
    const api = fakeMain().handle('metrics:compare', () => new Promise((resolve) => resolvers.push(resolve)));
    const state = new CompareState(api, ['h1'], { debounceMs: 10 });
    const opening = state.query();
    await state.query();
    expect(compareCalls(api)).toHaveLength(2); // the main metric, and the panels apart
    compareCalls(api).forEach((request, i) => resolvers[i]!(ok(compareAnswer(request))));
    await opening;
    state.targetText = '0.5';
    await vi.advanceTimersByTimeAsync(50);
    expect(compareCalls(api)).toHaveLength(3);
    state.targetText = '';
    await vi.advanceTimersByTimeAsync(50);
    expect(compareCalls(api)).toHaveLength(3); // the target of what is on screen: nothing to ask
    resolvers[2]!(ok({ ...compareAnswer(compareCalls(api)[2]!), legend: 'stale' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(state.result?.legend).not.toBe('stale');
    expect(state.loading).toBe(false);
  });

  it('shows main’s error', async () => {
    const api = fakeMain().handle('metrics:compare', () => err('BAD_REQUEST', 'runIds must not be empty; select runs to compare'));
    const state = new CompareState(api, ['h1']);
    await state.query();
    expect(state.error).toBe('runIds must not be empty; select runs to compare');
  });
});

describe('CompareState drawing', () => {
  it('colours groups by mean type and dashes the MuonClip-on group', async () => {
    const state = new CompareState(fakeMain(), ['h1', 'h2', 'm1', 'm2', 'g1', 'g2']);
    await state.start();
    expect(state.styleOf({ groupKey: 'hmpo-false' })).toEqual({ colour: presetColour('hmpo'), dash: SOLID });
    expect(state.styleOf({ groupKey: 'hmpo-true' })).toEqual({ colour: presetColour('hmpo'), dash: MUONCLIP_DASH });
    expect(state.styleOf({ groupKey: 'gspo-false' }).colour).toBe(presetColour('gspo'));
    const hmpoLine = state.mainModel.lines.find((l) => l.label === 'hmpo-true')!;
    expect(hmpoLine.dash).toEqual(MUONCLIP_DASH);
    expect(hmpoLine.colour).toBe(presetColour('hmpo'));
  });

  it('draws a band that stops where n < 2, and faint seeds only on request', async () => {
    const state = new CompareState(fakeMain(), ['h1', 'h2']);
    await state.start();
    expect(state.mainModel.bands[0]!.upper).toEqual([0.6, 0.6, null]);
    expect(state.mainModel.lines.filter((l) => l.hideInLegend)).toHaveLength(0);
    state.showSeeds = true;
    expect(state.mainModel.lines.filter((l) => l.hideInLegend)).toHaveLength(6);
    expect(state.mainModel.lines.find((l) => l.hideInLegend)!.label).toBe('hmpo-false · hmpo h1');
  });

  it('draws the survival curves in the groups’ styles', async () => {
    const state = new CompareState(fakeMain(), ['h1', 'm1']);
    await state.start();
    expect(state.survival.lines.map((l) => l.dash)).toEqual([SOLID, MUONCLIP_DASH, SOLID]);
  });

  it('loads histograms for one run per mean type, and for another run when chosen', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'h2', 'm1', 'm2', 'g1', 'g2']);
    await state.start();
    expect(state.histogramFacets.map((f) => [f.preset, f.runId])).toEqual([['hmpo', 'h1'], ['gspo', 'g1']]);
    expect(api.callsTo('metrics:histograms').map((r) => r.runId)).toEqual(['h1', 'g1']);
    expect(state.histogramFacets[0]!.series?.steps).toEqual([0, 1]);
    state.chooseHistogramRun('hmpo', 'm2');
    await vi.advanceTimersByTimeAsync(0);
    expect(state.histogramFacets[0]!.runId).toBe('m2');
    expect(api.callsTo('metrics:histograms').map((r) => r.runId)).toEqual(['h1', 'g1', 'm2']);
  });
});

describe('CompareState while runs train', () => {
  it('re-queries everything after a compared run changes, ignoring other runs', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'g1'], { liveRefreshMs: 1000 });
    state.connect();
    await state.start();
    api.emit('onDidChangeRun', { ...RUNS[2]!, stepsDone: 10 }); // m1: not compared
    await vi.advanceTimersByTimeAsync(1000);
    expect(mainCalls(api)).toHaveLength(1);
    api.emit('onDidChangeRun', { ...RUNS[0]!, status: 'running', stepsDone: 50 });
    await vi.advanceTimersByTimeAsync(500);
    api.emit('onDidChangeRun', { ...RUNS[0]!, status: 'running', stepsDone: 60 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(mainCalls(api)).toHaveLength(2);
    expect(panelCalls(api)).toHaveLength(2);
    expect(api.callsTo('metrics:histograms').filter((r) => r.runId === 'h1')).toHaveLength(2);
    expect(state.runs.find((run) => run.id === 'h1')!.stepsDone).toBe(60);
  });

  it('keeps re-querying while compared runs stream steps without a pause', async () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1', 'g1'], { liveRefreshMs: 1000 });
    state.connect();
    await state.start();
    for (let step = 1; step <= 20; step++) {
      api.emit('onDidChangeRun', { ...RUNS[0]!, status: 'running', stepsDone: step });
      await vi.advanceTimersByTimeAsync(250);
    }
    // 5 s of steps every 250 ms: one refresh per second, not one after the runs go quiet.
    expect(mainCalls(api).length).toBeGreaterThanOrEqual(5);
    expect(mainCalls(api).length).toBeLessThanOrEqual(6);
  });

  it('stops listening on dispose', () => {
    const api = fakeMain();
    const state = new CompareState(api, ['h1']);
    state.connect();
    expect(api.listenerCount('onDidChangeRun')).toBe(1);
    state.dispose();
    expect(api.listenerCount('onDidChangeRun')).toBe(0);
  });
});
