/**
 * metrics:compare through the app's dispatch on a real SQLite file: extra `keys` come back in the
 * same answer, each equal to what a request for that key alone draws, and bad keys are refused with
 * one line. (Issue 11: Compare in one round trip per control change instead of six.)
 */
import { describe, expect, it } from 'vitest';
import type { CompareRequest, CompareResult } from '../../src-shared/contract.js';
import { insertStepRecords } from '../db/metrics-queries.js';
import { stepRecord } from '../db/test-fixtures.js';
import { useCompareApp } from './test-compare-app.js';

const fixture = useCompareApp([0, 1, 2], 40);

const base: CompareRequest = { runIds: [], key: 'charts/reward_mean', x: 'samples', gridPoints: 20, smoothing: 0.5, band: 'std', target: null };

describe('metrics:compare with keys', () => {
  it('answers the extra keys in the same round trip, as each would be answered alone', async () => {
    const request = { ...base, runIds: fixture.runIds, keys: ['ratio/am_gm_gap', 'ratio/a0'] } as const;
    const answer = await fixture.app.dispatch('metrics:compare', request);
    expect(answer.ok).toBe(true);
    const result = (answer as { value: CompareResult }).value;
    expect(result.summary).toHaveLength(2);
    expect(result.series?.map((s) => s.key)).toEqual(['ratio/am_gm_gap', 'ratio/a0']);
    for (const series of result.series!) {
      const alone = (await fixture.app.dispatch('metrics:compare', { ...base, runIds: fixture.runIds, key: series.key, withSummary: false, withSeeds: false })) as { value: CompareResult };
      expect(series.groups).toEqual(alone.value.groups);
      expect(series.legend).toBe(alone.value.legend);
    }
    const without = (await fixture.app.dispatch('metrics:compare', { ...base, runIds: fixture.runIds })) as { value: CompareResult };
    expect(without.value.series).toBeUndefined();
    expect(without.value.groups).toEqual(result.groups);
  });

  it('leaves the seeds out of every curve when asked without them, and out of the extra keys always', async () => {
    const answer = (await fixture.app.dispatch('metrics:compare', { ...base, runIds: fixture.runIds, keys: ['ratio/a0'], withSeeds: false })) as { value: CompareResult };
    expect([...answer.value.groups, ...answer.value.series![0]!.groups].every((g) => g.seeds.length === 0)).toBe(true);
    const withSeeds = (await fixture.app.dispatch('metrics:compare', { ...base, runIds: fixture.runIds, keys: ['ratio/a0'] })) as { value: CompareResult };
    expect(withSeeds.value.groups.every((g) => g.seeds.length > 0)).toBe(true);
    expect(withSeeds.value.series![0]!.groups.every((g) => g.seeds.length === 0)).toBe(true);
    const refused = await fixture.app.dispatch('metrics:compare', { ...base, runIds: fixture.runIds, withSeeds: 'no' as unknown as boolean });
    expect(refused.ok).toBe(false);
  });

  it('refuses an unknown key with one line naming it', async () => {
    const answer = await fixture.app.dispatch('metrics:compare', { ...base, runIds: fixture.runIds, keys: ['charts/nope'] });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.error.message).toMatch(/^metrics:compare: keys/);
    expect(!answer.ok && answer.error.message.includes('\n')).toBe(false);
  });

  it('sees steps a run recorded since the last answer (the kept series follow the run)', async () => {
    const request = { ...base, runIds: fixture.runIds, x: 'step', smoothing: 0 } as const;
    const before = (await fixture.app.dispatch('metrics:compare', request)) as { value: CompareResult };
    expect(before.value.groups[0]!.x.at(-1)).toBe(39);
    insertStepRecords(fixture.app.db, Number(fixture.runIds[0]), Array.from({ length: 20 }, (_, i) => stepRecord(40 + i)));
    const after = (await fixture.app.dispatch('metrics:compare', request)) as { value: CompareResult };
    expect(after.value.groups[0]!.x.at(-1)).toBe(59);
    expect(after.value.outcomes!.find((o) => o.runId === fixture.runIds[0])!.values.auc).not.toBe(before.value.outcomes!.find((o) => o.runId === fixture.runIds[0])!.values.auc);
  });
});
