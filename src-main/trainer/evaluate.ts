/**
 * Greedy evaluation: the policy's best-guess completions on a fixed set of held-out prompts (the
 * same prompts at every evaluation of a run), scored by the task. Reports mean reward and the
 * fraction that reached the optimum. No training, no gradients.
 *
 * Greedy here means temperature 1e-4: any logit gap of 0.01 or more makes the non-maximal token's
 * probability below e^-100, so this is argmax decoding through the same (tested) KV-cache sampler.
 */
import type { RunConfig } from '../../src-shared/run-config.js';
import { EOS_ID } from '../../src-shared/tasks.js';
import type { PolicyModel } from './policy-model.js';
import { Rng } from './rng.js';
import { scoredCompletion } from './rollout.js';
import { sampleCompletions } from './sampling.js';
import { isSuccess, type Task } from './tasks/index.js';

const GREEDY_TEMPERATURE = 1e-4;

export function evaluateGreedy(model: PolicyModel, task: Task, config: RunConfig): { reward: number; successRate: number } {
  const seeds = new Rng(config.seed).fork('evaluation');
  const promptRng = seeds.fork('prompts');
  const prompts = Array.from({ length: config.evalPrompts }, () => task.makePrompt(promptRng, config.promptLength));
  const completions = sampleCompletions(model, prompts, { completionLength: config.completionLength, temperature: GREEDY_TEMPERATURE, eosId: EOS_ID, rng: seeds.fork('sampling') });
  let total = 0;
  let successes = 0;
  prompts.forEach((prompt, b) => {
    const reward = task.reward(prompt, scoredCompletion(completions, b), config.completionLength);
    total += reward;
    if (isSuccess(task, reward)) successes += 1;
  });
  return { reward: total / prompts.length, successRate: successes / prompts.length };
}
