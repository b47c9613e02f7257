/** --set parsing and application: value typing, dotted paths, later-wins, and the errors users see. */
import { describe, expect, it } from 'vitest';
import { applyOverrides, parseOverride, parseOverrideValue } from './config-overrides.js';

describe('config overrides', () => {
  it('parses values as JSON when they are, else as strings', () => {
    expect(parseOverrideValue('0.1')).toBe(0.1);
    expect(parseOverrideValue('true')).toBe(true);
    expect(parseOverrideValue('null')).toBeNull();
    expect(parseOverrideValue('[1,2]')).toEqual([1, 2]);
    expect(parseOverrideValue('hmpo')).toBe('hmpo');
    expect(parseOverrideValue('"42"')).toBe('42');
  });

  it('applies shorthand flags, then --set in order, without touching the base', () => {
    const base = { objective: { preset: 'gmpo', tokenClip: 0.3 }, model: { dModel: 32 } };
    const config = applyOverrides(base, { objective: 'hmpo', seed: 3, steps: 10, task: 'copy' }, ['model.nLayers=3', 'seed=4', 'qkClip.enabled=true']);
    expect(config).toEqual({
      objective: { preset: 'hmpo', tokenClip: 0.3 },
      model: { dModel: 32, nLayers: 3 },
      seed: 4,
      totalSteps: 10,
      task: 'copy',
      qkClip: { enabled: true },
    });
    expect(base.model).toEqual({ dModel: 32 });
  });

  it('refuses malformed overrides with a message naming them', () => {
    expect(() => parseOverride('seed')).toThrow(/--set 'seed': expected key=value/);
    expect(() => parseOverride('=3')).toThrow(/expected key=value/);
    expect(() => parseOverride('model..dModel=3')).toThrow(/has an empty part/);
    expect(() => applyOverrides({ seed: 1 }, {}, ['seed.value=2'])).toThrow(/'seed' is not a group of settings/);
    expect(() => applyOverrides([1, 2], {}, [])).toThrow(/must hold one JSON object/);
  });
});
