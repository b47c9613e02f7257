/** runName: the one naming rule for runs (given name, config name, or preset · task; seed where it tells runs apart). */
import { describe, expect, it } from 'vitest';
import { runName } from './run-name.js';

const config = { name: '', task: 'copy', seed: 3, objective: { preset: 'hmpo' } } as const;

describe('runName', () => {
  it('names an unnamed run by preset, task and seed', () => {
    expect(runName(config)).toBe('hmpo · copy · seed 3');
  });
  it("keeps the config's own or a given name, adding the seed only when several seeds share it", () => {
    expect(runName({ ...config, name: 'mine' })).toBe('mine');
    expect(runName(config, { given: 'launch' })).toBe('launch');
    expect(runName({ ...config, name: 'mine' }, { severalSeeds: true })).toBe('mine · seed 3');
    expect(runName(config, { given: 'launch', severalSeeds: true })).toBe('launch · seed 3');
  });
});
