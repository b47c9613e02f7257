// Sweeps: recorded with all their runs atomically; deleting the record keeps the runs.
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getRun, listRuns } from './runs-queries.js';
import { createSweep, deleteSweep, getSweep, listSweeps } from './sweeps-queries.js';
import { openTestDatabase, temporaryFolder, testConfig } from './test-fixtures.js';

let folder: ReturnType<typeof temporaryFolder>;
let db: Database;
beforeEach(() => {
  folder = temporaryFolder();
  db = openTestDatabase(folder.dir);
});
afterEach(() => {
  db.close();
  folder.remove();
});

const presets = ['gspo', 'hmpo'] as const;
const seeds = [0, 1, 2];
const configs = presets.flatMap((preset) => seeds.map((seed) => testConfig({ objective: { preset }, seed })));

describe('sweeps', () => {
  it('records the grid and queues one run per config, paired by seed', () => {
    const { sweep, runs } = createSweep(db, { name: 'mean types', baseConfig: testConfig(), axes: [{ path: 'objective.preset', values: [...presets] }], seeds, configs, appVersion: 'v', tags: ['grid'] }, 7000);
    expect(sweep).toMatchObject({ name: 'mean types', seeds, axes: [{ path: 'objective.preset', values: ['gspo', 'hmpo'] }], createdAt: 7000 });
    expect(sweep.runIds).toEqual(runs.map((r) => r.id));
    expect(runs.map((r) => [r.objectivePreset, r.seed, r.status, r.sweepId, r.tags])).toEqual(configs.map((c) => [c.objective.preset, c.seed, 'queued', sweep.id, ['grid']]));
    expect(new Set(runs.map((r) => r.configHash)).size).toBe(2); // seeds group together per mean type
    expect(listSweeps(db).map((s) => s.id)).toEqual([sweep.id]);
    expect(listRuns(db, { sweepId: sweep.id })).toHaveLength(6);
  });

  it("names each run as given (its cell's label), so two arms of one preset read apart", () => {
    const pair = [testConfig({ objective: { preset: 'hmpo' } }), testConfig({ objective: { preset: 'hmpo' }, controller: { learningRate: true } })];
    const names = ['hmpo fixed · seed 0', 'hmpo + lr/clip controller · seed 0'];
    const { runs } = createSweep(db, { name: 's', baseConfig: testConfig(), axes: [], seeds: [0], configs: pair, names, appVersion: 'v' });
    expect(runs.map((r) => r.name)).toEqual(names);
  });

  it('is all or nothing', () => {
    const broken = [...configs.slice(0, 2), { ...configs[0], seed: 1.5 } as (typeof configs)[number]];
    expect(() => createSweep(db, { name: 's', baseConfig: testConfig(), axes: [], seeds, configs: broken, appVersion: 'v' })).toThrow(/INTEGER/);
    expect(listSweeps(db)).toEqual([]);
    expect(listRuns(db)).toEqual([]);
  });

  it('deletes the record but keeps its runs', () => {
    const { sweep, runs } = createSweep(db, { name: 's', baseConfig: testConfig(), axes: [], seeds, configs, appVersion: 'v' });
    expect(deleteSweep(db, sweep.id)).toBe(true);
    expect(getSweep(db, sweep.id)).toBeUndefined();
    expect(getRun(db, runs[0]?.id ?? -1)?.sweepId).toBeNull();
    expect(listRuns(db)).toHaveLength(6);
  });
});
