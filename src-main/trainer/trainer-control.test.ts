/**
 * The AGM controllers in the training loop, end to end on the wasm backend: a controlled run trains
 * with the learning rate, clip scale and p its control events announce (from the step after each
 * event on), the same seed gives the same control events, early stopping ends the run as finished,
 * and a run with every switch off records no control metric at all.
 */
import { describe, expect, it } from 'vitest';
import { validateRunConfig, type RunConfigInput } from '../../src-shared/run-config.js';
import type { StepRecord, TrainEvent, TrainOutcome } from '../../src-shared/step-record.js';
import { train } from './train.js';

type ControlEvent = Extract<TrainEvent, { kind: 'control' }>;

async function record(input: RunConfigInput): Promise<{ steps: StepRecord[]; events: TrainEvent[]; outcome: TrainOutcome }> {
  const config = validateRunConfig({ backend: 'wasm', ...input });
  if (!config.ok) throw new Error(config.error.message);
  const steps: StepRecord[] = [];
  const events: TrainEvent[] = [];
  const outcome = await train(config.value, { onStep: (r) => steps.push(r), onEvent: (e) => events.push(e), shouldStop: () => false });
  return { steps, events, outcome };
}

const SMALL = { model: { dModel: 16, nLayers: 1, nHeads: 2 }, promptsPerRollout: 4, groupSize: 4, completionLength: 8, evalPrompts: 4, minibatchesPerRollout: 4 } as const;
const CONTROLLED = { ...SMALL, objective: { preset: 'hmpo' }, totalSteps: 24, seed: 3, optimizer: { learningRate: 0.004 }, controller: { learningRate: true, clipEpsilon: true, powerP: true, dwellSteps: 3, minRelativeChange: 0.01 } } as const;

const controlEvents = (events: readonly TrainEvent[]) => events.filter((e): e is ControlEvent => e.kind === 'control');

/** The value of `knob` in force at each step, replayed from the events (a change at step s acts from s + 1). */
function inForce(events: readonly ControlEvent[], knob: string, initial: number, steps: number): number[] {
  let value = initial;
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    out.push(value);
    for (const e of events.filter((ev) => ev.step === s)) for (const c of e.changes) if (c.knob === knob) value = c.to;
  }
  return out;
}

describe('a controlled run trains with what its control events say', () => {
  it('learning rate, clip scale and p follow the events, step by step', async () => {
    const { steps, events, outcome } = await record(CONTROLLED);
    expect(outcome).toEqual({ status: 'finished', steps: 24 });
    const control = controlEvents(events);
    const knobs = new Set(control.flatMap((e) => e.changes.map((c) => c.knob)));
    // Exploration (too few losses for a phase) maps to p = 0.6; small A0-H0 spreads ask for a smaller clip.
    expect([...knobs].sort()).toEqual(['clip_epsilon', 'learning_rate', 'power_p']);
    const lr = inForce(control, 'learning_rate', 1, steps.length);
    const eps = inForce(control, 'clip_epsilon', 1, steps.length);
    const p = inForce(control, 'power_p', -1, steps.length);
    for (const s of steps) {
      expect(s.metrics['optim/learning_rate'], `step ${s.step}`).toBeCloseTo(0.004 * lr[s.step]!, 12);
      expect(s.metrics['control/lr_multiplier'], `step ${s.step}`).toBe(lr[s.step]);
      expect(s.metrics['control/eps_multiplier'], `step ${s.step}`).toBe(eps[s.step]);
      // objective/p is read off the objective the loss actually used.
      expect(s.metrics['objective/p'], `step ${s.step}`).toBeCloseTo(p[s.step]!, 6); // float32 on the device
      expect(s.metrics['control/changes']).toBe(control.filter((e) => e.step === s.step).reduce((n, e) => n + e.changes.length, 0));
    }
    expect(p[0]).toBe(-1);
    expect(p[1]).toBeCloseTo(0.6, 12);
    // Multipliers stay within [1/maxMultiplier, maxMultiplier] = [0.5, 2].
    const multipliers = control.flatMap((e) => e.changes.filter((c) => c.knob !== 'power_p').map((c) => c.to));
    expect(Math.min(...multipliers)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...multipliers)).toBeLessThanOrEqual(2);
  });

  it('is reproducible from its seed: the same seed twice gives identical control events', async () => {
    const [a, b] = [await record(CONTROLLED), await record(CONTROLLED)];
    expect(controlEvents(a.events).length).toBeGreaterThan(0);
    expect(controlEvents(b.events)).toEqual(controlEvents(a.events));
  });

  it('early stopping ends the run as finished when the detector says so', async () => {
    // One minibatch per rollout: every ratio is 1, A0 = H0, so the rate is 1 and after 20 steps the
    // detector reports full convergence.
    const { steps, events, outcome } = await record({ ...SMALL, minibatchesPerRollout: 1, objective: { preset: 'hmpo' }, totalSteps: 40, controller: { earlyStop: true } });
    expect(outcome).toEqual({ status: 'finished', steps: 20 });
    expect(steps).toHaveLength(20);
    const stop = controlEvents(events);
    expect(stop).toEqual([{ kind: 'control', step: 19, changes: [{ knob: 'early_stop', from: 0, to: 1 }], phase: expect.any(String), convergenceRate: 1, reason: 'agm_full_convergence' }]);
  });

  it('a config stored before the controller field existed trains uncontrolled', async () => {
    const config = validateRunConfig({ backend: 'wasm', ...SMALL, totalSteps: 2 });
    if (!config.ok) throw new Error(config.error.message);
    const { controller: _dropped, ...older } = config.value;
    const events: TrainEvent[] = [];
    const outcome = await train(older as typeof config.value, { onStep: () => {}, onEvent: (e) => events.push(e), shouldStop: () => false });
    expect(outcome).toEqual({ status: 'finished', steps: 2 });
    expect(controlEvents(events)).toEqual([]);
  });

  it('with every switch off nothing is controlled or recorded', async () => {
    const { steps, events } = await record({ ...SMALL, objective: { preset: 'hmpo' }, totalSteps: 4 });
    expect(controlEvents(events)).toEqual([]);
    for (const s of steps) expect(Object.keys(s.metrics).filter((k) => k.startsWith('control/'))).toEqual([]);
  });
});
