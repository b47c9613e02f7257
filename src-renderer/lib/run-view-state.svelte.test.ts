// RunViewState against an in-memory Api: what it asks main for, live steps applied append-only at
// most 10 times a second, steps that arrive during a query kept, re-bucketing by main once the
// live tail grows, follow-tail and status changes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DownsampledSeries, RequestOf, RunDetail, RunSummary } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import { DEFAULT_RUN_CONFIG } from '../../src-shared/run-config.js';
import { err, ok, type Result } from '../../src-shared/result.js';
import { RUN_CHART_KEYS } from './charts/run-charts.js';
import { RunViewState, type LiveStep } from './run-view-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';

const RUN_ID = 'run-1';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return makeRun({
    id: RUN_ID, name: 'hmpo seed 0', status: 'running', preset: 'hmpo', groupKey: 'g', qkClip: true, stepsDone: 20, lastReward: 0.3,
    bestReward: 0.4, createdAt: 0, startedAt: 0, finishedAt: null, wallTime: 10,
    ...overrides,
  });
}

function detail(status: RunSummary['status'] = 'running'): RunDetail {
  return { summary: summary({ status }), config: DEFAULT_RUN_CONFIG, events: [{ at: 1, step: 3, kind: 'qk-clip', message: '2 heads clipped' }] };
}

/** Main's answer: every requested key with three buckets ending at step 20. */
function seriesAnswer(request: RequestOf<'metrics:series'>, lastX = 20): DownsampledSeries[] {
  return request.keys.map((key) => ({ runId: RUN_ID, key, x: [0, 10, lastX], min: [0, 0.1, 0.2], max: [0.2, 0.3, 0.4], last: [0.1, 0.2, 0.3] }));
}

function step(n: number, reward = n / 100): LiveStep {
  return { step: n, samples: n * 64, wallTime: n / 2, metrics: { 'charts/reward_mean': reward, 'losses/policy_loss': -reward } };
}

function fakeMain(): FakeApi {
  return new FakeApi()
    .handle('runs:get', () => ok(detail()))
    .handle('metrics:series', (request) => ok(seriesAnswer(request)))
    .handle('metrics:qk', ({ runId }) => ok({ runId, tau: 100, steps: [0, 10, 20], maxLogitPerLayer: [[5, 50, 120], [4, 40, 90]], clipSteps: [20] }));
}

const reward = (state: RunViewState) => state.series['charts/reward_mean' as MetricKey];

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RunViewState loading', () => {
  it('asks main for the run, every charted metric at the chart width, and the attention logits', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID, { buckets: 640 });
    await state.load();
    expect(api.callsTo('runs:get')).toEqual([{ runId: RUN_ID }]);
    const [seriesRequest] = api.callsTo('metrics:series');
    expect(seriesRequest).toEqual({ runIds: [RUN_ID], keys: [...RUN_CHART_KEYS], x: 'step', buckets: 640 });
    expect(api.callsTo('metrics:qk')).toEqual([{ runId: RUN_ID, buckets: 640 }]);
    expect(state.detail?.summary.name).toBe('hmpo seed 0');
    expect(state.live).toBe(true);
    expect(state.configText).toContain('"totalSteps": 200');
  });

  it('builds chart models from the envelopes and the QK chart with tau and clip markers', async () => {
    const state = new RunViewState(fakeMain(), RUN_ID);
    await state.load();
    const rewardChart = state.charts.find((chart) => chart.spec.id === 'reward')!;
    expect(rewardChart.model.x).toEqual([0, 10, 20]);
    expect(rewardChart.model.bands[0]!.upper).toEqual([0.2, 0.3, 0.4]);
    expect(rewardChart.model.lines[0]!.values).toEqual([0.1, 0.2, 0.3]);
    expect(state.qkModel.lines.map((line) => line.label)).toEqual(['layer 0', 'layer 1']);
    expect(state.qkReferenceLines).toEqual([{ y: 100, label: 'τ = 100' }]);
    expect(state.qkMarkers).toEqual([{ x: 20, label: 'QK clip' }]);
  });

  it('marks the steps of control events on the step axis only', async () => {
    const controlled: RunDetail = { ...detail(), events: [...detail().events, { at: 2, step: 7, kind: 'control', message: 'controller: p -1 -> 0.6' }, { at: 3, step: null, kind: 'status', message: 'queued -> running' }] };
    const state = new RunViewState(fakeMain().handle('runs:get', () => ok(controlled)), RUN_ID);
    await state.load();
    expect(state.controlMarkers).toEqual([{ x: 7, label: 'control' }]);
    expect(state.charts.some((chart) => chart.spec.metrics.some((m) => m.key === 'control/lr_multiplier'))).toBe(true);
    state.xAxis = 'samples';
    expect(state.controlMarkers).toEqual([]);
  });

  it('shows main’s error message', async () => {
    const api = fakeMain().handle('runs:get', () => err('NOT_FOUND', 'Run run-1 does not exist; it may have been deleted'));
    const state = new RunViewState(api, RUN_ID);
    await state.load();
    expect(state.error).toBe('Run run-1 does not exist; it may have been deleted');
  });
});

describe('RunViewState live steps', () => {
  it('appends steps of its run only, coalesced to at most one update per 100 ms', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID);
    state.connect();
    await state.load();
    const loaded = reward(state);
    api.emit('onDidRunStep', { runId: RUN_ID, steps: [step(21)] });
    api.emit('onDidRunStep', { runId: 'another-run', steps: [step(22, 9)] });
    api.emit('onDidRunStep', { runId: RUN_ID, steps: [step(22), step(23)] });
    expect(reward(state)).toBe(loaded); // nothing drawn before the interval ends
    await vi.advanceTimersByTimeAsync(100);
    expect(reward(state)!.x).toEqual([0, 10, 20, 21, 22, 23]);
    expect(reward(state)!.last.slice(3)).toEqual([0.21, 0.22, 0.23]);
    expect(state.series['losses/policy_loss']!.last.slice(3)).toEqual([-0.21, -0.22, -0.23]);
  });

  it('never rewrites drawn points: old or repeated steps are skipped', async () => {
    const state = new RunViewState(fakeMain(), RUN_ID);
    await state.load();
    state.applySteps([step(10, 9), step(20, 9), step(25)]);
    state.applySteps([step(25, 9), step(24, 9)]);
    expect(reward(state)!.x).toEqual([0, 10, 20, 25]);
    expect(reward(state)!.last).toEqual([0.1, 0.2, 0.3, 0.25]);
  });

  it('keeps steps that arrive while the series query is in flight', async () => {
    let answer: (value: Result<DownsampledSeries[]>) => void = () => {};
    const api = fakeMain().handle('metrics:series', () => new Promise((resolve) => (answer = resolve)));
    const state = new RunViewState(api, RUN_ID);
    state.connect();
    const loading = state.load();
    api.emit('onDidRunStep', { runId: RUN_ID, steps: [step(20), step(21)] });
    await vi.advanceTimersByTimeAsync(100);
    answer(ok(seriesAnswer(api.callsTo('metrics:series')[0]!)));
    await loading;
    // Step 20 was already in main's answer; step 21 came after it and is appended.
    expect(reward(state)!.x).toEqual([0, 10, 20, 21]);
  });

  it('asks main to re-bucket once the live tail outgrows the bucket count (it never downsamples itself)', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID, { buckets: 50 });
    await state.load();
    state.applySteps(Array.from({ length: 51 }, (_, i) => step(21 + i)));
    expect(reward(state)!.appended).toBe(51);
    await vi.advanceTimersByTimeAsync(600);
    expect(api.callsTo('metrics:series')).toHaveLength(2);
    expect(reward(state)!.appended).toBe(0);
  });

  it('re-queries when the charts get much wider or narrower, not for small changes', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID, { buckets: 600 });
    await state.load();
    state.setBuckets(650);
    await vi.advanceTimersByTimeAsync(600);
    expect(api.callsTo('metrics:series')).toHaveLength(1);
    state.setBuckets(1200);
    await vi.advanceTimersByTimeAsync(600);
    expect(api.callsTo('metrics:series').map((r) => r.buckets)).toEqual([600, 1200]);
  });

  it('follows the tail by default; zooming turns it off', () => {
    const state = new RunViewState(fakeMain(), RUN_ID);
    expect(state.followTail).toBe(true);
    state.setFollowTail(false);
    expect(state.followTail).toBe(false);
  });

  it('on a status change, refreshes the event log; when the run ends, reloads the final buckets', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID);
    state.connect();
    await state.load();
    api.handle('runs:get', () => ok(detail('finished')));
    api.emit('onDidChangeRun', summary({ status: 'finished' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(state.detail?.summary.status).toBe('finished');
    expect(state.live).toBe(false);
    expect(api.callsTo('runs:get')).toHaveLength(2);
    expect(api.callsTo('metrics:series')).toHaveLength(2);
  });

  it('uses the chosen x axis for live steps and re-queries on change', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID);
    await state.load();
    state.xAxis = 'samples';
    await vi.advanceTimersByTimeAsync(0);
    expect(api.callsTo('metrics:series').at(-1)!.x).toBe('samples');
    state.applySteps([step(21)]);
    expect(reward(state)!.x.at(-1)).toBe(21 * 64);
  });

  it('unsubscribes and stops timers on dispose', async () => {
    const api = fakeMain();
    const state = new RunViewState(api, RUN_ID);
    state.connect();
    expect(api.listenerCount('onDidRunStep')).toBe(1);
    state.dispose();
    expect(api.listenerCount('onDidRunStep')).toBe(0);
    expect(api.listenerCount('onDidChangeRun')).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
