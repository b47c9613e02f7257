/** Request validation: good arguments pass; bad ones are refused with a message naming the channel and field. */
import { describe, expect, it } from 'vitest';
import { CHANNELS } from './contract.js';
import { isChannel, validateRequest } from './contract-schemas.js';

describe('validateRequest', () => {
  it('accepts well-formed requests', () => {
    expect(validateRequest('runs:list', null).ok).toBe(true);
    expect(validateRequest('runs:get', { runId: 'r_abc-1' }).ok).toBe(true);
    expect(validateRequest('runs:start', { config: { task: 'copy' }, seeds: [0, 1] }).ok).toBe(true);
    expect(validateRequest('sweeps:preview', { base: {}, axes: [{ path: 'objective.preset', values: ['gspo', 'hmpo'] }], seeds: [1, 2, 3] }).ok).toBe(true);
    expect(validateRequest('metrics:compare', { runIds: ['a'], key: 'charts/reward_mean', x: 'step', gridPoints: 200, smoothing: 0.6, band: 'ci95', target: null }).ok).toBe(true);
  });

  it.each([
    ['runs:get', { runId: '../etc/passwd' }, /runs:get: runId: must be a run id/],
    ['runs:get', { runId: 'a', extra: 1 }, /runs:get: extra: unknown key/],
    ['runs:get', null, /runs:get: config: expected object, got null/],
    ['runs:start', { config: {}, seeds: [] }, /runs:start: seeds: give at least one seed/],
    ['runs:start', { config: {}, seeds: [1.5] }, /runs:start: seeds\.0: expected int, got 1\.5/],
    ['runs:delete', { runIds: [] }, /runs:delete: runIds: choose at least one run/],
    ['metrics:series', { runIds: ['a'], keys: ['charts/nope'], x: 'step', buckets: 100 }, /keys\.0: "charts\/nope" is not one of/],
    ['metrics:compare', { runIds: ['a'], key: 'charts/reward_mean', x: 'step', gridPoints: 200, smoothing: 1, band: 'std', target: null }, /smoothing must be below 1/],
    ['metrics:compare', { runIds: ['a'], key: 'charts/reward_mean', x: 'step', gridPoints: 200, smoothing: 0, band: 'std', target: null, finalWindow: 0 }, /finalWindow: finalWindow must be a fraction above 0/],
    ['metrics:compare', { runIds: ['a'], key: 'charts/reward_mean', x: 'step', gridPoints: 200, smoothing: 0, band: 'std', target: null, collapseEntropy: -1 }, /collapseEntropy must be at least 0/],
    ['sweeps:start', { base: {}, axes: [{ path: 'objective..preset', values: [1] }], seeds: [1] }, /must be a dotted config path/],
    ['export:start', { runIds: ['a'], format: 'parquet', outDir: '/tmp' }, /format: "parquet" is not one of agm, csv, jsonl/],
    ['runs:setTags', { runId: 'a', tags: [' '] }, /tags cannot be empty/],
  ] as const)('%s refuses %j', (channel, payload, message) => {
    const result = validateRequest(channel, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_REQUEST');
      expect(result.error.message).toMatch(message);
    }
  });

  it('knows every channel and nothing else', () => {
    for (const channel of CHANNELS) expect(isChannel(channel)).toBe(true);
    expect(isChannel('runs:hack')).toBe(false);
    expect(isChannel(42)).toBe(false);
  });
});
