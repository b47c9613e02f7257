// Sweeps: recorded with all their runs atomically; deleting the record keeps the runs.
import { describe, expect, it } from 'vitest';
import { getRun, listRuns } from './runs-queries.js';
import { createSweep, deleteSweep, getSweep, listSweeps, renameSweep } from './sweeps-queries.js';
import { testConfig, useTestDatabase } from './test-fixtures.js';

const store = useTestDatabase();

const presets = ['gspo', 'hmpo'] as const;
const seeds = [0, 1, 2];
const configs = presets.flatMap((preset) => seeds.map((seed) => testConfig({ objective: { preset }, seed })));

describe('sweeps', () => {
  it('records the grid and queues one run per config, paired by seed', () => {
    const { sweep, runs } = createSweep(store.db, { name: 'mean types', baseConfig: testConfig(), axes: [{ path: 'objective.preset', values: [...presets] }], seeds, configs, appVersion: 'v', tags: ['grid'] }, 7000);
    expect(sweep).toMatchObject({ name: 'mean types', seeds, axes: [{ path: 'objective.preset', values: ['gspo', 'hmpo'] }], createdAt: 7000 });
    expect(sweep.runIds).toEqual(runs.map((r) => r.id));
    expect(runs.map((r) => [r.objectivePreset, r.seed, r.status, r.sweepId, r.tags])).toEqual(configs.map((c) => [c.objective.preset, c.seed, 'queued', sweep.id, ['grid']]));
    expect(new Set(runs.map((r) => r.configHash)).size).toBe(2); // seeds group together per mean type
    expect(listSweeps(store.db).map((s) => s.id)).toEqual([sweep.id]);
    expect(listRuns(store.db, { sweepId: sweep.id })).toHaveLength(6);
  });

  it("names each run as given (its cell's label), so two arms of one preset read apart", () => {
    const pair = [testConfig({ objective: { preset: 'hmpo' } }), testConfig({ objective: { preset: 'hmpo' }, controller: { learningRate: true } })];
    const names = ['hmpo fixed · seed 0', 'hmpo + lr/clip controller · seed 0'];
    const { runs } = createSweep(store.db, { name: 's', baseConfig: testConfig(), axes: [], seeds: [0], configs: pair, names, appVersion: 'v' });
    expect(runs.map((r) => r.name)).toEqual(names);
  });

  it('is all or nothing', () => {
    const broken = [...configs.slice(0, 2), { ...configs[0], seed: 1.5 } as (typeof configs)[number]];
    expect(() => createSweep(store.db, { name: 's', baseConfig: testConfig(), axes: [], seeds, configs: broken, appVersion: 'v' })).toThrow(/INTEGER/);
    expect(listSweeps(store.db)).toEqual([]);
    expect(listRuns(store.db)).toEqual([]);
  });

  it('deletes the record but keeps its runs', () => {
    const { sweep, runs } = createSweep(store.db, { name: 's', baseConfig: testConfig(), axes: [], seeds, configs, appVersion: 'v' });
    expect(deleteSweep(store.db, sweep.id)).toBe(true);
    expect(getSweep(store.db, sweep.id)).toBeUndefined();
    expect(getRun(store.db, runs[0]?.id ?? -1)?.sweepId).toBeNull();
    expect(listRuns(store.db)).toHaveLength(6);
  });

  it('renames a sweep (trimmed) and says when there is no such sweep', () => {
    const { sweep } = createSweep(store.db, { name: 'old', baseConfig: testConfig(), axes: [{ path: '', values: [{}, {}], labels: ['off', 'on'] }], seeds, configs, appVersion: 'v' });
    expect(renameSweep(store.db, sweep.id, '  lr grid ')).toBe(true);
    expect(getSweep(store.db, sweep.id)).toMatchObject({ name: 'lr grid', axes: [{ path: '', labels: ['off', 'on'] }] });
    expect(renameSweep(store.db, sweep.id + 1, 'x')).toBe(false);
  });
});
