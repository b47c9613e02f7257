/**
 * The sweep builder: objective axis first (a power cell per p), the optimizer x QK-clip root-merge
 * axis at a tau, an extra axis, the same seeds for every cell, input problems at their inputs, the
 * live preview through sweeps:preview (stale answers dropped), and the built-in plans of src-shared.
 */
import { describe, expect, it } from 'vitest';
import type { SweepPreview } from '../../src-shared/contract.js';
import { optimizerClipAxis } from '../../src-shared/plans/optimizer-clip-axis.js';
import { planSpec } from '../../src-shared/plans/plans.js';
import { draftSweep, objectiveAxis, parseAxisValue, parseSeeds, type SweepChoices } from './sweep-plan.js';
import { SweepState, sweepProgress } from './sweep-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';

const base = { task: 'copy' as const, totalSteps: 100 };
const HAND_BUILT: SweepChoices = { name: '', presets: new Set(['gspo', 'hmpo', 'power']), powerPs: '1, 0', seedMode: 'list', seedCount: '3', seedList: '0, 1, 2', muonClip: false, extraPath: '', extraValues: '' };
const choices = (overrides: Partial<SweepChoices>): SweepChoices => ({ ...HAND_BUILT, ...overrides });

describe('sweep plan', () => {
  it("a plan is src-shared's plan over the form config: the same axes and seeds as hmpo-lab sweep --plan", () => {
    for (const plan of ['methods', 'mean-ablation', 'stress'] as const) {
      const draft = draftSweep(choices({ plan }), base);
      expect(draft.ok).toBe(true);
      if (!draft.ok) return;
      const shared = planSpec(plan, { base, seeds: [0, 1, 2] });
      expect(draft.axes).toEqual(shared.axes);
      expect(draft.base ?? base).toEqual(shared.base);
    }
    const ablation = draftSweep(choices({ plan: 'mean-ablation' }), base);
    expect(ablation.ok && ablation.count).toBe(15);
  });

  it('QK-clip arms need a tau: the plan and the hand-built axis ask for it at the tau input', () => {
    const missing = draftSweep(choices({ plan: 'seed', tau: '' }), base);
    expect(!missing.ok && missing.problems.map((p) => p.input)).toEqual(['tau']);
    const seed = draftSweep(choices({ plan: 'seed', tau: '4.5' }), base);
    expect(seed.ok && seed.count).toBe(7 * 4 * 3);
    const byHand = draftSweep(choices({ muonClip: true, tau: '4.5' }), base);
    expect(byHand.ok && byHand.axes[1]).toEqual(optimizerClipAxis(4.5));
    expect(draftSweep(choices({ muonClip: true, tau: 'x' }), base).ok).toBe(false);
  });

  it('previews a plan through sweeps:preview when it is applied in one click, and goes back to hand-built', async () => {
    const api = new FakeApi();
    const state = new SweepState(api);
    state.applyPlan('methods');
    const spec = state.specFor(base)!;
    expect(spec.name).toBe('Methods plan');
    expect(spec.seeds).toEqual(planSpec('methods').seeds);
    expect(spec.axes[0]!.labels).toEqual(['grpo', 'gspo', 'gmpo', 'hmpo']);
    await state.refreshPreview(spec);
    expect(state.preview?.count).toBe(12);
    expect(api.callsTo('sweeps:preview')).toHaveLength(1);
    state.clearPlan();
    expect(state.specFor(base)!.axes[0]!.labels).toEqual(['grpo', 'gspo', 'hmpo']);
  });

  it('uses the preset p when no power values are given, and carries knobs only where they apply', () => {
    const axis = objectiveAxis(new Set(['grpo', 'hmpo', 'power']), [], { preset: 'grpo', klBeta: 0.01, clipHigh: 0.28, p: 3 });
    expect(axis.values).toEqual([
      { preset: 'grpo', klBeta: 0.01, clipHigh: 0.28 },
      { preset: 'hmpo', klBeta: 0.01 },
      { preset: 'power', klBeta: 0.01 },
    ]);
  });

  it('adds an extra axis on any dotted path, values parsed as JSON when they can be', () => {
    const draft = draftSweep(choices({ presets: new Set(['hmpo']), seedMode: 'count', seedCount: '2', extraPath: 'optimizer.learningRate', extraValues: '0.001, 0.003' }), base);
    expect(draft.ok && draft.axes[1]).toEqual({ path: 'optimizer.learningRate', values: [0.001, 0.003], labels: ['learningRate=0.001', 'learningRate=0.003'] });
    expect(draft.ok && draft.count).toBe(4);
    expect(draft.ok && draft.seeds).toEqual([0, 1]);
    expect(parseAxisValue('true')).toBe(true);
    expect(parseAxisValue('copy')).toBe('copy');
  });

  it('names the input each problem belongs to', () => {
    const draft = draftSweep(choices({ presets: new Set(), powerPs: '1, x', seedList: '0, -1', extraPath: 'bad path', extraValues: '1' }), base);
    expect(draft.ok).toBe(false);
    if (draft.ok) return;
    expect(draft.problems.map((p) => p.input)).toEqual(['presets', 'powerPs', 'seeds', 'extra']);
    expect(draftSweep(choices({ extraPath: 'seed', extraValues: '1, 2' }), base).ok).toBe(false);
    expect(draftSweep(choices({ extraPath: 'optimizer.beta1', extraValues: '' }), base).ok).toBe(false);
    expect(parseSeeds('list', '', '3, 3, 5')).toEqual({ ok: true, seeds: [3, 5] });
    expect(parseSeeds('count', '0', '').ok).toBe(false);
  });
});

describe('SweepState', () => {
  it('keeps only the newest preview answer', async () => {
    const api = new FakeApi();
    const answers: ((preview: SweepPreview) => void)[] = [];
    api.handle('sweeps:preview', () => new Promise((resolve) => answers.push((value) => resolve({ ok: true, value }))));
    const state = new SweepState(api);
    const spec = state.specFor(base)!;
    const first = state.refreshPreview(spec);
    const second = state.refreshPreview(spec);
    answers[1]!({ count: 9, cells: [], seeds: [0, 1, 2] });
    await second;
    answers[0]!({ count: 1, cells: [], seeds: [0] });
    await first;
    expect(state.preview?.count).toBe(9);
    expect(state.previewing).toBe(false);
  });

  it("shows main's preview refusal as data", async () => {
    const api = new FakeApi().handle('sweeps:preview', () => ({ ok: false, error: { code: 'INVALID_RUN_CONFIG', message: 'cell hmpo: groupSize: must be >= 2' } }));
    const state = new SweepState(api);
    await state.refreshPreview(state.specFor(base));
    expect(state.preview).toBeNull();
    expect(state.previewError?.message).toMatch(/groupSize/);
  });

  it('has no spec while the inputs have problems', async () => {
    const state = new SweepState(new FakeApi());
    state.togglePreset('grpo', false);
    state.togglePreset('gspo', false);
    state.togglePreset('hmpo', false);
    expect(state.specFor(base)).toBeNull();
    expect(state.problemsAt(base, 'presets')[0]).toMatch(/choose at least one/);
    expect(await state.start(base)).toBe(false);
  });

  it('starts the sweep, follows its runs, and stops the unfinished ones', async () => {
    const api = new FakeApi();
    const state = new SweepState(api);
    state.seedCount = '2';
    expect(await state.start(base)).toBe(true);
    expect(state.started?.runIds).toHaveLength(6);
    const runs = new Map(api.runs.map((run) => [run.id, run]));
    const [a, b] = state.started!.runIds;
    runs.set(a!, makeRun({ id: a!, status: 'finished' }));
    runs.set(b!, makeRun({ id: b!, status: 'running' }));
    expect(sweepProgress(state.started!.runIds, runs)).toEqual({ total: 6, ended: 1, byStatus: { finished: 1, running: 1, queued: 4 } });
    await state.stopStarted(runs);
    expect(api.callsTo('runs:stop').map((r) => r.runId)).toHaveLength(5);
    expect(state.startError).toBeNull();
  });
});
