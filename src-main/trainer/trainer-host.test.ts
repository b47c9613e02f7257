/**
 * The trainer host with real child processes: steps stream in order, a graceful stop ends the run as
 * 'stopped', and a killed child is reported as crashed with its signal (never as alive or finished).
 */
import { describe, expect, it } from 'vitest';
import { validateRunConfig, type RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { startTrainer } from './trainer-host.js';

function tiny(totalSteps: number): RunConfig {
  const result = validateRunConfig({ backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, totalSteps });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('trainer host', () => {
  it('runs a config in a child process and streams every step in order', async () => {
    const steps: StepRecord[] = [];
    let backend = '';
    const trainer = startTrainer(tiny(5), { onStarted: (info) => (backend = info.backend), onStep: (r) => steps.push(r) });
    expect(trainer.pid).toBeGreaterThan(0);
    expect(await trainer.exited).toEqual({ kind: 'outcome', outcome: { status: 'finished', steps: 5 } });
    expect(backend).toBe('wasm');
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a graceful stop ends the run as stopped after the current step', async () => {
    const steps: number[] = [];
    const trainer = startTrainer(tiny(10_000), {
      onStep: (r) => {
        steps.push(r.step);
        if (r.step === 2) trainer.stop(); // runs later, once `trainer` is assigned
      },
    });
    const exit = await trainer.exited;
    expect(exit.kind).toBe('outcome');
    expect(exit.kind === 'outcome' && exit.outcome.status).toBe('stopped');
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps.length).toBeLessThan(10);
  });

  it('a child killed mid-run is reported as crashed with its signal', async () => {
    const trainer = startTrainer(tiny(10_000), { onStep: (r) => r.step === 1 && trainer.kill() });
    expect(await trainer.exited).toEqual({ kind: 'crashed', exitCode: null, signal: 'SIGKILL' });
  });
});
