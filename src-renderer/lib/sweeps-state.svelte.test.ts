/**
 * SweepsState: loads sweeps:list, reloads when a run of an unknown sweep appears (launched here or
 * from the CLI), and renames a sweep (main's label replaces the old one; a refusal is kept to show).
 */
import { describe, expect, it } from 'vitest';
import { err } from '../../src-shared/result.js';
import { SweepsState } from './sweeps-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SweepsState', () => {
  it('loads the sweeps and reloads when a run of a sweep it does not know appears', async () => {
    const api = new FakeApi();
    const state = new SweepsState(api);
    state.connect();
    await state.load();
    expect(state.sweeps).toEqual([]);
    await api.invoke('sweeps:start', { base: {}, axes: [{ path: 'objective.preset', values: ['gspo', 'hmpo'] }], seeds: [0] });
    await flush();
    expect(state.sweeps.map((s) => s.label)).toEqual(['sweep 1']);
    const calls = api.callsTo('sweeps:list').length;
    api.emit('onDidChangeRun', makeRun({ id: state.sweeps[0]!.runIds[0]!, sweepId: '1' }));
    await flush();
    expect(api.callsTo('sweeps:list')).toHaveLength(calls); // a known run of a known sweep: no reload
    expect(state.byRunId.get(state.sweeps[0]!.runIds[1]!)?.id).toBe('1');
    expect(state.labelOf('1')).toBe('sweep 1');
    expect(state.labelOf('42')).toBe('sweep 42');
  });

  it('renames a sweep, and keeps main\'s refusal to show', async () => {
    const api = new FakeApi();
    const state = new SweepsState(api);
    await api.invoke('sweeps:start', { base: {}, axes: [{ path: 'seed', values: [1] }], seeds: [0] });
    await state.load();
    expect(await state.rename('1', ' lr grid ')).toBe(true);
    expect(state.labelOf('1')).toBe('sweep 1 · lr grid');
    api.handle('sweeps:rename', async () => err('SWEEP_NOT_FOUND', 'no sweep with id 1; it may have been deleted'));
    expect(await state.rename('1', 'x')).toBe(false);
    expect(state.renameError?.message).toMatch(/no sweep with id 1/);
    expect(state.labelOf('1')).toBe('sweep 1 · lr grid');
  });
});
