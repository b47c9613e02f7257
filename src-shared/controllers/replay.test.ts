/**
 * The offline replay's input checks, in process: every kind of bad telemetry line is refused with
 * a message naming the line and the field, before any decision is made; good lines replay through
 * one fresh suite.
 */
import { describe, expect, it } from 'vitest';
import { parseBaseHyperparams, parseTelemetryLines, replayDecisions, settingsFromRunJson, settingsFromTelemetry } from './replay.js';
import { DEFAULT_RUN_SUITE_SETTINGS } from './run-suite-settings.js';

const record = (step: number, extra: Record<string, unknown> = {}) => ({ step, agm: { arithmetic_history: [1.01], harmonic_history: [0.99] }, rl: { td: { mean: 0, var: 0 }, q: { rel_change: 0 }, reward: { train_mean: 0.1, eval_mean: 0.1 } }, ...extra });
const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

describe('parseTelemetryLines', () => {
  it.each<[string, string, RegExp]>([
    ['no records', '\n\n', /holds no records/],
    ['invalid JSON', jsonl(record(0), '{"step": 1,'), /^line 2 is not valid JSON/],
    ['steps out of order', jsonl(record(1), record(1)), /^line 2: step 1 does not follow step 1/],
    ['a negative step', jsonl(record(-1)), /^line 1: step: must be >= 0/],
    ['a fractional step', jsonl(record(0.5)), /^line 1: step: expected int, got 0.5/],
    ['no agm', jsonl({ step: 0, rl: record(0).rl }), /^line 1: agm: expected object/],
    ['one history empty', jsonl(record(0, { agm: { arithmetic_history: [1], harmonic_history: [] } })), /^line 1: agm: arithmetic_history and harmonic_history must both be empty or both non-empty/],
    ['a null in a history', jsonl(record(0, { agm: { arithmetic_history: [null], harmonic_history: [1] } })), /^line 1: agm\.arithmetic_history\.0: expected number/],
    ['no rl', jsonl({ step: 0, agm: record(0).agm }), /^line 1: rl: expected object/],
    ['a negative td variance', jsonl(record(0, { rl: { ...record(0).rl, td: { mean: 0, var: -1 } } })), /^line 1: rl\.td\.var: must be >= 0/],
    ['a clip rate over 1', jsonl(record(0, { muon_clip: { active: true, clip_rate: 1.5 } })), /^line 1: muon_clip\.clip_rate: must be <= 1/],
  ])('refuses %s', (_name, text, message) => {
    const parsed = parseTelemetryLines(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.message).toMatch(message);
      expect(parsed.error.message).not.toContain('\n');
    }
  });

  it('accepts empty histories (before the first step) and ignores extra keys', () => {
    const parsed = parseTelemetryLines(jsonl(record(0, { agm: { arithmetic_history: [], harmonic_history: [] }, hmpo: { x: 1 } }), record(3)));
    expect(parsed.ok && parsed.value.map((r) => r.step)).toEqual([0, 3]);
    const decisions = parsed.ok ? replayDecisions(parsed.value) : [];
    // No history yet: the neutral rate 0.5, as the Python suite.
    expect(decisions.map((d) => d.convergence_rate)).toEqual([0.5, 1 - 0.02 / 2.00000001]);
  });
});

describe('parseBaseHyperparams', () => {
  it('fills AGM_Training defaults and refuses what BaseHyperparams refuses', () => {
    expect(parseBaseHyperparams({ learning_rate: 0.003 })).toEqual({ ok: true, value: { learning_rate: 0.003, epsilon: 0.1, batch_size: 256, agm_iterations: 5 } });
    const bad = parseBaseHyperparams({ epsilon: 2, batch_size: 1.5 });
    expect(!bad.ok && bad.error.message).toMatch(/epsilon: must be <= 1[\s\S]*batch_size: expected int, got 1.5/);
  });
});

describe('the replay\'s run settings', () => {
  it('come from run.json\'s config (the run\'s own values and dwell), refusing a run.json without a valid one', () => {
    const settings = settingsFromRunJson({ config: { objective: { preset: 'hmpo' }, optimizer: { learningRate: 0.002 }, controller: { dwellSteps: 7 } } });
    expect(settings.ok && settings.value).toMatchObject({ baseHyperparams: { learning_rate: 0.002, epsilon: 0.4, agm_iterations: 5 }, dwellSteps: 7 });
    expect(settingsFromRunJson({ run_id: '1' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^has no "config"/) as unknown } });
    const bad = settingsFromRunJson({ config: { groupSize: -1 } });
    expect(!bad.ok && bad.error.message).toMatch(/^config: groupSize/);
  });

  it('else come from the first record\'s ext.hyperparams, with the default dwell', () => {
    const hyperparams = { learning_rate: 0.003, epsilon: 0.2, batch_size: 16, agm_iterations: 5 };
    expect(settingsFromTelemetry([record(0, { ext: { hyperparams } }) as never])).toEqual({ baseHyperparams: hyperparams, dwellSteps: 5 });
    expect(settingsFromTelemetry([record(0) as never])).toEqual(DEFAULT_RUN_SUITE_SETTINGS);
  });
});
