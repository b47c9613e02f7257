/**
 * WorkersState: loads the Workers view's data from main, shows the local case (no Redis), an
 * error as data, and keeps polling until disposed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { err, ok } from '../../src-shared/result.js';
import { FakeApi } from './testing/fake-api.js';
import { WorkersState } from './workers-state.svelte.js';

const worker = { name: 'gpu-1', host: 'box', backend: 'wasm', concurrency: 2, runs: [{ runId: '4', name: 'hmpo seed 0' }], startedAt: 1, heartbeatAt: 2 };

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkersState', () => {
  it('loads the Redis and its workers, then polls every two seconds until disposed', async () => {
    vi.useFakeTimers();
    const api = new FakeApi();
    api.handle('workers:list', async () => ok({ redis: 'redis-host:6379', workers: [worker] }));
    const state = new WorkersState(api);
    state.start();
    await vi.advanceTimersByTimeAsync(0);
    expect([state.loaded, state.redis, state.workers]).toEqual([true, 'redis-host:6379', [worker]]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(api.callsTo('workers:list')).toHaveLength(3);
    state.dispose();
    await vi.advanceTimersByTimeAsync(4000);
    expect(api.callsTo('workers:list')).toHaveLength(3);
  });

  it('saves the Redis setting through main and shows its one-line refusal', async () => {
    const api = new FakeApi();
    api.handle('workers:setRedis', async ({ url }) => (url.includes('wrong') ? err('REDIS', 'Redis at h:6379 refused the password in the URL (WRONGPASS)') : ok({ saved: 'h:6379' })));
    const state = new WorkersState(api);
    expect(await state.save('redis://:wrong@h:6379')).toBe(false);
    expect([state.saved, state.saveError]).toEqual([null, 'Redis at h:6379 refused the password in the URL (WRONGPASS)']);
    expect(await state.save('redis://:right@h:6379')).toBe(true);
    expect([state.saved, state.saveError, state.saving]).toEqual(['h:6379', null, false]);
  });

  it('says when runs train locally, and shows an error as data', async () => {
    const api = new FakeApi();
    api.handle('workers:list', async () => ok({ redis: null, workers: [] }));
    const local = new WorkersState(api);
    await local.refresh();
    expect([local.loaded, local.redis, local.error]).toEqual([true, null, null]);
    api.handle('workers:list', async () => err('REDIS', 'cannot reach Redis'));
    await local.refresh();
    expect(local.error).toBe('cannot reach Redis');
  });
});
