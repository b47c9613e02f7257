/**
 * The "stress" regime: settings under which token ratios go far off-policy (long completions, four
 * epochs over each rollout in four minibatches, a sampler two steps stale, 3x the default learning
 * rate) while an entropy bonus keeps policies from collapsing before the comparison is decided.
 * experiments/stress-regime.ts measures how the mean types separate here. Pure data.
 */
import type { RunConfigInput } from '../run-config.js';

/** Run settings of the stress regime; a plan's arms set the objective on top (entCoef included). */
export const STRESS_SETTINGS = {
  task: 'pattern-dense',
  model: { dModel: 32, nLayers: 2, nHeads: 4 },
  completionLength: 32,
  promptsPerRollout: 4,
  groupSize: 8,
  minibatchesPerRollout: 4,
  epochsPerRollout: 4,
  rolloutStaleness: 2,
  optimizer: { learningRate: 1e-2 },
  totalSteps: 300,
  evalPrompts: 8,
} as const satisfies RunConfigInput;

/** Entropy bonus of the stress regime's arms: enough to keep entropy off the floor for 300 steps. */
export const STRESS_ENT_COEF = 0.01;
