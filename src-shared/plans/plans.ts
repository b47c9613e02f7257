/**
 * The built-in sweep plans, each isolating one thing, in one home for the CLI (`hmpo-lab sweep
 * --plan NAME`) and the GUI's sweep builder:
 *   methods        the published presets as they are (grpo, gspo, gmpo, hmpo): method vs method,
 *                  mean and clip together.
 *   mean-ablation  the power family p in {1, 0, -1}, learnable p and AGM with ONE shared token clip
 *                  and everything else matched: only the mean differs.
 *   muonclip       the base objective x {AdamW, AdamW + QK-clip, Muon, Muon + QK-clip} at one tau.
 *   seed           ux.md's seed experiment plan, repaired: grpo, gspo and the mean ablation x the
 *                  four optimizer/clip arms (hmpo and gmpo are the ablation's p=-1 and p=0 cells).
 *   stress         grpo and the mean ablation without a clip, in the stress regime (stress.ts).
 *   controllers    the AGM controllers in the loop against the same arms fixed: hmpo fixed vs hmpo
 *                  with the lr and clip multipliers, and phase-selected p vs the fixed p the phase
 *                  starts from. The verdict then says whether closing the loop helps.
 * Pure: each plan returns a SweepSpec; expandSweep validates it and refuses duplicate cells.
 */
import type { SweepSpec } from '../contract.js';
import type { ObjectiveInput } from '../objective-config.js';
import { deepMerge } from '../sweep.js';
import { optimizerClipAxis, type SweepAxis } from './optimizer-clip-axis.js';
import { STRESS_ENT_COEF, STRESS_SETTINGS } from './stress.js';

export const PLAN_NAMES = ['methods', 'mean-ablation', 'muonclip', 'seed', 'stress', 'controllers'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

/** The token clip the mean ablation shares: the power family's own default (GMPO's c = 0.4). */
export const SHARED_TOKEN_CLIP = 0.4;

/**
 * The p the controller's phase selection starts from (its first phase, exploration, maps to the
 * arithmetic-weighted mean, src-shared/controllers/closed-loop.ts), so the fixed arm is the controlled
 * arm with the controller's changes taken away.
 */
export const PHASE_START_P = 0.6;

export interface PlanOptions {
  /** The user's base config (any subset); plans lay their settings over it. */
  readonly base?: Record<string, unknown>;
  readonly seeds?: readonly number[];
  /** QK-clip threshold for plans with an optimizer/clip axis (required by those). */
  readonly tau?: number;
}

export interface PlanInfo {
  readonly name: PlanName;
  readonly title: string;
  /** One line for --help and the GUI. */
  readonly doc: string;
  /** Whether the plan has QK-clip arms, so it needs a tau that fires at the model size. */
  readonly needsTau: boolean;
}

export const PLAN_INFO: Readonly<Record<PlanName, PlanInfo>> = {
  methods: { name: 'methods', title: 'Methods', doc: 'grpo, gspo, gmpo, hmpo as published (each with its own clip): which method wins', needsTau: false },
  'mean-ablation': { name: 'mean-ablation', title: 'Mean ablation', doc: `power p in {1, 0, -1}, learnable p, agm, all with token clip c=${SHARED_TOKEN_CLIP}: only the mean differs`, needsTau: false },
  muonclip: { name: 'muonclip', title: 'Optimizer x QK-clip', doc: 'the base objective with AdamW, AdamW + QK-clip, Muon, Muon + QK-clip at one tau', needsTau: true },
  seed: { name: 'seed', title: 'Seed experiment plan', doc: 'grpo, gspo and the mean ablation x {AdamW, AdamW + QK-clip, Muon, Muon + QK-clip}', needsTau: true },
  controllers: { name: 'controllers', title: 'Controllers in the loop', doc: `hmpo fixed vs hmpo with the AGM lr/clip controller; power p=${PHASE_START_P} fixed vs p selected by the controller's phase`, needsTau: false },
  stress: { name: 'stress', title: 'Stress regime', doc: `grpo and power p in {1, 0, -1} without a clip, far off-policy (4 epochs, staleness 2, lr 1e-2), entropy bonus ${STRESS_ENT_COEF}`, needsTau: false },
};

/** The published presets, untouched. */
export function methodsAxis(): SweepAxis {
  return { path: 'objective', values: [{ preset: 'grpo' }, { preset: 'gspo' }, { preset: 'gmpo' }, { preset: 'hmpo' }], labels: ['grpo', 'gspo', 'gmpo', 'hmpo'] };
}

/**
 * The power family with one clip and one set of knobs: p = 1, 0, -1, learnable p and AGM. `extra`
 * knobs (e.g. an entropy bonus) go into every cell so they stay matched.
 */
export function meanAblationAxis(tokenClip: number | null = SHARED_TOKEN_CLIP, extra: Partial<ObjectiveInput> = {}, withLearned = true): SweepAxis {
  const cell = (objective: Partial<ObjectiveInput>): ObjectiveInput => ({ ...extra, ...objective, tokenClip }) as ObjectiveInput;
  const values = [cell({ preset: 'power', p: 1 }), cell({ preset: 'power', p: 0 }), cell({ preset: 'power', p: -1 })];
  const labels = ['power p=1', 'power p=0', 'power p=-1'];
  if (withLearned) {
    values.push(cell({ preset: 'learnable' }), cell({ preset: 'agm' }));
    labels.push('learnable p', 'agm');
  }
  const clipText = tokenClip === null ? 'no clip' : `c=${tokenClip}`;
  return { path: 'objective', values, labels: labels.map((l) => `${l} (${clipText})`) };
}

/** Objective knobs the base config sets that every cell keeps matched (the cells set preset, p and clips). */
function sharedObjectiveKnobs(base: Record<string, unknown>): Partial<ObjectiveInput> {
  const objective = (base.objective ?? {}) as Partial<ObjectiveInput>;
  const shared: Partial<ObjectiveInput> = {};
  if (objective.entCoef !== undefined) shared.entCoef = objective.entCoef;
  if (objective.klBeta !== undefined) shared.klBeta = objective.klBeta;
  return shared;
}

/** Controlled arms beside the same arms fixed: one root-merge axis, so each cell sets objective and controller together. */
export function controllersAxis(shared: Partial<ObjectiveInput>): SweepAxis {
  const off = { learningRate: false, clipEpsilon: false, powerP: false, earlyStop: false };
  return {
    path: '',
    values: [
      { objective: { ...shared, preset: 'hmpo' }, controller: off },
      { objective: { ...shared, preset: 'hmpo' }, controller: { ...off, learningRate: true, clipEpsilon: true } },
      { objective: { ...shared, preset: 'power', p: PHASE_START_P }, controller: off },
      { objective: { ...shared, preset: 'power', p: PHASE_START_P }, controller: { ...off, powerP: true } },
    ],
    labels: ['hmpo fixed', 'hmpo + lr/clip controller', `power p=${PHASE_START_P} fixed`, 'power, phase-selected p'],
  };
}

export class PlanNeedsTauError extends Error {
  override readonly name = 'PlanNeedsTauError';
}

/** The seeds a plan runs unless given others (the CLI's --plan and the sweep builder's one click). */
export const DEFAULT_PLAN_SEEDS: readonly number[] = [0, 1, 2];

/** The name a plan's sweep is given. */
export function planSweepName(name: PlanName): string {
  return `${PLAN_INFO[name].title} plan`;
}

/** The sweep a plan makes over `options.base` with `options.seeds` (default DEFAULT_PLAN_SEEDS). */
export function planSpec(name: PlanName, options: PlanOptions = {}): SweepSpec {
  const base = options.base ?? {};
  const seeds = [...(options.seeds ?? DEFAULT_PLAN_SEEDS)];
  const info = PLAN_INFO[name];
  if (info.needsTau && (options.tau === undefined || !(options.tau > 0))) {
    throw new PlanNeedsTauError(`plan '${name}' has QK-clip arms and needs a tau that fires at this model size; measure one with hmpo-lab calibrate-tau and pass it (got ${String(options.tau)})`);
  }
  const shared = sharedObjectiveKnobs(base);
  const spec = (axes: SweepAxis[], specBase: Record<string, unknown> = base): SweepSpec => ({ name: planSweepName(name), base: specBase, axes, seeds });
  switch (name) {
    case 'methods':
      return spec([{ ...methodsAxis(), values: methodsAxis().values.map((v) => ({ ...shared, ...(v as object) })) }]);
    case 'mean-ablation':
      return spec([meanAblationAxis(SHARED_TOKEN_CLIP, shared)]);
    case 'muonclip':
      return spec([optimizerClipAxis(options.tau!)]);
    case 'seed': {
      const ablation = meanAblationAxis(SHARED_TOKEN_CLIP, shared);
      const objectives: SweepAxis = { path: 'objective', values: [{ ...shared, preset: 'grpo' }, { ...shared, preset: 'gspo' }, ...ablation.values], labels: ['grpo', 'gspo', ...ablation.labels!] };
      return spec([objectives, optimizerClipAxis(options.tau!)]);
    }
    case 'controllers':
      return spec([controllersAxis(shared)]);
    case 'stress': {
      const knobs = { ...shared, entCoef: shared.entCoef ?? STRESS_ENT_COEF };
      const ablation = meanAblationAxis(null, knobs, false);
      const objectives: SweepAxis = { path: 'objective', values: [{ ...knobs, preset: 'grpo' }, ...ablation.values], labels: ['grpo', ...ablation.labels!] };
      // The regime's settings win over the base: they are what the plan is (the CLI re-applies --set after).
      return spec([objectives], deepMerge(base, STRESS_SETTINGS as unknown as Record<string, unknown>));
    }
  }
}

export function isPlanName(text: string): text is PlanName {
  return (PLAN_NAMES as readonly string[]).includes(text);
}
