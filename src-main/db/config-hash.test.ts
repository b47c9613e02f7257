// Config hash: the grouping key ignores key order, the seed and the display name, and nothing else.
import { describe, expect, it } from 'vitest';
import { canonicalJson, configHash } from './config-hash.js';
import { testConfig } from './test-fixtures.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ lr: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson([Infinity])).toThrow(/Infinity/);
  });
});

describe('configHash', () => {
  it('groups seeds and names of one config together', () => {
    const base = configHash(testConfig({ objective: { preset: 'hmpo' } }));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash(testConfig({ objective: { preset: 'hmpo' }, seed: 41, name: 'another name' }))).toBe(base);
  });

  it('separates configs that differ in anything that is trained', () => {
    const base = configHash(testConfig({ objective: { preset: 'hmpo' } }));
    expect(configHash(testConfig({ objective: { preset: 'gspo' } }))).not.toBe(base);
    expect(configHash(testConfig({ objective: { preset: 'hmpo' }, qkClip: { enabled: true } }))).not.toBe(base);
    expect(configHash(testConfig({ objective: { preset: 'hmpo' }, optimizer: { learningRate: 1e-3 } }))).not.toBe(base);
  });
});
