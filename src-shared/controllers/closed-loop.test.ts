/**
 * The closed loop's decisions-to-actions rules on hand-made telemetry: the strategy -> p map, the
 * clip scaling of an objective, the multiplier bounds and dead band, each switch acting alone, and
 * early stop reported once.
 */
import { describe, expect, it } from 'vitest';
import { resolveObjective } from '../objective-config.js';
import { DEFAULT_RUN_CONFIG } from '../run-config.js';
import { ClosedLoopController, controlledObjective, describeControlChanges, strategyPower, type ControllerSettings } from './closed-loop.js';
import type { TelemetryRecord } from './telemetry-record.js';

const OFF: ControllerSettings = DEFAULT_RUN_CONFIG.controller;

/** A record whose A-H gap closes from 1 to 0.02: gap reduction 0.98 (fast), spread 0.01 (small). */
function closingGap(step: number): TelemetryRecord {
  return { step, agm: { arithmetic_history: [1.5, 1.01], harmonic_history: [0.5, 0.99] }, rl: { td: { mean: 0, var: 0 }, q: { rel_change: 0 }, reward: { train_mean: 0, eval_mean: 0 } } };
}

describe('strategyPower', () => {
  it('maps each strategy onto the power-mean segment from harmonic (-1) to arithmetic (1)', () => {
    expect(strategyPower({ phase: 'arithmetic_weighted_agm', phase_config: { arithmetic_weight: 0.8 } })).toBeCloseTo(0.6, 15);
    expect(strategyPower({ phase: 'harmonic_weighted_agm', phase_config: { harmonic_weight: 0.8 } })).toBeCloseTo(-0.6, 15);
    expect(strategyPower({ phase: 'standard_agm', phase_config: {} })).toBe(0);
    expect(strategyPower({ phase: 'oscillating_agm', phase_config: { exploration_boost: 0.3 } })).toBe(0.3);
    expect(strategyPower({ phase: 'disabled', phase_config: {} })).toBeNull();
  });
});

describe('controlledObjective', () => {
  it('scales every clip knob the objective has and replaces p', () => {
    const hmpo = controlledObjective(resolveObjective({ preset: 'hmpo' }), { lrMultiplier: 1, epsMultiplier: 0.5, p: 0.25 });
    expect(hmpo.tokenClip).toBeCloseTo(0.2, 15);
    expect(hmpo.seqClipLow).toBeNull();
    expect(hmpo.mean).toEqual({ kind: 'power', p: 0.25 });
    const grpo = controlledObjective(resolveObjective({ preset: 'grpo' }), { lrMultiplier: 1, epsMultiplier: 1.5, p: null });
    expect([grpo.clipLow, grpo.clipHigh]).toEqual([0.2 * 1.5, resolveObjective({ preset: 'grpo' }).clipHigh * 1.5]);
    expect(grpo.mean).toEqual({ kind: 'power', p: 1 });
  });
});

describe('ClosedLoopController', () => {
  it('turns a fast-closing gap into lr x1.3 and a small spread into clip x0.8, within the bounds', () => {
    const loop = new ClosedLoopController({ ...OFF, learningRate: true, clipEpsilon: true }, null);
    const first = loop.observe(closingGap(0));
    expect(first.changes.map((c) => [c.knob, c.from, Number(c.to.toFixed(12))])).toEqual([['learning_rate', 1, 1.3], ['clip_epsilon', 1, 0.8]]);
    const bounded = new ClosedLoopController({ ...OFF, learningRate: true, maxMultiplier: 1.1 }, null).observe(closingGap(0));
    expect(bounded.changes).toEqual([{ knob: 'learning_rate', from: 1, to: 1.1 }]);
    expect(describeControlChanges(first.changes)).toBe('learning rate x1.00 -> x1.30; clip epsilon x1.00 -> x0.80');
  });

  it('holds a multiplier inside the dead band and acts only on the switches that are on', () => {
    const deadBand = new ClosedLoopController({ ...OFF, learningRate: true, minRelativeChange: 0.5 }, null);
    expect(deadBand.observe(closingGap(0)).changes).toEqual([]);
    expect(deadBand.knobs.lrMultiplier).toBe(1);
    const pOnly = new ClosedLoopController({ ...OFF, powerP: true }, -1);
    const step = pOnly.observe(closingGap(0));
    expect(step.changes).toEqual([{ knob: 'power_p', from: -1, to: 2 * 0.8 - 1 }]);
    expect(step.knobs).toEqual({ lrMultiplier: 1, epsMultiplier: 1, p: 2 * 0.8 - 1 });
    expect(new ClosedLoopController({ ...OFF, powerP: true }, null).observe(closingGap(0)).changes).toEqual([]);
  });

  it('reports early stop once, with the detector reason', () => {
    const loop = new ClosedLoopController({ ...OFF, earlyStop: true }, null);
    const flat = (step: number): TelemetryRecord => ({ ...closingGap(step), agm: { arithmetic_history: [1], harmonic_history: [1] } });
    const steps = Array.from({ length: 25 }, (_, i) => loop.observe(flat(i)));
    expect(steps.findIndex((s) => s.changes.length > 0)).toBe(19);
    expect(steps[19]!.stopReason).toBe('agm_full_convergence');
    expect(steps.slice(20).every((s) => s.changes.length === 0)).toBe(true);
    expect(loop.stopped).toBe(true);
  });
});
