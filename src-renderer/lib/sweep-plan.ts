/**
 * How the sweep builder's choices become a SweepSpec: either a built-in plan (src-shared/plans,
 * the same ones as `hmpo-lab sweep --plan`), or the objective axis first (each preset a cell; a
 * power cell per p), an optional optimizer x QK-clip axis (AdamW, AdamW + QK-clip, Muon,
 * Muon + QK-clip at one tau), an optional extra axis on any dotted path; and ONE seed list shared
 * by every cell so comparisons are paired. Pure functions; SweepState holds the inputs.
 */
import type { SweepSpec } from '../../src-shared/contract.js';
import { OBJECTIVE_PRESETS, type ObjectiveInput, type ObjectivePreset } from '../../src-shared/objective-config.js';
import type { RunConfigInput } from '../../src-shared/run-config.js';
import { optimizerClipAxis, type SweepAxis } from '../../src-shared/plans/optimizer-clip-axis.js';
import { DEFAULT_PLAN_SEEDS, planSpec, planSweepName, PLAN_INFO, type PlanName } from '../../src-shared/plans/plans.js';
import { knobApplies } from './config-form.js';

export type { SweepAxis };

/** What the builder's inputs say, before they are checked. */
export interface SweepChoices {
  readonly name: string;
  readonly presets: ReadonlySet<ObjectivePreset>;
  /** Comma-separated p values for the power cell; empty means the preset's own p. */
  readonly powerPs: string;
  readonly seedMode: 'count' | 'list';
  readonly seedCount: string;
  readonly seedList: string;
  readonly muonClip: boolean;
  readonly extraPath: string;
  readonly extraValues: string;
  /** A built-in plan replaces the mean types, MuonClip and extra axis inputs; null: build by hand. */
  readonly plan?: PlanName | null;
  /** QK-clip tau for the optimizer x QK-clip arms (measure it with hmpo-lab calibrate-tau). */
  readonly tau?: string;
}

/** Which builder input a problem belongs to, so it is shown there. */
export type SweepInput = 'presets' | 'powerPs' | 'seeds' | 'extra' | 'tau';

export interface SweepProblem {
  readonly input: SweepInput;
  readonly message: string;
}

export type SweepDraft =
  | { readonly ok: true; readonly axes: readonly SweepAxis[]; readonly seeds: readonly number[]; readonly count: number; readonly base?: RunConfigInput }
  | { readonly ok: false; readonly problems: readonly SweepProblem[] };

const AXIS_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
const MAX_SEEDS = 1000;

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parsePowers(text: string): { ok: true; values: number[] } | { ok: false; message: string } {
  const values: number[] = [];
  for (const item of splitList(text)) {
    const p = Number(item);
    if (!Number.isFinite(p) || p < -4 || p > 4) return { ok: false, message: `p values: ${JSON.stringify(item)} is not a number in [-4, 4]; write them like 1, 0, -1` };
    if (!values.includes(p)) values.push(p);
  }
  return { ok: true, values };
}

export function parseSeeds(mode: 'count' | 'list', countText: string, listText: string): { ok: true; seeds: number[] } | { ok: false; message: string } {
  if (mode === 'count') {
    const count = Number(countText);
    if (!Number.isInteger(count) || count < 1 || count > MAX_SEEDS) return { ok: false, message: `seeds: the count must be a whole number from 1 to ${MAX_SEEDS} (got ${JSON.stringify(countText)})` };
    return { ok: true, seeds: Array.from({ length: count }, (_, i) => i) };
  }
  const seeds: number[] = [];
  for (const item of splitList(listText)) {
    const seed = Number(item);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) return { ok: false, message: `seeds: ${JSON.stringify(item)} is not a whole number >= 0; write seeds like 0, 1, 2` };
    if (!seeds.includes(seed)) seeds.push(seed);
  }
  if (seeds.length === 0) return { ok: false, message: 'seeds: list at least one seed, e.g. 0, 1, 2' };
  if (seeds.length > MAX_SEEDS) return { ok: false, message: `seeds: at most ${MAX_SEEDS} seeds` };
  return { ok: true, seeds };
}

/** An axis value as typed: JSON when it parses (numbers, true, null, "quoted"), else the text. */
export function parseAxisValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The objective axis. Each cell sets the whole objective; knobs the base config's objective sets
 * are carried into every cell whose preset reads them (never p, which defines the power cells).
 */
export function objectiveAxis(presets: ReadonlySet<ObjectivePreset>, powers: readonly number[], baseObjective: Partial<ObjectiveInput> | undefined): SweepAxis {
  const values: ObjectiveInput[] = [];
  const labels: string[] = [];
  const carried = Object.entries(baseObjective ?? {}).filter(([key]) => key !== 'preset' && key !== 'p');
  const cell = (preset: ObjectivePreset, extra: Partial<ObjectiveInput> = {}): ObjectiveInput => {
    const knobs = Object.fromEntries(carried.filter(([key]) => knobApplies(preset, key)));
    return { ...knobs, preset, ...extra } as ObjectiveInput;
  };
  for (const preset of OBJECTIVE_PRESETS) {
    if (!presets.has(preset)) continue;
    if (preset === 'power' && powers.length > 0) {
      for (const p of powers) {
        values.push(cell('power', { p }));
        labels.push(`power p=${p}`);
      }
    } else {
      values.push(cell(preset));
      labels.push(preset);
    }
  }
  return { path: 'objective', values, labels };
}

export function parseTau(text: string): { ok: true; tau: number } | { ok: false; message: string } {
  const tau = Number(text);
  if (text.trim() === '' || !Number.isFinite(tau) || tau <= 0) return { ok: false, message: `tau: give a number > 0 that fires at this model size, measured with hmpo-lab calibrate-tau (got ${JSON.stringify(text)})` };
  return { ok: true, tau };
}

const countOf = (axes: readonly SweepAxis[], seeds: readonly number[]) => axes.reduce((n, axis) => n * axis.values.length, 1) * seeds.length;

/** A built-in plan over the form's base config: only the seeds and (for QK-clip plans) tau are inputs. */
function draftPlan(plan: PlanName, choices: SweepChoices, base: RunConfigInput): SweepDraft {
  const problems: SweepProblem[] = [];
  const seeds = parseSeeds(choices.seedMode, choices.seedCount, choices.seedList);
  if (!seeds.ok) problems.push({ input: 'seeds', message: seeds.message });
  const tau = PLAN_INFO[plan].needsTau ? parseTau(choices.tau ?? '') : null;
  if (tau && !tau.ok) problems.push({ input: 'tau', message: tau.message });
  if (!seeds.ok || (tau && !tau.ok)) return { ok: false, problems };
  const spec = planSpec(plan, { base: base as Record<string, unknown>, seeds: seeds.seeds, ...(tau ? { tau: tau.tau } : {}) });
  return { ok: true, axes: spec.axes, seeds: spec.seeds, count: countOf(spec.axes, spec.seeds), base: spec.base };
}

/** Checks the builder's inputs and, when they are usable, lays out the axes and seeds. */
export function draftSweep(choices: SweepChoices, base: RunConfigInput): SweepDraft {
  if (choices.plan) return draftPlan(choices.plan, choices, base);
  const problems: SweepProblem[] = [];
  if (choices.presets.size === 0) problems.push({ input: 'presets', message: 'mean types: choose at least one objective preset' });
  const powers = parsePowers(choices.powerPs);
  if (!powers.ok) problems.push({ input: 'powerPs', message: powers.message });
  const seeds = parseSeeds(choices.seedMode, choices.seedCount, choices.seedList);
  if (!seeds.ok) problems.push({ input: 'seeds', message: seeds.message });

  let extraAxis: SweepAxis | null = null;
  const extraPath = choices.extraPath.trim();
  const extraValues = splitList(choices.extraValues);
  if (extraPath !== '' || extraValues.length > 0) {
    if (!AXIS_PATH.test(extraPath)) {
      problems.push({ input: 'extra', message: `extra axis: ${JSON.stringify(extraPath)} is not a dotted config path; write one like optimizer.learningRate` });
    } else if (extraPath === 'seed' || extraPath === 'objective' || extraPath.startsWith('objective.preset')) {
      problems.push({ input: 'extra', message: `extra axis: ${extraPath} is already swept (seeds and mean types have their own inputs); pick another field` });
    } else if (extraValues.length === 0) {
      problems.push({ input: 'extra', message: `extra axis: give comma-separated values for ${extraPath}, e.g. 0.001, 0.003` });
    } else {
      const key = extraPath.slice(extraPath.lastIndexOf('.') + 1);
      extraAxis = { path: extraPath, values: extraValues.map(parseAxisValue), labels: extraValues.map((v) => `${key}=${v}`) };
    }
  }
  const tau = choices.muonClip ? parseTau(choices.tau ?? '') : null;
  if (tau && !tau.ok) problems.push({ input: 'tau', message: tau.message });
  if (problems.length > 0 || !powers.ok || !seeds.ok || (tau && !tau.ok)) return { ok: false, problems };

  const axes: SweepAxis[] = [objectiveAxis(choices.presets, powers.values, base.objective)];
  if (tau) axes.push(optimizerClipAxis(tau.tau));
  if (extraAxis) axes.push(extraAxis);
  return { ok: true, axes, seeds: seeds.seeds, count: countOf(axes, seeds.seeds) };
}

export function sweepSpec(draft: Extract<SweepDraft, { ok: true }>, base: RunConfigInput, name: string): SweepSpec {
  const trimmed = name.trim();
  return { ...(trimmed === '' ? {} : { name: trimmed }), base: draft.base ?? base, axes: draft.axes, seeds: draft.seeds };
}

/** The builder's inputs for a built-in plan: src-shared's default seeds and sweep name for it. */
export function planChoices(plan: PlanName, current: SweepChoices): SweepChoices {
  return { ...current, plan, name: planSweepName(plan), seedMode: 'list', seedList: DEFAULT_PLAN_SEEDS.join(', ') };
}
