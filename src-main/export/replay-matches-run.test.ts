/**
 * The run phase and the offline replay decide alike: a controlled run's steps go through the
 * trainer's own controller (TrainerControl, as train.ts calls it) and, written as the AGM export
 * writes them, through the replay `hmpo-lab controllers` runs (settings from the run's run.json
 * config). Step for step the replay's decisions, put through the same closed-loop rules, make the
 * changes the run made: same knobs, same values, same phase. The sequence is 40 hand-made steps
 * whose loss falls then flattens, so the phase detector (20 losses) and the dwell (3) both matter.
 */
import { describe, expect, it } from 'vitest';
import { ClosedLoopController, type ControlChange } from '../../src-shared/controllers/closed-loop.js';
import { parseTelemetryLines, replayDecisions, settingsFromRunJson } from '../../src-shared/controllers/replay.js';
import { runBaseHyperparams } from '../../src-shared/controllers/run-suite-settings.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import { resolveObjective } from '../../src-shared/objective-config.js';
import { validateRunConfig, type RunConfig } from '../../src-shared/run-config.js';
import { TrainerControl } from '../trainer/trainer-control.js';
import { TelemetryLineBuilder } from './agm-telemetry-line.js';

const STEPS = 40;

function config(): RunConfig {
  const parsed = validateRunConfig({ objective: { preset: 'hmpo' }, optimizer: { learningRate: 0.004 }, controller: { learningRate: true, clipEpsilon: true, powerP: true, dwellSteps: 3 } });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** Step s of a run: the A0-H0 gap opens and closes, the loss falls for 25 steps and then flattens. */
function recorded(s: number): MetricValues {
  const gap = 0.02 + 0.3 * Math.abs(Math.sin(s / 5));
  return {
    'ratio/a0': 1 + gap / 2,
    'ratio/h0': 1 - gap / 2,
    'losses/policy_loss': s < 25 ? 0.5 - 0.04 * s : -0.5 + 0.0001 * Math.cos(s),
    'charts/reward_mean': 0.1 + 0.01 * s,
    'charts/reward_std': 0.2,
  };
}

describe('replaying a run\'s telemetry gives the decisions the run got', () => {
  it('the same changes at the same steps, with the run\'s base hyperparameters, dwell and loss window', () => {
    const run = config();
    const control = TrainerControl.forRun(run, resolveObjective(run.objective))!;
    const exporter = new TelemetryLineBuilder(run);
    const runChanges: { changes: readonly ControlChange[]; phase: string }[] = [];
    const lines: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      // As train.ts: the learning rate and multipliers in force during the step, then the decision.
      const metrics: MetricValues = { ...recorded(step), 'optim/learning_rate': control.learningRate, ...control.metricsInForce() };
      const { event } = control.afterStep({ step, wallTime: step, samples: null, metrics });
      runChanges.push(event?.kind === 'control' ? { changes: event.changes, phase: event.phase } : { changes: [], phase: '' });
      lines.push(JSON.stringify(exporter.build({ step, wallTime: step, samples: null, metrics })));
    }
    // The run did act, and on every knob: the comparison below is not of two empty lists.
    expect(new Set(runChanges.flatMap((r) => r.changes.map((c) => c.knob)))).toEqual(new Set(['learning_rate', 'clip_epsilon', 'power_p']));
    expect(new Set(runChanges.map((r) => r.phase).filter(Boolean)).size).toBeGreaterThan(1);

    const records = parseTelemetryLines(lines.join('\n'));
    const settings = settingsFromRunJson({ config: JSON.parse(JSON.stringify(run)) as unknown });
    expect(records.ok && settings.ok).toBe(true);
    if (!records.ok || !settings.ok) return;
    expect(settings.value).toEqual({ baseHyperparams: runBaseHyperparams(run), dwellSteps: 3 });
    const decisions = replayDecisions(records.value, settings.value);
    const loop = new ClosedLoopController(run.controller, -1, settings.value.baseHyperparams);
    const replayChanges = decisions.map((d) => {
      const { changes } = loop.apply(d);
      return { changes, phase: changes.length > 0 ? d.phase : '' };
    });
    expect(replayChanges).toEqual(runChanges);
    expect(decisions.every((d) => d.guardrails.dwell_steps === 3)).toBe(true);
  });
});
