/**
 * RunConfig validation: defaults, good configs, and each class of bad value rejected with a message
 * that names the field, the value and what to do (these messages appear in the GUI form too).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, derived, validateRunConfig, INVALID_RUN_CONFIG } from './run-config.js';
import { OBJECTIVE_PRESETS, resolveObjective } from './objective-config.js';
import { TASK_NAMES } from './tasks.js';

function rejection(input: unknown): string {
  const result = validateRunConfig(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  expect(result.error.code).toBe(INVALID_RUN_CONFIG);
  return result.error.message;
}

describe('validateRunConfig accepts good configs', () => {
  it('fills every default from an empty config', () => {
    const result = validateRunConfig({});
    expect(result.ok && result.value).toEqual(DEFAULT_RUN_CONFIG);
    expect(DEFAULT_RUN_CONFIG.minibatchesPerRollout).toBe(4); // objectives.md section 1 (GSPO paper default)
    expect(DEFAULT_RUN_CONFIG.epochsPerRollout).toBe(1);
    expect(DEFAULT_RUN_CONFIG.advantage).toEqual({ mode: 'group', ddof: 1, epsilon: 1e-4, floor: 1e-8, logStd: false });
    expect(DEFAULT_RUN_CONFIG.qkClip).toMatchObject({ enabled: false, tau: 100, alpha: 0.5, granularity: 'head' });
  });

  it('accepts every preset on every task and keeps nested defaults when one field is given', () => {
    for (const preset of OBJECTIVE_PRESETS) {
      for (const task of TASK_NAMES) {
        expect(validateRunConfig({ task, objective: { preset } }).ok, `${preset} on ${task}`).toBe(true);
      }
    }
    const result = validateRunConfig({ model: { nLayers: 3 }, optimizer: { name: 'muon' }, qkClip: { enabled: true, tau: 5 } });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.model).toEqual({ dModel: 64, nLayers: 3, nHeads: 4, mlpRatio: 4 });
      expect(result.value.optimizer.learningRate).toBe(DEFAULT_RUN_CONFIG.optimizer.learningRate);
      expect(result.value.qkClip).toMatchObject({ enabled: true, tau: 5, alpha: 0.5 });
    }
  });

  it('keeps the objective as written (preset + overrides) so presets can be swept', () => {
    const result = validateRunConfig({ objective: { preset: 'power', p: -0.5 } });
    expect(result.ok && result.value.objective).toEqual({ preset: 'power', p: -0.5 });
    expect(result.ok && resolveObjective(result.value.objective).mean).toEqual({ kind: 'power', p: -0.5 });
  });

  it('accepts the log advantage on a positive-reward task', () => {
    expect(validateRunConfig({ task: 'long-tail', advantage: { mode: 'log' } }).ok).toBe(true);
  });

  it('derives batch sizes once', () => {
    expect(derived(DEFAULT_RUN_CONFIG)).toEqual({ sequencesPerRollout: 64, minibatchSize: 16, stepsPerRollout: 4, headDim: 16 });
  });
});

describe('validateRunConfig rejects bad configs with actionable messages', () => {
  it('not an object', () => {
    expect(rejection(5)).toMatch(/^config: expected object, got 5/);
    expect(rejection([1])).toMatch(/^config: expected object/);
  });

  it('unknown keys, with a did-you-mean at the right depth', () => {
    expect(rejection({ sed: 1 })).toMatch(/^sed: unknown key; did you mean 'seed'\?/);
    expect(rejection({ optimizer: { lerningRate: 0.1 } })).toMatch(/optimizer\.lerningRate: unknown key; did you mean 'learningRate'/);
    expect(rejection({ learningRate: 0.1 })).toMatch(/learningRate: unknown key; did you mean 'optimizer\.learningRate'\? \(it is nested there\)/);
    expect(rejection({ zzzzzz: 1 })).toMatch(/zzzzzz: unknown key; known keys: name, task/);
  });

  it('wrong types name the expected type, the value and the field doc', () => {
    const message = rejection({ seed: 'x' });
    expect(message).toMatch(/^seed: expected number, got "x"\./);
    expect(message).toMatch(/Random seed/);
    expect(message).toMatch(/Default: 0\./);
  });

  it('out-of-range values give the bound and the value', () => {
    expect(rejection({ groupSize: 1 })).toMatch(/^groupSize: must be >= 2 \(got 1\)/);
    expect(rejection({ totalSteps: 0 })).toMatch(/^totalSteps: must be >= 1 \(got 0\)/);
    expect(rejection({ temperature: 0 })).toMatch(/^temperature: must be > 0 \(got 0\)/);
    expect(rejection({ model: { dModel: 4 } })).toMatch(/^model\.dModel: must be >= 8 \(got 4\)/);
    expect(rejection({ qkClip: { alpha: 1.5 } })).toMatch(/^qkClip\.alpha: must be <= 1 \(got 1\.5\)/);
    expect(rejection({ objective: { preset: 'gmpo', tokenClip: -1 } })).toMatch(/objective\.tokenClip: tokenClip must be > 0 \(got -1\)/);
    expect(rejection({ objective: { preset: 'power', p: 7 } })).toMatch(/objective\.p: p must be <= 4 \(got 7\)/);
  });

  it('whole numbers where counts are expected', () => {
    expect(rejection({ totalSteps: 1.5 })).toMatch(/^totalSteps: expected int, got 1\.5/);
  });

  it('unknown enum values list the choices', () => {
    expect(rejection({ objective: { preset: 'hmp' } })).toMatch(/objective\.preset: "hmp" is not one of grpo, gspo, gmpo, hmpo, amp, power, learnable, agm/);
    expect(rejection({ task: 'chess' })).toMatch(/task: "chess" is not one of pattern-dense/);
    expect(rejection({ backend: 'gpu' })).toMatch(/backend: "gpu" is not one of auto, node-gpu, node, wasm, cpu/);
  });

  it('cross-field problems say what to change', () => {
    expect(rejection({ model: { dModel: 30 } })).toMatch(/model\.dModel: dModel 30 is not divisible by nHeads 4; pick a multiple of nHeads such as 32/);
    expect(rejection({ promptsPerRollout: 3, groupSize: 3, minibatchesPerRollout: 4 })).toMatch(/a rollout of 9 sequences .* does not split into 4 equal minibatches/);
    expect(rejection({ task: 'copy', promptLength: 12, completionLength: 8 })).toMatch(/completionLength: task 'copy' with promptLength 12 needs completions of at least 12 tokens/);
    expect(rejection({ task: 'add', promptLength: 2 })).toMatch(/promptLength: task 'add' needs a prompt of at least 3 tokens \(got 2\)/);
    expect(rejection({ advantage: { mode: 'log' } })).toMatch(/the log advantage needs strictly positive rewards, but task 'pattern-dense' can give rewards <= 0/);
  });

  it('knobs that the chosen preset ignores are refused, not silently dropped', () => {
    expect(rejection({ objective: { preset: 'gspo', aggregation: 'token-mean' } })).toMatch(/objective\.aggregation: aggregation applies only to the token-level preset grpo/);
    expect(rejection({ objective: { preset: 'grpo', tokenClip: 0.4 } })).toMatch(/objective\.tokenClip: tokenClip applies only to sequence-level presets/);
    expect(rejection({ objective: { preset: 'grpo', p: 1 } })).toMatch(/objective\.p: p does not apply to preset 'grpo'/);
    expect(rejection({ objective: { preset: 'learnable', p: 1 } })).toMatch(/use pInit for the starting value/);
    expect(rejection({ objective: { preset: 'hmpo', agmIterations: 3 } })).toMatch(/agmIterations applies only to the 'agm' preset/);
    expect(rejection({ objective: { preset: 'gmpo', seqClipLow: 0.1 } })).toMatch(/seqClipLow and seqClipHigh must be set together/);
    expect(rejection({ objective: { preset: 'learnable', pInit: 3 } })).toMatch(/pMin < pInit < pMax \(got -2 < 3 < 2\)/);
  });

  it('the controller is off by default and sets p only for power-mean presets', () => {
    const defaults = validateRunConfig({});
    expect(defaults.ok && defaults.value.controller).toMatchObject({ learningRate: false, clipEpsilon: false, powerP: false, earlyStop: false });
    const grpo = validateRunConfig({ objective: { preset: 'grpo' }, controller: { powerP: true } });
    expect(!grpo.ok && grpo.error.message).toMatch(/^controller\.powerP: .*preset 'grpo' does not have/);
    expect(validateRunConfig({ objective: { preset: 'hmpo' }, controller: { powerP: true } }).ok).toBe(true);
    const bad = validateRunConfig({ controller: { maxMultiplier: 0.5 } });
    expect(!bad.ok && bad.error.message).toMatch(/controller\.maxMultiplier: must be >= 1/);
  });

  it('reports every problem, one per line', () => {
    const lines = rejection({ seed: -1, groupSize: 0, foo: 1 }).split('\n');
    expect(lines).toHaveLength(3);
  });
});

describe('resolveObjective applies the spec preset table', () => {
  it.each([
    ['grpo', 'token', null, null],
    ['gspo', 'sequence', null, 3e-4],
    ['gmpo', 'sequence', 0.4, null],
    ['hmpo', 'sequence', 0.4, null],
    ['amp', 'sequence', 0.4, null],
    ['power', 'sequence', 0.4, null],
    ['learnable', 'sequence', 0.4, null],
    ['agm', 'sequence', 0.4, null],
  ] as const)('%s', (preset, level, tokenClip, seqClipLow) => {
    const o = resolveObjective({ preset });
    expect(o.level).toBe(level);
    expect(o.tokenClip).toBe(tokenClip);
    expect(o.seqClipLow).toBe(seqClipLow);
    expect(o.clipHigh).toBe(0.2); // defaults to clipLow
  });

  it('sets each preset mean and lets knobs override', () => {
    expect(resolveObjective({ preset: 'hmpo' }).mean).toEqual({ kind: 'power', p: -1 });
    expect(resolveObjective({ preset: 'amp' }).mean).toEqual({ kind: 'power', p: 1 });
    expect(resolveObjective({ preset: 'power' }).mean).toEqual({ kind: 'power', p: 0.5 });
    expect(resolveObjective({ preset: 'gspo' }).seqClipHigh).toBe(4e-4);
    expect(resolveObjective({ preset: 'grpo', clipLow: 0.2, clipHigh: 0.28 }).clipHigh).toBe(0.28);
    expect(resolveObjective({ preset: 'hmpo', tokenClip: null }).tokenClip).toBeNull();
  });

  it('lists cross-field problems together with the fields\' own problems (issue 11)', () => {
    const result = validateRunConfig({ groupSize: 1, model: { dModel: 30 } });
    expect(result.ok).toBe(false);
    const lines = !result.ok ? result.error.message.split('\n') : [];
    expect(lines.some((l) => l.startsWith('groupSize: '))).toBe(true);
    expect(lines).toContain('model.dModel: dModel 30 is not divisible by nHeads 4; pick a multiple of nHeads such as 32');
    // A rule that reads an invalid field is not judged on the default that stands in for it.
    expect(lines.some((l) => l.startsWith('minibatchesPerRollout: '))).toBe(false);
  });
});
