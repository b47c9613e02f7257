/**
 * The launch form: generated from RunConfigSchema (every field with help and default), the values
 * <-> config round trip, validator messages placed at the field they name, seeds, and submission
 * through runs:start with main's refusal kept as data. Runs against the FakeApi; no DOM.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, RunConfigSchema } from '../../src-shared/run-config.js';
import {
  configFromValues,
  DEFAULT_FORM_VALUES,
  FORM_FIELDS,
  knobApplies,
  ownerOfPath,
  presetDefault,
  problemAtField,
  problemsFromMessage,
  rangeText,
  RUN_CONFIG_FORM,
  valuesFromConfig,
} from './config-form.js';
import { LaunchState, seedPlan } from './launch-state.svelte.js';
import { FakeApi } from './testing/fake-api.js';

describe('the form generated from RunConfigSchema', () => {
  it('has one field per config leaf, each with help text, and groups for the nested objects', () => {
    const groups = RUN_CONFIG_FORM.children.filter((c) => c.node === 'group').map((g) => g.path);
    expect(groups).toEqual(['model', 'objective', 'advantage', 'optimizer', 'qkClip', 'controller']);
    const topLevel = Object.keys(RunConfigSchema.shape).filter((k) => !groups.includes(k));
    for (const key of topLevel) expect(FORM_FIELDS.map((f) => f.path)).toContain(key);
    for (const field of FORM_FIELDS) expect(field.help.length, field.path).toBeGreaterThan(10);
  });

  it('knows kinds, defaults, bounds and options', () => {
    const byPath = new Map(FORM_FIELDS.map((f) => [f.path, f]));
    expect(byPath.get('task')).toMatchObject({ kind: 'enum', defaultValue: 'pattern-dense' });
    expect(byPath.get('task')!.options).toContain('add');
    expect(byPath.get('model.dModel')).toMatchObject({ kind: 'integer', defaultValue: 64, min: 8, max: 1024 });
    expect(byPath.get('optimizer.learningRate')).toMatchObject({ kind: 'number', defaultValue: 0.003 });
    expect(byPath.get('qkClip.enabled')).toMatchObject({ kind: 'boolean', defaultValue: false });
    expect(byPath.get('gradClip')).toMatchObject({ kind: 'number', nullable: true, defaultValue: 1 });
    expect(byPath.get('objective.preset')).toMatchObject({ kind: 'enum', defaultValue: 'grpo' });
    expect(byPath.get('objective.tokenClip')).toMatchObject({ kind: 'number', nullable: true, defaultValue: undefined });
  });

  it('round-trips the default config', () => {
    expect(DEFAULT_FORM_VALUES['model.dModel']).toBe('64');
    expect(DEFAULT_FORM_VALUES['objective.tokenClip']).toBe('');
    expect(RunConfigSchema.parse(configFromValues(DEFAULT_FORM_VALUES))).toEqual(DEFAULT_RUN_CONFIG);
  });

  it('prefills from a config and turns empty numbers into defaults and "off" into null', () => {
    const values = valuesFromConfig({ ...DEFAULT_RUN_CONFIG, objective: { preset: 'hmpo', tokenClip: null }, gradClip: null, optimizer: { ...DEFAULT_RUN_CONFIG.optimizer, name: 'muon' } });
    expect(values['objective.tokenClip']).toBeNull();
    expect(values['gradClip']).toBeNull();
    const config = configFromValues({ ...values, 'model.nLayers': '  ' });
    expect(config.objective).toEqual({ preset: 'hmpo', tokenClip: null });
    expect(config.gradClip).toBeNull();
    expect(config.optimizer?.name).toBe('muon');
    expect(config.model?.nLayers).toBeUndefined();
  });

  it('leaves out knobs the chosen preset does not read, as the validator would refuse them', () => {
    expect(knobApplies('grpo', 'clipHigh')).toBe(true);
    expect(knobApplies('hmpo', 'clipHigh')).toBe(false);
    expect(knobApplies('power', 'p')).toBe(true);
    expect(knobApplies('agm', 'p')).toBe(false);
    expect(knobApplies('learnable', 'pInit')).toBe(true);
    expect(knobApplies('gspo', 'seqClipHigh')).toBe(true);
    expect(knobApplies('grpo', 'klBeta')).toBe(true);
    const config = configFromValues({ ...DEFAULT_FORM_VALUES, 'objective.preset': 'hmpo', 'objective.clipHigh': '0.28', 'objective.tokenClip': '0.3' });
    expect(config.objective).toEqual({ preset: 'hmpo', tokenClip: 0.3 });
  });

  it('states ranges with open and closed ends, leaving out meaningless upper bounds', () => {
    const byPath = new Map(FORM_FIELDS.map((f) => [f.path, f]));
    expect(rangeText(byPath.get('promptLength')!)).toBe('[1, 64]');
    expect(rangeText(byPath.get('optimizer.learningRate')!)).toBe('(0, 1]');
    expect(rangeText(byPath.get('objective.maxCompletionLength')!)).toBe('> 0');
    expect(rangeText(byPath.get('name')!)).toBe('');
  });

  it("shows each knob's preset default", () => {
    expect(presetDefault('hmpo', 'p')).toBe('-1');
    expect(presetDefault('hmpo', 'tokenClip')).toBe('0.4');
    expect(presetDefault('grpo', 'dualClip')).toBe('off');
    expect(presetDefault('gspo', 'seqClipLow')).toBe('0.0003');
  });
});

describe('validation messages at their fields', () => {
  it('places each line of a validator message at the field its path names', () => {
    const problems = problemsFromMessage(
      [
        'model.dModel: dModel 60 is not divisible by nHeads 8; pick a multiple of nHeads such as 64',
        'groupSize: must be >= 2 (got 1). Completions sampled per prompt (G).',
        'objective.bogus: unknown key; known keys: preset, p',
        'config: expected object, got "x".',
      ].join('\n'),
    );
    expect(problems.all).toHaveLength(4);
    expect(problems.byPath.get('model.dModel')).toEqual(['model.dModel: dModel 60 is not divisible by nHeads 8; pick a multiple of nHeads such as 64']);
    expect(problems.byPath.get('groupSize')![0]).toMatch(/^groupSize: must be >= 2/);
    const groupSize = FORM_FIELDS.find((f) => f.path === 'groupSize')!;
    // Beside its field, the message drops the help and default the field already shows.
    expect(problemAtField(`groupSize: must be >= 2 (got 1). ${groupSize.help} Default: 8.`, groupSize)).toBe('groupSize: must be >= 2 (got 1).');
    // An unknown nested key belongs to its group; a root-level problem only to the summary.
    expect(problems.byPath.get('objective')![0]).toMatch(/^objective\.bogus/);
    expect(problems.byPath.has('config')).toBe(false);
    expect(ownerOfPath('optimizer.name')).toBe('optimizer.name');
    expect(ownerOfPath('nope')).toBeNull();
  });

  it('validates live as values change, naming the field', () => {
    const state = new LaunchState(new FakeApi());
    expect(state.validation.ok).toBe(true);
    expect(state.problems.all).toEqual([]);

    state.set('groupSize', '1');
    expect(state.validation.ok).toBe(false);
    expect(state.problemsAt('groupSize')[0]).toMatch(/^groupSize: must be >= 2/);
    expect(state.canSubmit).toBe(false);

    state.set('groupSize', '8');
    state.set('model.nHeads', '3');
    expect(state.problemsAt('model.dModel')[0]).toMatch(/not divisible by nHeads 3/);

    state.set('model.nHeads', '4');
    state.set('promptLength', 'eight');
    expect(state.problemsAt('promptLength')[0]).toMatch(/^promptLength: expected number, got "eight"/);

    state.set('promptLength', '8');
    state.set('advantage.mode', 'log');
    expect(state.problemsAt('advantage.mode')[0]).toMatch(/log advantage needs strictly positive rewards/);
    state.set('task', 'long-tail');
    expect(state.validation.ok).toBe(true);
  });
});

describe('launching', () => {
  it('plans N consecutive seeds from the config seed', () => {
    expect(seedPlan('3', 5)).toEqual({ ok: true, seeds: [5, 6, 7] });
    expect(seedPlan('0', 0).ok).toBe(false);
    expect(seedPlan('2.5', 0).ok).toBe(false);
    expect(seedPlan('101', 0).ok).toBe(false);
  });

  it('starts one run per seed through runs:start', async () => {
    const api = new FakeApi();
    const state = new LaunchState(api);
    state.set('objective.preset', 'hmpo');
    state.set('seed', '10');
    state.seedCount = '3';
    const runIds = await state.submit();
    expect(runIds).toHaveLength(3);
    const [request] = api.callsTo('runs:start');
    expect(request!.seeds).toEqual([10, 11, 12]);
    expect(request!.config.objective).toEqual({ preset: 'hmpo' });
    expect(state.launched).toEqual(runIds);
  });

  it("keeps main's refusal as data and shows it at the named field", async () => {
    const api = new FakeApi().handle('runs:start', () => ({ ok: false, error: { code: 'INVALID_RUN_CONFIG', message: 'totalSteps: too many steps for this machine (got 200); lower it' } }));
    const state = new LaunchState(api);
    expect(await state.submit()).toBeNull();
    expect(state.submitError?.code).toBe('INVALID_RUN_CONFIG');
    expect(state.submitProblems.all).toHaveLength(1);
    expect(state.problemsAt('totalSteps')[0]).toMatch(/too many steps/);
    state.set('totalSteps', '100');
    expect(state.submitError).toBeNull();
  });

  it('does not submit an invalid form', async () => {
    const api = new FakeApi();
    const state = new LaunchState(api);
    state.set('temperature', '-1');
    expect(await state.submit()).toBeNull();
    expect(api.callsTo('runs:start')).toHaveLength(0);
  });

  it('prefills from a cloned config and resets to defaults', () => {
    const state = new LaunchState(new FakeApi());
    state.prefill({ ...DEFAULT_RUN_CONFIG, task: 'copy', objective: { preset: 'power', p: 0.25 } }, 'run 7');
    expect(state.values['task']).toBe('copy');
    expect(state.values['objective.p']).toBe('0.25');
    expect(state.origin).toBe('run 7');
    expect(state.configInput.objective).toEqual({ preset: 'power', p: 0.25 });
    state.reset();
    expect(state.values).toEqual(DEFAULT_FORM_VALUES);
  });
});
