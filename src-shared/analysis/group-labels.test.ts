// Group labels: short where the mean type alone tells groups apart, the differing config values
// where it does not (the tracker's "hmpo at 150 and at 300 steps, both labelled the same"), never twice the same.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../run-config.js';
import { describeConfig, distinguishingLabels, shortGroupLabel } from './group-labels.js';

const config = (patch: Partial<RunConfig>): RunConfig => ({ ...DEFAULT_RUN_CONFIG, ...patch });

describe('distinguishingLabels', () => {
  it('keeps the mean type alone when it tells the groups apart', () => {
    const labels = distinguishingLabels([
      { key: 'a', config: config({ objective: { preset: 'gspo' } }) },
      { key: 'b', config: config({ objective: { preset: 'hmpo' } }) },
    ]);
    expect([...labels.values()]).toEqual(['gspo', 'hmpo']);
  });

  it('adds the values that differ among groups that would share a label', () => {
    const labels = distinguishingLabels([
      { key: 'a', config: config({ objective: { preset: 'hmpo' }, totalSteps: 150 }) },
      { key: 'b', config: config({ objective: { preset: 'hmpo' }, totalSteps: 300 }) },
      { key: 'c', config: config({ objective: { preset: 'gspo' }, totalSteps: 300 }) },
    ]);
    expect(labels.get('a')).toBe('hmpo · totalSteps=150');
    expect(labels.get('b')).toBe('hmpo · totalSteps=300');
    expect(labels.get('c')).toBe('gspo');
  });

  it('never gives two groups the same label, even when their configs differ only in ignored paths', () => {
    const labels = distinguishingLabels([
      { key: 'a', config: config({ objective: { preset: 'hmpo' }, seed: 1 }) },
      { key: 'b', config: config({ objective: { preset: 'hmpo' }, seed: 2 }) },
    ]);
    expect([...labels.values()]).toEqual(['hmpo', 'hmpo #2']);
  });

  it('names MuonClip and the power exponent in the short label', () => {
    expect(shortGroupLabel(config({ objective: { preset: 'power', p: 0 }, optimizer: { ...DEFAULT_RUN_CONFIG.optimizer, name: 'muon' }, qkClip: { ...DEFAULT_RUN_CONFIG.qkClip, enabled: true } }))).toBe('power p=0 · MuonClip');
  });
});

describe('describeConfig', () => {
  it('lists every leaf but seed and name, one per line', () => {
    const text = describeConfig(config({ totalSteps: 300, seed: 4 }));
    expect(text).toMatch(/^totalSteps: 300$/m);
    expect(text).not.toMatch(/^seed:/m);
    expect(text).toMatch(/^objective\.preset: grpo$/m);
  });
});
