/**
 * extendSweep on a real SQLite store: the new seeds' runs join the same sweep, named as
 * sweeps:start names them, and its seed list grows; a seed the sweep already has, or a sweep that
 * is gone, changes nothing. The run manager is a recorder here: launching is the CLI test's part
 * (sweep-plans.test.ts runs --until-resolved through the real binary).
 */
import { describe, expect, it } from 'vitest';
import type { SweepSpec } from '../../src-shared/contract.js';
import type { App } from '../app/create-app.js';
import { listRuns } from '../db/runs-queries.js';
import { createSweep, getSweep } from '../db/sweeps-queries.js';
import { testConfig, useTestDatabase } from '../db/test-fixtures.js';
import { extendSweep, SweepGoneError } from './extend-sweep.js';

const store = useTestDatabase();
const spec: SweepSpec = { name: 'ur', base: { task: 'copy' }, axes: [{ path: 'objective', values: [{ preset: 'grpo' }, { preset: 'hmpo' }] }], seeds: [0, 1] };

function setUp() {
  const configs = ['grpo', 'hmpo'].flatMap((preset) => [0, 1].map((seed) => testConfig({ task: 'copy', objective: { preset: preset as 'grpo' }, seed })));
  const { sweep } = createSweep(store.db, { name: 'ur', baseConfig: testConfig(), axes: [...spec.axes], seeds: [0, 1], configs, appVersion: 'v' });
  const adopted: string[][] = [];
  const app = { db: store.db, info: { version: 'v2' }, manager: { adopt: (runs: { runId: string }[]) => (adopted.push(runs.map((r) => r.runId)), runs.map((r) => r.runId)) } } as unknown as Pick<App, 'db' | 'manager' | 'info'>;
  return { sweepId: String(sweep.id), app, adopted };
}

describe('extendSweep', () => {
  it('adds the new seeds\' runs to the same sweep and queues them', () => {
    const { sweepId, app, adopted } = setUp();
    const runIds = extendSweep(app, sweepId, spec, [2, 3]);
    const sweep = getSweep(store.db, Number(sweepId))!;
    expect(sweep.seeds).toEqual([0, 1, 2, 3]);
    expect(sweep.runIds).toHaveLength(8);
    expect(adopted).toEqual([runIds]);
    const added = listRuns(store.db, { sweepId: Number(sweepId) })
      .filter((r) => runIds.includes(String(r.id)))
      .sort((a, b) => a.id - b.id);
    expect(added.map((r) => [r.config.objective.preset, r.seed, r.name, r.status])).toEqual([
      ['grpo', 2, 'grpo · seed 2', 'queued'],
      ['grpo', 3, 'grpo · seed 3', 'queued'],
      ['hmpo', 2, 'hmpo · seed 2', 'queued'],
      ['hmpo', 3, 'hmpo · seed 3', 'queued'],
    ]);
  });

  it('refuses a seed the sweep already has, or a sweep that is gone, changing nothing', () => {
    const { sweepId, app, adopted } = setUp();
    expect(() => extendSweep(app, sweepId, spec, [1, 2])).toThrow(/already has seed\(s\) 1/);
    expect(() => extendSweep(app, '999999', spec, [5])).toThrow(SweepGoneError);
    expect(getSweep(store.db, Number(sweepId))).toMatchObject({ seeds: [0, 1], runIds: expect.any(Array) as unknown });
    expect(getSweep(store.db, Number(sweepId))!.runIds).toHaveLength(4);
    expect(adopted).toEqual([]);
  });
});
