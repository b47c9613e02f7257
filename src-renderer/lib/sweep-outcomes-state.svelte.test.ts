/**
 * SweepOutcomesState: asks metrics:compare for the outcomes of exactly the finished runs, once per
 * set of runs, keeps only the newest answer, and keeps main's refusal to show.
 */
import { describe, expect, it } from 'vitest';
import type { CompareResult, RunOutcomeRow } from '../../src-shared/contract.js';
import { ok, err } from '../../src-shared/result.js';
import { SweepOutcomesState } from './sweep-outcomes-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';

const row = (runId: string): RunOutcomeRow => ({ runId, groupKey: 'g', label: 'g', seed: 0, target: 1, solved: true, offPolicySteps: 3, values: {} as RunOutcomeRow['values'] });
const result = (runIds: readonly string[]): CompareResult => ({ groups: [], summary: [], survival: [], legend: '', configDiff: [], configDiffRunIds: [], outcomes: runIds.map(row), verdicts: [] });

describe('SweepOutcomesState', () => {
  it('takes the finished runs in sweep order', () => {
    const runs = new Map([makeRun({ id: '1', status: 'finished' }), makeRun({ id: '2', status: 'running' }), makeRun({ id: '3', status: 'finished' })].map((r) => [r.id, r]));
    expect(SweepOutcomesState.finishedRunIds(['3', '2', '1', '9'], runs)).toEqual(['3', '1']);
  });

  it('asks once per set of runs, for the outcomes only, and keeps the newest answer', async () => {
    const api = new FakeApi();
    const answers: ((value: ReturnType<typeof ok<CompareResult>>) => void)[] = [];
    api.handle('metrics:compare', (request) => new Promise((resolve) => answers.push(() => resolve(ok(result(request.runIds))))));
    const state = new SweepOutcomesState(api);
    const first = state.load(['1']);
    void state.load(['1']); // the same runs again: no second request
    const second = state.load(['1', '3']);
    expect(api.callsTo('metrics:compare')).toHaveLength(2);
    expect(api.callsTo('metrics:compare')[0]).toMatchObject({ runIds: ['1'], key: 'charts/reward_mean', target: null, gridPoints: 2 });
    expect(state.loading).toBe(true);
    answers[1]!(ok(result([])));
    await second;
    answers[0]!(ok(result([])));
    await first; // the older answer arrives last and is dropped
    expect(state.outcomes.map((o) => o.runId)).toEqual(['1', '3']);
    expect(state.loading).toBe(false);
  });

  it('keeps a refusal, clears for no runs, and asks again after an error', async () => {
    const api = new FakeApi();
    api.handle('metrics:compare', async () => err('NOT_FOUND', 'no run with id 7'));
    const state = new SweepOutcomesState(api);
    await state.load(['7']);
    expect(state.error?.message).toBe('no run with id 7');
    await state.load(['7']);
    expect(api.callsTo('metrics:compare')).toHaveLength(2);
    await state.load([]);
    expect(state.error).toBeNull();
    expect(state.outcomes).toEqual([]);
    expect(api.callsTo('metrics:compare')).toHaveLength(2);
  });
});
