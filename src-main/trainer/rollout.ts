/**
 * One rollout as plain data: grouped prompts, sampled completions, rewards and advantages (CPU,
 * float64), old and reference log-probs computed once with no gradient, and the rollout-level
 * metrics. Plus slicing a minibatch of it into tensors. The loop that uses it is train.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import { EOS_ID } from '../../src-shared/tasks.js';
import { meanOf } from '../../src-shared/analysis/bootstrap.js';
import { computeAdvantages } from './advantages.js';
import type { PolicyBatch } from './objectives.js';
import type { PolicyModel } from './policy-model.js';
import type { Rng } from './rng.js';
import { completionLogProbs, sampleCompletions, type Completions } from './sampling.js';
import { isSuccess, type Task } from './tasks/index.js';

export interface Rollout {
  /** (B) prompts; group g is rows [g * G, (g + 1) * G), all holding the same prompt. */
  readonly prompts: Int32Array[];
  readonly completions: Completions;
  readonly rewards: Float64Array;
  readonly advantages: Float32Array;
  /** (B, Tc) log pi_old from the sampling policy, teacher-forced (the same computation the update uses). */
  readonly logpOld: Float32Array;
  /** (B, Tc) log pi_ref of the frozen reference policy, when KL is on. */
  readonly logpRef?: Float32Array;
  /** Rewards, advantages, lengths: identical for every step that trains on this rollout. */
  readonly metrics: MetricValues;
}

/** promptsPerRollout fresh prompts, each repeated groupSize times. */
export function drawGroupedPrompts(task: Task, rng: Rng, config: RunConfig): Int32Array[] {
  const prompts: Int32Array[] = [];
  for (let g = 0; g < config.promptsPerRollout; g++) {
    const prompt = task.makePrompt(rng, config.promptLength);
    for (let i = 0; i < config.groupSize; i++) prompts.push(prompt);
  }
  return prompts;
}

/** How many completion tokens of row b are scored (the mask's leading ones: up to and including the first EOS). */
export function scoredLength(c: Completions, b: number): number {
  let length = 0;
  while (length < c.completionLength && c.mask[b * c.completionLength + length] === 1) length++;
  return length;
}

/** The scored completion tokens of row b (up to and including the first EOS). */
export function scoredCompletion(c: Completions, b: number): Int32Array {
  const width = c.promptLength + c.completionLength;
  return c.tokens.subarray(b * width + c.promptLength, b * width + c.promptLength + scoredLength(c, b));
}

/**
 * Teacher-forced log-probs of the completion tokens (B, Tc) with no gradient, 0 past each row's
 * scored tokens (the padding after its EOS is not computed), in chunks of `chunk` rows so memory
 * stays bounded whatever the rollout size.
 */
export function scoreLogProbs(model: PolicyModel, c: Completions, temperature: number, chunk: number): Float32Array {
  const width = c.promptLength + c.completionLength;
  const out = new Float32Array(c.batchSize * c.completionLength);
  for (let start = 0; start < c.batchSize; start += chunk) {
    const rows = Math.min(chunk, c.batchSize - start);
    const values = tf.tidy(() => {
      const tokens = tf.tensor2d(c.tokens.subarray(start * width, (start + rows) * width), [rows, width], 'int32');
      const scored = Array.from({ length: rows }, (_, i) => scoredLength(c, start + i));
      return completionLogProbs(model, tokens, c.promptLength, temperature, scored).logp.dataSync();
    });
    out.set(values, start * c.completionLength);
  }
  return out;
}


function rolloutMetrics(task: Task, c: Completions, rewards: Float64Array, advantages: number[], adv: { fracRewardZeroStd: number; groupsWithNonZeroSum: number }): MetricValues {
  const rewardMean = meanOf(rewards);
  const advMean = meanOf(advantages);
  let lengths = 0;
  let eos = 0;
  for (let b = 0; b < c.batchSize; b++) {
    const scored = scoredCompletion(c, b);
    lengths += scored.length;
    if (scored[scored.length - 1] === EOS_ID) eos += 1;
  }
  return {
    'charts/reward_mean': rewardMean,
    'charts/reward_std': Math.sqrt(meanOf(Array.from(rewards, (r) => (r - rewardMean) ** 2))),
    'charts/reward_min': Math.min(...rewards),
    'charts/reward_max': Math.max(...rewards),
    'charts/success_rate': meanOf(Array.from(rewards, (r) => (isSuccess(task, r) ? 1 : 0))),
    'charts/completion_length': lengths / c.batchSize,
    'charts/eos_fraction': eos / c.batchSize,
    'adv/mean': advMean,
    'adv/var': meanOf(advantages.map((a) => (a - advMean) ** 2)),
    'adv/frac_reward_zero_std': adv.fracRewardZeroStd,
    'adv/groups_nonzero_sum': adv.groupsWithNonZeroSum,
  };
}

export interface RolloutPolicies {
  /** The policy that samples (the current one, or a stale copy) and scores the old log-probs. */
  readonly sampler: PolicyModel;
  readonly reference?: PolicyModel;
}

/** Samples, scores and computes advantages for one rollout. */
export function collectRollout(policies: RolloutPolicies, task: Task, config: RunConfig, rng: { prompts: Rng; sampling: Rng }, scoreChunk: number): Rollout {
  const prompts = drawGroupedPrompts(task, rng.prompts, config);
  const completions = sampleCompletions(policies.sampler, prompts, {
    completionLength: config.completionLength,
    temperature: config.temperature,
    eosId: EOS_ID,
    rng: rng.sampling,
  });
  const rewards = Float64Array.from(prompts, (prompt, b) => task.reward(prompt, scoredCompletion(completions, b), config.completionLength));
  const groups = Array.from({ length: config.promptsPerRollout }, (_, g) => Array.from(rewards.subarray(g * config.groupSize, (g + 1) * config.groupSize)));
  const adv = computeAdvantages(groups, config.advantage);
  const advantages = adv.advantages.flat();
  return {
    prompts,
    completions,
    rewards,
    advantages: Float32Array.from(advantages),
    logpOld: scoreLogProbs(policies.sampler, completions, config.temperature, scoreChunk),
    ...(policies.reference ? { logpRef: scoreLogProbs(policies.reference, completions, config.temperature, scoreChunk) } : {}),
    metrics: rolloutMetrics(task, completions, rewards, advantages, adv),
  };
}

/** Rows `indices` of a (rows, width) row-major array. */
function gatherRows<T extends Float32Array | Int32Array>(source: T, width: number, indices: readonly number[], make: (n: number) => T): T {
  const out = make(indices.length * width);
  indices.forEach((row, i) => out.set(source.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

/**
 * A minibatch's tensors (call inside a tidy): tokens (b, P + Tc) int32, plus everything but
 * logpNew, and each row's scored length (the scorer skips the padding after it).
 */
export function minibatchTensors(r: Rollout, indices: readonly number[]): { tokens: tf.Tensor2D; scored: number[]; batch: Omit<PolicyBatch, 'logpNew'> } {
  const c = r.completions;
  const width = c.promptLength + c.completionLength;
  const n = indices.length;
  const f32 = (k: number) => new Float32Array(k);
  const rows = (source: Float32Array) => tf.tensor2d(gatherRows(source, c.completionLength, indices, f32), [n, c.completionLength]);
  return {
    tokens: tf.tensor2d(gatherRows(c.tokens, width, indices, (k) => new Int32Array(k)), [n, width], 'int32'),
    scored: indices.map((i) => scoredLength(c, i)),
    batch: {
      logpOld: rows(r.logpOld),
      ...(r.logpRef ? { logpRef: rows(r.logpRef) } : {}),
      mask: rows(c.mask),
      advantages: tf.tensor1d(indices.map((i) => r.advantages[i]!)),
    },
  };
}
