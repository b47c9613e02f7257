/** Sweep expansion: product of axes x paired seeds, root-merge axes, validation naming the cell, the experiment plan. */
import { describe, expect, it } from 'vitest';
import type { SweepSpec } from './contract.js';
import { expandSweep, MAX_SWEEP_RUNS, previewSweep, SweepTooLargeError, sweepSize } from './sweep.js';

describe('sweeps', () => {
  it('multiplies the axes and gives every cell the same seeds', () => {
    const spec: SweepSpec = { base: { task: 'copy', totalSteps: 50 }, axes: [{ path: 'objective.preset', values: ['gspo', 'hmpo'] }, { path: 'optimizer.learningRate', values: [1e-3, 3e-3] }], seeds: [7, 8] };
    expect(previewSweep(spec).count).toBe(8);
    const result = expandSweep(spec);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toHaveLength(8);
    const hmpo = result.value.filter((r) => r.config.objective.preset === 'hmpo');
    expect(hmpo.map((r) => r.config.seed)).toEqual([7, 8, 7, 8]);
    expect(result.value.every((r) => r.config.task === 'copy' && r.config.totalSteps === 50)).toBe(true);
    expect(result.value[0]!.name).toBe('preset=gspo · learningRate=0.001 · seed 7');
    const named = expandSweep({ ...spec, name: 'grid' });
    // The run's own name leaves out the sweep's (the runs table shows the sweep apart).
    expect(named.ok && named.value[0]).toMatchObject({ name: 'grid · preset=gspo · learningRate=0.001 · seed 7', runName: 'preset=gspo · learningRate=0.001 · seed 7' });
    expect(result.value[0]!.config.optimizer.beta1).toBe(0.9); // nested defaults survive a nested override
  });

  it('refuses two cells that train the same thing, naming both, even under different preset names', () => {
    const result = expandSweep({ base: {}, axes: [{ path: 'objective', values: [{ preset: 'gspo' }, { preset: 'hmpo' }, { preset: 'power', p: -1 }] }], seeds: [0, 1] });
    expect(!result.ok && result.error.message).toBe("cells 'hmpo' and 'power p=-1' train the same configuration (same config hash once presets are resolved to their knobs); drop one of them");
    const repeated = expandSweep({ base: {}, axes: [{ path: 'optimizer.learningRate', values: [0.001, 0.001] }], seeds: [0] });
    expect(!repeated.ok && repeated.error.message).toMatch(/'learningRate=0.001' and 'learningRate=0.001' train the same configuration/);
    // A different clip is a different arm.
    expect(expandSweep({ base: {}, axes: [{ path: 'objective', values: [{ preset: 'hmpo' }, { preset: 'power', p: -1, tokenClip: 0.2 }] }], seeds: [0] }).ok).toBe(true);
  });

  it('an invalid cell refuses the whole sweep with a message naming the cell', () => {
    const result = expandSweep({ base: {}, axes: [{ path: 'objective', values: [{ preset: 'hmpo' }, { preset: 'grpo', p: 2 }] }], seeds: [0, 1] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe("grpo p=2: objective.p: p does not apply to preset 'grpo'; use a power-mean preset such as power");
  });

  it('refuses a root axis whose values are not objects', () => {
    const result = expandSweep({ base: {}, axes: [{ path: '', values: [3] }], seeds: [0] });
    expect(!result.ok && result.error.message).toMatch(/needs partial-config objects/);
  });

  it('refuses a sweep over the cap from the axis lengths alone, before building a cell', () => {
    // 3 axes x 1000 values = 10^9 cells: building them exhausted the server's memory.
    const axis = (path: string) => ({ path, values: Array.from({ length: 1000 }, (_, i) => i + 1) });
    const spec: SweepSpec = { base: {}, axes: [axis('optimizer.learningRate'), axis('gradClip'), axis('totalSteps')], seeds: [0, 1] };
    expect(sweepSize(spec)).toBe(2e9);
    const result = expandSweep(spec);
    expect(!result.ok && result.error).toEqual({ code: 'SWEEP_TOO_LARGE', message: 'the sweep would hold 2,000,000,000 runs (1000 x 1000 x 1000 x 2 seed(s)), more than the 5,000 one sweep may hold; use fewer values per axis or fewer seeds' });
    expect(() => previewSweep(spec)).toThrow(SweepTooLargeError);
  });

  it('accepts a sweep of exactly the cap', () => {
    const spec: SweepSpec = { base: {}, axes: [{ path: 'totalSteps', values: Array.from({ length: MAX_SWEEP_RUNS / 5 }, (_, i) => i + 1) }], seeds: [0, 1, 2, 3, 4] };
    expect(previewSweep(spec).count).toBe(MAX_SWEEP_RUNS);
  });
});
