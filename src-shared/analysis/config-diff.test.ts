/**
 * Config diff: only differing dotted paths, with each config's value; nested objects, absent keys,
 * arrays as leaves, key order ignored, ignore prefixes.
 */
import { describe, expect, it } from 'vitest';
import { diffConfigs, flattenConfig } from './config-diff.js';

const base = {
  task: 'sort',
  seed: 1,
  objective: { preset: 'gspo', clip: { low: 0.2, high: 0.28 }, p: 1 },
  qkClip: { enabled: false, tau: 100 },
  schedule: [1, 2, 3],
};

describe('diffConfigs', () => {
  it('lists only the nested paths that differ, with every config value', () => {
    const hmpo = { ...base, seed: 2, objective: { ...base.objective, preset: 'hmpo', p: -1 } };
    const clipped = { ...base, seed: 3, qkClip: { enabled: true, tau: 100 } };
    expect(diffConfigs([base, hmpo, clipped])).toEqual([
      { path: 'seed', values: [1, 2, 3] },
      { path: 'objective.preset', values: ['gspo', 'hmpo', 'gspo'] },
      { path: 'objective.p', values: [1, -1, 1] },
      { path: 'qkClip.enabled', values: [false, false, true] },
    ]);
  });

  it('reports nothing for identical configs, whatever their key order', () => {
    const reordered = { schedule: [1, 2, 3], qkClip: { tau: 100, enabled: false }, objective: base.objective, seed: 1, task: 'sort' };
    expect(diffConfigs([base, reordered])).toEqual([]);
    expect(diffConfigs([base])).toEqual([]);
  });

  it('reports a path present in one config and absent from another', () => {
    const withKl = { ...base, objective: { ...base.objective, klBeta: 0.01 } };
    expect(diffConfigs([base, withKl])).toEqual([{ path: 'objective.klBeta', values: [undefined, 0.01] }]);
  });

  it('compares arrays as whole leaves', () => {
    expect(diffConfigs([base, { ...base, schedule: [1, 2, 4] }])).toEqual([{ path: 'schedule', values: [[1, 2, 3], [1, 2, 4]] }]);
  });

  it('reports both sides when a subtree is replaced by a scalar', () => {
    expect(diffConfigs([{ qkClip: { enabled: true } }, { qkClip: null }])).toEqual([
      { path: 'qkClip.enabled', values: [true, undefined] },
      { path: 'qkClip', values: [undefined, null] },
    ]);
  });

  it('leaves out ignored paths and everything under them', () => {
    const other = { ...base, seed: 9, objective: { ...base.objective, clip: { low: 0.1, high: 0.2 } }, task: 'copy' };
    expect(diffConfigs([base, other], { ignore: ['seed', 'objective.clip'] })).toEqual([{ path: 'task', values: ['sort', 'copy'] }]);
  });
});

describe('flattenConfig', () => {
  it('names leaves by dotted path, quoting keys that are not identifiers', () => {
    const flat = flattenConfig({ a: { b: 1, 'c.d': { e: 2 } }, empty: {}, gone: undefined });
    expect([...flat.entries()]).toEqual([
      ['a.b', 1],
      ['a["c.d"].e', 2],
      ['empty', {}],
    ]);
  });
});
