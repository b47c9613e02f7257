/**
 * The objective ("mean type") configuration: presets of objectives.md section 4 and every knob that
 * stays individually settable. A config names a preset plus explicit overrides; `resolveObjective`
 * fills in the preset's defaults. Pure data and validation: the math lives in src-main/trainer.
 */
import { z } from 'zod';
import { OBJECTIVE_PRESETS, type ObjectivePreset } from './objective-presets.js';

export { OBJECTIVE_PRESETS, type ObjectivePreset };

export const AGGREGATIONS = ['seq-mean-token-mean', 'token-mean', 'dr-grpo', 'seq-mean-token-sum'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** How the sequence ratio is formed from token ratios. */
export type SequenceMean = { kind: 'power'; p: number } | { kind: 'learnable' } | { kind: 'agm' };

/** Every knob, resolved: what the loss functions consume. */
export interface ResolvedObjective {
  readonly preset: ObjectivePreset;
  readonly level: 'token' | 'sequence';
  // Token level (grpo), objectives.md section 3.
  readonly clipLow: number;
  readonly clipHigh: number;
  readonly twoSidedCap: number | null;
  readonly dualClip: number | null;
  readonly aggregation: Aggregation;
  /** Length used by `dr-grpo` aggregation; null means the batch's padded completion length. */
  readonly maxCompletionLength: number | null;
  // Sequence level, objectives.md section 4.
  readonly mean: SequenceMean;
  readonly tokenClip: number | null;
  readonly seqClipLow: number | null;
  readonly seqClipHigh: number | null;
  readonly pMin: number;
  readonly pMax: number;
  readonly pInit: number;
  readonly pLearningRate: number;
  readonly agmIterations: number;
  readonly agmTolerance: number;
  // Both levels.
  readonly klBeta: number;
  /** Weight of the entropy bonus: the loss subtracts entCoef x mean token entropy (0 disables). */
  readonly entCoef: number;
}

/** Field docs: one line each, shown as form help and in `--help` output. */
export const OBJECTIVE_FIELD_DOCS = {
  preset: 'Mean type: grpo (token-level), gspo/gmpo (geometric), hmpo (harmonic), amp (arithmetic), power (any p), learnable (trained p), agm (arithmetic-harmonic iteration).',
  p: 'Power-mean exponent for sequence-level presets (1 arithmetic, 0 geometric, -1 harmonic); range [-4, 4].',
  clipLow: 'Token-level PPO clip epsilon_low (grpo): ratios below 1 - clipLow are clipped.',
  clipHigh: 'Token-level PPO clip epsilon_high (grpo); defaults to clipLow (DAPO clip-higher uses 0.28).',
  twoSidedCap: 'Two-sided cap delta (INTELLECT-2, grpo): caps the unclipped ratio at delta; null disables.',
  dualClip: 'Dual-clip constant c (verl, grpo): for negative advantages the loss is at most -A*c; null disables.',
  aggregation: 'How grpo token losses become the batch loss: seq-mean-token-mean, token-mean, dr-grpo or seq-mean-token-sum.',
  maxCompletionLength: 'Denominator length for dr-grpo aggregation; null uses the padded completion length.',
  tokenClip: 'GMPO sign-aware token clip c in log space (sequence-level); clipped tokens get no gradient; null disables.',
  seqClipLow: 'GSPO sequence-ratio clip epsilon_low (PPO min form, after averaging); null disables.',
  seqClipHigh: 'GSPO sequence-ratio clip epsilon_high; set together with seqClipLow.',
  pMin: 'Lower bound of the learnable p.',
  pMax: 'Upper bound of the learnable p.',
  pInit: 'Starting value of the learnable p (must lie strictly between pMin and pMax).',
  pLearningRate: 'Learning rate of the learnable p\'s parameter phi.',
  agmIterations: 'Arithmetic-harmonic iterations K for the agm preset (stops early when |a-h| <= tolerance*a).',
  agmTolerance: 'Relative tolerance that ends the arithmetic-harmonic iteration early.',
  klBeta: 'Weight beta of the k3 KL penalty to the frozen reference policy; 0 disables.',
  entCoef: 'Entropy bonus weight (CleanRL ent_coef): the loss subtracts entCoef x the mean token entropy, which slows collapse; 0 disables.',
} as const satisfies Record<string, string>;

interface PresetDefaults {
  level: 'token' | 'sequence';
  mean: SequenceMean;
  tokenClip: number | null;
  seqClipLow: number | null;
  seqClipHigh: number | null;
}

/** objectives.md section 4, "Named presets". */
export const PRESET_DEFAULTS: Readonly<Record<ObjectivePreset, PresetDefaults>> = {
  grpo: { level: 'token', mean: { kind: 'power', p: 1 }, tokenClip: null, seqClipLow: null, seqClipHigh: null },
  gspo: { level: 'sequence', mean: { kind: 'power', p: 0 }, tokenClip: null, seqClipLow: 3e-4, seqClipHigh: 4e-4 },
  gmpo: { level: 'sequence', mean: { kind: 'power', p: 0 }, tokenClip: 0.4, seqClipLow: null, seqClipHigh: null },
  hmpo: { level: 'sequence', mean: { kind: 'power', p: -1 }, tokenClip: 0.4, seqClipLow: null, seqClipHigh: null },
  amp: { level: 'sequence', mean: { kind: 'power', p: 1 }, tokenClip: 0.4, seqClipLow: null, seqClipHigh: null },
  power: { level: 'sequence', mean: { kind: 'power', p: 0.5 }, tokenClip: 0.4, seqClipLow: null, seqClipHigh: null },
  learnable: { level: 'sequence', mean: { kind: 'learnable' }, tokenClip: 0.4, seqClipLow: null, seqClipHigh: null },
  agm: { level: 'sequence', mean: { kind: 'agm' }, tokenClip: 0.4, seqClipLow: null, seqClipHigh: null },
};

/** Defaults shared by every preset (objectives.md sections 3 and 4). */
export const COMMON_OBJECTIVE_DEFAULTS = {
  clipLow: 0.2,
  twoSidedCap: null,
  dualClip: null,
  aggregation: 'seq-mean-token-mean' as Aggregation,
  maxCompletionLength: null,
  pMin: -2,
  pMax: 2,
  pInit: 0,
  pLearningRate: 1e-2,
  agmIterations: 5,
  agmTolerance: 1e-6,
  klBeta: 0,
  entCoef: 0,
} as const;

const positive = (what: string) => z.number().positive(`${what} must be > 0`);
const nullablePositive = (what: string) => positive(what).nullable();

/** The objective as written in a config or CLI input: a preset plus optional overrides. */
export const ObjectiveInputSchema = z.strictObject({
  preset: z.enum(OBJECTIVE_PRESETS).describe(OBJECTIVE_FIELD_DOCS.preset),
  p: z.number().min(-4, 'p must be >= -4').max(4, 'p must be <= 4').optional().describe(OBJECTIVE_FIELD_DOCS.p),
  clipLow: positive('clipLow').max(1, 'clipLow must be < 1').optional().describe(OBJECTIVE_FIELD_DOCS.clipLow),
  clipHigh: positive('clipHigh').max(10, 'clipHigh must be <= 10').optional().describe(OBJECTIVE_FIELD_DOCS.clipHigh),
  twoSidedCap: z.number().gt(1, 'twoSidedCap must be > 1').nullable().optional().describe(OBJECTIVE_FIELD_DOCS.twoSidedCap),
  dualClip: z.number().gt(1, 'dualClip must be > 1').nullable().optional().describe(OBJECTIVE_FIELD_DOCS.dualClip),
  aggregation: z.enum(AGGREGATIONS).optional().describe(OBJECTIVE_FIELD_DOCS.aggregation),
  maxCompletionLength: z.number().int('maxCompletionLength must be a whole number').positive('maxCompletionLength must be > 0').nullable().optional().describe(OBJECTIVE_FIELD_DOCS.maxCompletionLength),
  tokenClip: nullablePositive('tokenClip').optional().describe(OBJECTIVE_FIELD_DOCS.tokenClip),
  seqClipLow: nullablePositive('seqClipLow').optional().describe(OBJECTIVE_FIELD_DOCS.seqClipLow),
  seqClipHigh: nullablePositive('seqClipHigh').optional().describe(OBJECTIVE_FIELD_DOCS.seqClipHigh),
  pMin: z.number().min(-4, 'pMin must be >= -4').max(4).optional().describe(OBJECTIVE_FIELD_DOCS.pMin),
  pMax: z.number().min(-4).max(4, 'pMax must be <= 4').optional().describe(OBJECTIVE_FIELD_DOCS.pMax),
  pInit: z.number().min(-4).max(4).optional().describe(OBJECTIVE_FIELD_DOCS.pInit),
  pLearningRate: positive('pLearningRate').optional().describe(OBJECTIVE_FIELD_DOCS.pLearningRate),
  agmIterations: z.number().int('agmIterations must be a whole number').min(1, 'agmIterations must be >= 1').max(100, 'agmIterations must be <= 100').optional().describe(OBJECTIVE_FIELD_DOCS.agmIterations),
  agmTolerance: positive('agmTolerance').max(1e-2, 'agmTolerance must be <= 0.01').optional().describe(OBJECTIVE_FIELD_DOCS.agmTolerance),
  klBeta: z.number().min(0, 'klBeta must be >= 0').optional().describe(OBJECTIVE_FIELD_DOCS.klBeta),
  entCoef: z.number().min(0, 'entCoef must be >= 0').max(1, 'entCoef must be <= 1').optional().describe(OBJECTIVE_FIELD_DOCS.entCoef),
});
export type ObjectiveInput = z.infer<typeof ObjectiveInputSchema>;

const TOKEN_ONLY_KNOBS = ['clipLow', 'clipHigh', 'twoSidedCap', 'dualClip', 'aggregation', 'maxCompletionLength'] as const;
const SEQUENCE_ONLY_KNOBS = ['tokenClip', 'seqClipLow', 'seqClipHigh'] as const;
const LEARNABLE_KNOBS = ['pMin', 'pMax', 'pInit', 'pLearningRate'] as const;
const AGM_KNOBS = ['agmIterations', 'agmTolerance'] as const;

/** A knob set where its preset ignores it: refused rather than silently dropped. */
export interface KnobProblem {
  readonly key: keyof ObjectiveInput;
  readonly message: string;
}

/** Cross-field checks that a per-field schema cannot express. Empty when the input is consistent. */
export function objectiveKnobProblems(input: ObjectiveInput): KnobProblem[] {
  const problems: KnobProblem[] = [];
  const level = PRESET_DEFAULTS[input.preset].level;
  const refuse = (keys: readonly (keyof ObjectiveInput)[], applies: string) => {
    for (const key of keys) {
      if (input[key] !== undefined) {
        problems.push({ key, message: `${key} applies only to ${applies}, not to preset '${input.preset}'; remove it or change the preset` });
      }
    }
  };
  if (level === 'sequence') refuse(TOKEN_ONLY_KNOBS, 'the token-level preset grpo');
  if (level === 'token') refuse(SEQUENCE_ONLY_KNOBS, 'sequence-level presets (gspo, gmpo, hmpo, amp, power, learnable, agm)');
  if (input.preset !== 'learnable') refuse(LEARNABLE_KNOBS, "the 'learnable' preset");
  if (input.preset !== 'agm') refuse(AGM_KNOBS, "the 'agm' preset");
  if (input.p !== undefined && (input.preset === 'grpo' || input.preset === 'learnable' || input.preset === 'agm')) {
    const instead = input.preset === 'learnable' ? 'use pInit for the starting value' : 'use a power-mean preset such as power';
    problems.push({ key: 'p', message: `p does not apply to preset '${input.preset}'; ${instead}` });
  }
  const resolved = resolveObjectiveUnchecked(input);
  if ((resolved.seqClipLow === null) !== (resolved.seqClipHigh === null)) {
    problems.push({ key: 'seqClipHigh', message: 'seqClipLow and seqClipHigh must be set together (both numbers, or both null to disable the sequence clip)' });
  }
  if (resolved.seqClipLow !== null && resolved.seqClipLow >= 1) {
    problems.push({ key: 'seqClipLow', message: `seqClipLow must be < 1 (got ${resolved.seqClipLow}); the GSPO paper uses 3e-4` });
  }
  if (input.preset === 'learnable' && !(resolved.pMin < resolved.pInit && resolved.pInit < resolved.pMax)) {
    problems.push({ key: 'pInit', message: `the learnable p needs pMin < pInit < pMax (got ${resolved.pMin} < ${resolved.pInit} < ${resolved.pMax}); widen the bounds or move pInit inside them` });
  }
  return problems;
}

function resolveObjectiveUnchecked(input: ObjectiveInput): ResolvedObjective {
  const preset = PRESET_DEFAULTS[input.preset];
  const c = COMMON_OBJECTIVE_DEFAULTS;
  const clipLow = input.clipLow ?? c.clipLow;
  const mean: SequenceMean = preset.mean.kind === 'power' && input.p !== undefined ? { kind: 'power', p: input.p } : preset.mean;
  return {
    preset: input.preset,
    level: preset.level,
    clipLow,
    clipHigh: input.clipHigh ?? clipLow,
    twoSidedCap: input.twoSidedCap === undefined ? c.twoSidedCap : input.twoSidedCap,
    dualClip: input.dualClip === undefined ? c.dualClip : input.dualClip,
    aggregation: input.aggregation ?? c.aggregation,
    maxCompletionLength: input.maxCompletionLength === undefined ? c.maxCompletionLength : input.maxCompletionLength,
    mean,
    tokenClip: input.tokenClip === undefined ? preset.tokenClip : input.tokenClip,
    seqClipLow: input.seqClipLow === undefined ? preset.seqClipLow : input.seqClipLow,
    seqClipHigh: input.seqClipHigh === undefined ? preset.seqClipHigh : input.seqClipHigh,
    pMin: input.pMin ?? c.pMin,
    pMax: input.pMax ?? c.pMax,
    pInit: input.pInit ?? c.pInit,
    pLearningRate: input.pLearningRate ?? c.pLearningRate,
    agmIterations: input.agmIterations ?? c.agmIterations,
    agmTolerance: input.agmTolerance ?? c.agmTolerance,
    klBeta: input.klBeta ?? c.klBeta,
    entCoef: input.entCoef ?? c.entCoef,
  };
}

/**
 * Fills every knob the input leaves out with its preset's default. Call it only on input that
 * passed `ObjectiveInputSchema` and has no `objectiveKnobProblems` (validateRunConfig and the CLI
 * do both); the result is what the loss functions consume.
 */
export function resolveObjective(input: ObjectiveInput): ResolvedObjective {
  return resolveObjectiveUnchecked(input);
}
