/**
 * RunConfig: the one typed, documented configuration of a training run (house rule 7). Every field
 * has a one-line doc (`.describe`) and a default; `validateRunConfig` fills defaults and returns a
 * Result whose message says what is wrong, the value and what to do. The same validator runs in the
 * renderer form, the CLI and the main process before launch. Derived values live in `derived()`.
 */
import { z } from 'zod';
import { err, ok, type Result } from './result.js';
import { TASKS, TASK_NAMES } from './tasks.js';
import { ObjectiveInputSchema, objectiveKnobProblems, OBJECTIVE_FIELD_DOCS, PRESET_DEFAULTS } from './objective-config.js';
import { formatIssues, type FieldProblem } from './validation-messages.js';

export const ADVANTAGE_MODES = ['group', 'batch', 'none', 'log'] as const;
export type AdvantageMode = (typeof ADVANTAGE_MODES)[number];
export const OPTIMIZERS = ['adamw', 'muon'] as const;
export const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

const int = (min: number, max: number) =>
  z.number().int('must be a whole number').min(min, `must be >= ${min}`).max(max, `must be <= ${max}`);
const num = (min: number, max: number) => z.number().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`);
const positiveNum = (max: number) => z.number().positive('must be > 0').max(max, `must be <= ${max}`);

const ModelSchema = z.strictObject({
  dModel: int(8, 1024).default(64).describe('Width of the transformer (d_model); must be divisible by nHeads.'),
  nLayers: int(1, 24).default(2).describe('Number of transformer blocks.'),
  nHeads: int(1, 32).default(4).describe('Attention heads per block; QK-clip rescales each head separately.'),
  mlpRatio: int(1, 8).default(4).describe('Hidden width of the MLP as a multiple of dModel.'),
});

export const AdvantageSchema = z.strictObject({
  mode: z.enum(ADVANTAGE_MODES).default('group').describe('group: z-score in the group (TRL default); batch: batch std (Lite PPO); none: mean-centred only (Dr. GRPO); log: log-reward baseline (positive rewards only).'),
  ddof: int(0, 1).default(1).describe('Delta degrees of freedom of the std: 1 unbiased (TRL, verl), 0 population (the HMPO seed).'),
  epsilon: num(0, 1).default(1e-4).describe('Added to the std before dividing (TRL uses 1e-4).'),
  floor: positiveNum(1).default(1e-8).describe('log mode: rewards are floored at this value before the log.'),
  logStd: z.boolean().default(false).describe('log mode: also divide by the group std of the log-rewards.'),
});

const OptimizerSchema = z.strictObject({
  name: z.enum(OPTIMIZERS).default('adamw').describe('adamw for every weight, or muon for 2-D hidden matrices with AdamW for the rest (Moonlight scaling).'),
  learningRate: positiveNum(1).default(3e-3).describe('Learning rate (shared by Muon and AdamW thanks to Moonlight update-RMS matching).'),
  beta1: num(0, 0.9999).default(0.9).describe('AdamW first-moment decay.'),
  beta2: num(0, 0.99999).default(0.999).describe('AdamW second-moment decay.'),
  adamEpsilon: positiveNum(1).default(1e-8).describe('AdamW epsilon.'),
  weightDecay: num(0, 1).default(0).describe('Decoupled weight decay (AdamW and Muon).'),
  muonMomentum: num(0, 0.9999).default(0.95).describe('Muon momentum (Nesterov).'),
  nsSteps: int(1, 10).default(5).describe('Newton-Schulz iterations of Muon.'),
});

const QkClipSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('QK-clip after every optimizer step (MuonClip when the optimizer is muon).'),
  tau: positiveNum(1e6).default(100).describe('Threshold tau on the max pre-softmax attention logit per head (Kimi K2: 100; small models need less to fire).'),
  alpha: num(0, 1).default(0.5).describe('Share of the rescale applied to W_q (the rest goes to W_k).'),
  granularity: z.enum(['head', 'layer']).default('head').describe('head (the method) or layer (an ablation that over-clips).'),
});

const ControllerSchema = z.strictObject({
  learningRate: z.boolean().default(false).describe('Scale the learning rate by the AGM hyperparameter adapter\'s recommendation (the adapter scales this run\'s own learningRate, within its bounds), as a multiplier of that learningRate.'),
  clipEpsilon: z.boolean().default(false).describe('Scale every clip knob of the objective (clipLow/clipHigh, tokenClip, seqClipLow/High) by the adapter\'s clip-epsilon recommendation.'),
  powerP: z.boolean().default(false).describe('Set the power-mean exponent p from the phase the suite selects (arithmetic-weighted 0.6, standard AGM 0, harmonic-weighted -0.6, oscillating 0.3); power-mean presets only.'),
  earlyStop: z.boolean().default(false).describe('End the run, as finished, when the suite\'s convergence detector recommends stopping.'),
  maxMultiplier: num(1, 100).default(2).describe('Learning-rate and clip multipliers stay within [1/maxMultiplier, maxMultiplier].'),
  minRelativeChange: num(0, 1).default(0.05).describe('A multiplier changes only when the recommendation differs from the one in force by more than this fraction.'),
  dwellSteps: int(0, 100000).default(5).describe('Steps the suite holds a set of hyperparameters (and the loop holds p) before the next change.'),
});

export const RunConfigSchema = z.strictObject({
  name: z.string().max(200, 'must be at most 200 characters').default('').describe('Display name of the run; empty picks one from the objective and seed.'),
  task: z.enum(TASK_NAMES).default('pattern-dense').describe('Task that scores completions (see the task list for reward ranges).'),
  promptLength: int(1, 64).default(8).describe('Prompt tokens per sequence.'),
  completionLength: int(1, 128).default(16).describe('Maximum completion tokens per sequence (generation stops early at EOS).'),
  model: ModelSchema.prefault({}).describe('Policy model size.'),
  groupSize: int(2, 256).default(8).describe('Completions sampled per prompt (G); advantages are computed within each group.'),
  promptsPerRollout: int(1, 1024).default(8).describe('Prompts per rollout; the rollout holds promptsPerRollout x groupSize sequences.'),
  temperature: positiveNum(10).default(1).describe('Sampling temperature.'),
  objective: ObjectiveInputSchema.prefault({ preset: 'grpo' }).describe('Objective preset (mean type) and any knob overrides.'),
  advantage: AdvantageSchema.prefault({}).describe('How rewards become advantages.'),
  optimizer: OptimizerSchema.prefault({}).describe('Optimizer settings.'),
  qkClip: QkClipSchema.prefault({}).describe('Per-head QK-clip settings.'),
  gradClip: z.number().positive('must be > 0').nullable().default(1).describe('Global gradient-norm clip; null disables.'),
  minibatchesPerRollout: int(1, 256).default(4).describe('Optimizer steps per epoch over a rollout; > 1 makes updates off-policy (objectives.md section 1).'),
  epochsPerRollout: int(1, 64).default(1).describe('Passes over each rollout.'),
  rolloutStaleness: int(0, 16).default(0).describe('Train on rollouts sampled this many optimizer steps ago (0: fresh).'),
  warmStartSteps: int(0, 100000).default(0).describe('Supervised teacher-forced steps on correct answers before RL.'),
  totalSteps: int(1, 10000000).default(200).describe('Optimizer steps to train for.'),
  evalEvery: int(0, 1000000).default(0).describe('Greedy evaluation every N steps (0: only at the end).'),
  evalPrompts: int(1, 4096).default(32).describe('Prompts in each greedy evaluation.'),
  seed: int(0, 2 ** 31 - 1).default(0).describe('Random seed: model init, prompts and sampling; the same seed gives the same run.'),
  backend: z.enum(BACKENDS).default('auto').describe('TensorFlow.js backend: auto tries node-gpu, node, then wasm; cpu is pure JavaScript and slow.'),
  maxConsecutiveNonFinite: int(1, 100000).default(20).describe('End the run as failed after this many consecutive steps skipped for NaN/Inf.'),
  checkpointEvery: int(0, 10000000).default(0).describe('Save weights every N steps (0: final weights only).'),
  controller: ControllerSchema.prefault({}).describe('AGM controllers in the loop: the AGM_Training controller suite reads each step\'s telemetry and its decisions act, each switch separately (all off by default).'),
});

export type RunConfig = z.infer<typeof RunConfigSchema>;
/** What a user writes: any subset; omitted fields take their defaults. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;

export const DEFAULT_RUN_CONFIG: RunConfig = RunConfigSchema.parse({});

/** Name of the error code every validation failure carries. */
export const INVALID_RUN_CONFIG = 'INVALID_RUN_CONFIG';

/** A cross-field problem and the fields its rule reads (checked only when each of those is valid on its own). */
type CrossFieldProblem = FieldProblem & { readonly reads: readonly string[] };

function crossFieldProblems(config: RunConfig): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  for (const p of objectiveKnobProblems(config.objective)) {
    problems.push({ path: `objective.${p.key}`, message: p.message, reads: ['objective'] });
  }
  if (config.model.dModel % config.model.nHeads !== 0) {
    problems.push({ path: 'model.dModel', reads: ['model.dModel', 'model.nHeads'], message: `dModel ${config.model.dModel} is not divisible by nHeads ${config.model.nHeads}; pick a multiple of nHeads such as ${config.model.nHeads * Math.ceil(config.model.dModel / config.model.nHeads)}` });
  }
  const sequences = config.promptsPerRollout * config.groupSize;
  if (sequences % config.minibatchesPerRollout !== 0) {
    problems.push({ path: 'minibatchesPerRollout', reads: ['promptsPerRollout', 'groupSize', 'minibatchesPerRollout'], message: `a rollout of ${sequences} sequences (promptsPerRollout x groupSize) does not split into ${config.minibatchesPerRollout} equal minibatches; choose a divisor of ${sequences}` });
  }
  const task = TASKS[config.task];
  if (config.promptLength < task.minPromptLength) {
    problems.push({ path: 'promptLength', reads: ['task', 'promptLength'], message: `task '${config.task}' needs a prompt of at least ${task.minPromptLength} tokens (got ${config.promptLength})` });
  } else if (config.completionLength < task.answerLength(config.promptLength)) {
    const needed = task.answerLength(config.promptLength);
    problems.push({ path: 'completionLength', reads: ['task', 'promptLength', 'completionLength'], message: `task '${config.task}' with promptLength ${config.promptLength} needs completions of at least ${needed} tokens to reach its optimum (got ${config.completionLength}); raise completionLength or shorten the prompt` });
  }
  if (config.advantage.mode === 'log' && task.rewardsCanBeNonPositive) {
    problems.push({ path: 'advantage.mode', reads: ['advantage.mode', 'task'], message: `the log advantage needs strictly positive rewards, but task '${config.task}' can give rewards <= 0 (range ${task.rewardRange[0]} to ${task.rewardRange[1]}); use mode group, or a positive-reward task such as long-tail` });
  }
  const preset = PRESET_DEFAULTS[config.objective.preset];
  if (config.controller.powerP && (preset.level !== 'sequence' || preset.mean.kind !== 'power')) {
    problems.push({ path: 'controller.powerP', reads: ['controller.powerP', 'objective'], message: `the controller sets the power-mean exponent p, which preset '${config.objective.preset}' does not have; use a power-mean preset (gspo, gmpo, hmpo, amp, power) or turn powerP off` });
  }
  return problems;
}

/**
 * Validates a user-written config (any subset of fields) and fills in defaults. Unknown keys,
 * wrong types, out-of-range values and inconsistent combinations are all rejected; the error
 * message lists every problem, one per line, each naming the field, the value and the fix.
 */
export function validateRunConfig(input: unknown): Result<RunConfig> {
  const parsed = RunConfigSchema.safeParse(input ?? {}, { reportInput: true });
  if (!parsed.success) {
    // Every problem at once: the cross-field rules whose fields are each valid are checked too, on
    // the input with its invalid fields left to their defaults.
    const invalid = parsed.error.issues.map((issue) => issue.path.map(String).join('.'));
    const repaired = RunConfigSchema.safeParse(withoutPaths(input ?? {}, invalid));
    const touches = (read: string) => invalid.some((bad) => bad === '' || bad === read || bad.startsWith(`${read}.`) || read.startsWith(`${bad}.`));
    const cross = repaired.success ? crossFieldProblems(repaired.data).filter((p) => !p.reads.some(touches)) : [];
    return err(INVALID_RUN_CONFIG, [formatIssues(parsed.error.issues, RunConfigSchema), ...cross.map((p) => `${p.path}: ${p.message}`)].join('\n'));
  }
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) {
    return err(INVALID_RUN_CONFIG, problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
  return ok(parsed.data);
}

/** A JSON copy of `input` without the given dotted paths (so the schema's defaults fill them). */
function withoutPaths(input: unknown, paths: readonly string[]): unknown {
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(input));
  } catch {
    return {};
  }
  for (const path of paths) {
    const keys = path.split('.');
    let node: unknown = copy;
    for (const key of keys.slice(0, -1)) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    if (typeof node === 'object' && node !== null) delete (node as Record<string, unknown>)[keys.at(-1)!];
  }
  return copy;
}

/** Derived values, computed once (house rule 7). */
export function derived(config: RunConfig) {
  const sequencesPerRollout = config.promptsPerRollout * config.groupSize;
  return {
    sequencesPerRollout,
    minibatchSize: sequencesPerRollout / config.minibatchesPerRollout,
    stepsPerRollout: config.minibatchesPerRollout * config.epochsPerRollout,
    headDim: config.model.dModel / config.model.nHeads,
  };
}

export { OBJECTIVE_FIELD_DOCS };
