// A config as table cells: dotted leaves, arrays as one cell, seed and name left out, and the
// sparse form (only what differs from the default) read back with the defaults filled in.
import { describe, expect, it } from 'vitest';
import { configCellOf, configOfCells, DEFAULT_CONFIG_CELLS, flattenConfig, sparseConfigCells } from './config-cells.js';
import { DEFAULT_RUN_CONFIG } from './run-config.js';

describe('config cells', () => {
  it('flattens nested leaves to dotted keys, arrays as JSON, without seed and name', () => {
    expect(flattenConfig({ seed: 3, name: 'x', model: { dModel: 32, sizes: [1, 2] }, qkClip: { enabled: true } })).toEqual({ 'model.dModel': 32, 'model.sizes': '[1,2]', 'qkClip.enabled': true });
    expect(DEFAULT_CONFIG_CELLS['model.dModel']).toBe(DEFAULT_RUN_CONFIG.model.dModel);
    expect(DEFAULT_CONFIG_CELLS).not.toHaveProperty('seed');
  });

  it('keeps only what differs from the default, and reads the default back for the rest', () => {
    const cells = sparseConfigCells({ ...DEFAULT_RUN_CONFIG, seed: 9, model: { ...DEFAULT_RUN_CONFIG.model, dModel: 32 }, objective: { preset: 'hmpo', p: -1 } });
    expect(cells).toEqual({ 'model.dModel': 32, 'objective.preset': 'hmpo', 'objective.p': -1 });
    expect(configCellOf(cells, 'model.dModel')).toBe(32);
    expect(configCellOf(cells, 'model.nHeads')).toBe(DEFAULT_RUN_CONFIG.model.nHeads);
    expect(configCellOf(undefined, 'optimizer.name')).toBe('adamw');
    expect(configCellOf(cells, 'no.such')).toBeUndefined();
  });

  it('nests sparse cells back into the whole config they stand for (what group labels diff)', () => {
    const config = { ...DEFAULT_RUN_CONFIG, seed: 9, optimizer: { ...DEFAULT_RUN_CONFIG.optimizer, learningRate: 0.001 }, objective: { preset: 'hmpo' as const, p: -1 } };
    const nested = configOfCells(sparseConfigCells(config));
    expect(nested).toMatchObject({ optimizer: { name: 'adamw', learningRate: 0.001 }, objective: { preset: 'hmpo', p: -1 }, model: { dModel: DEFAULT_RUN_CONFIG.model.dModel } });
    expect(flattenConfig(nested)).toEqual(flattenConfig(config));
    expect(configOfCells(undefined)).toEqual(configOfCells({}));
  });
});
