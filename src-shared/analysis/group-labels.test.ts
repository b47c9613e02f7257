// Group labels: short where the mean type alone tells groups apart, the differing config values
// where it does not (the tracker's "hmpo at 150 and at 300 steps, both labelled the same"), never twice the same.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../run-config.js';
import { configOfCells } from '../config-cells.js';
import { describeCells, describeConfig, distinguishingLabels, labelsByDifference, shortGroupLabel } from './group-labels.js';

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

describe('labelsByDifference (the one rule behind Compare and the runs table)', () => {
  it("Compare: two hmpo groups differing in learning rate name it, in the optimizer's own words", () => {
    const labels = distinguishingLabels([
      { key: 'a', config: config({ objective: { preset: 'hmpo' }, optimizer: { ...DEFAULT_RUN_CONFIG.optimizer, learningRate: 0.001 } }) },
      { key: 'b', config: config({ objective: { preset: 'hmpo' }, optimizer: { ...DEFAULT_RUN_CONFIG.optimizer, learningRate: 0.003 } }) },
    ]);
    expect([...labels.values()]).toEqual(['hmpo · learningRate=0.001', 'hmpo · learningRate=0.003']);
  });

  it('runs table: groups from sparse config cells (defaults filled in) read the same key=value, after their own base', () => {
    const base = 'hmpo · pattern-dense · adamw';
    const labels = labelsByDifference([
      { key: 'a', base, config: configOfCells({ 'objective.preset': 'hmpo', 'optimizer.learningRate': 0.001 }) },
      // The default learning rate is absent from the cells, yet named.
      { key: 'b', base, config: configOfCells({ 'objective.preset': 'hmpo' }) },
      { key: 'c', base: 'gspo · pattern-dense · adamw', config: configOfCells({ 'objective.preset': 'gspo', 'model.dModel': 128 }) },
    ]);
    expect(DEFAULT_RUN_CONFIG.optimizer.learningRate).toBe(0.003);
    expect(labels.get('a')).toBe(`${base} · learningRate=0.001`);
    expect(labels.get('b')).toBe(`${base} · learningRate=0.003`);
    expect(labels.get('c')).toBe('gspo · pattern-dense · adamw');
  });

  it('spells out a path whose last part two differing paths share, and numbers only identical configs', () => {
    const base = 'hmpo · pattern-dense · adamw';
    const labels = labelsByDifference([
      { key: 'a', base, config: configOfCells({ 'optimizer.learningRate': 0.001, 'controller.learningRate': true }) },
      { key: 'b', base, config: configOfCells({}) },
      { key: 'c', base, config: configOfCells({}) },
    ]);
    expect(labels.get('a')).toBe(`${base} · optimizer.learningRate=0.001 · controller.learningRate=true`);
    expect(labels.get('b')).toBe(`${base} · optimizer.learningRate=0.003 · controller.learningRate=false`);
    expect(labels.get('c')).toBe(`${base} · optimizer.learningRate=0.003 · controller.learningRate=false #2`);
  });
});

describe('describeCells', () => {
  it("lists a table group's set values first, then the defaults, one path: value per line", () => {
    const lines = describeCells({ 'objective.preset': 'hmpo', 'optimizer.learningRate': 0.001 }).split('\n');
    expect(lines.slice(0, 3)).toEqual(['objective.preset: hmpo', 'optimizer.learningRate: 0.001', '— defaults —']);
    expect(lines).toContain('task: pattern-dense');
    expect(lines).toContain('model.dModel: 64');
    expect(lines.filter((line) => line.startsWith('optimizer.learningRate:'))).toHaveLength(1);
    expect(describeCells(undefined).split('\n')[0]).toBe('all defaults');
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
