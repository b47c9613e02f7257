/**
 * The task catalogue: names, reward ranges, optima and sign, shared by the config validator, the
 * renderer's form and the telemetry export (which normalises rewards to [0, 1] with the range).
 * The reward functions themselves live in src-main/trainer/tasks/; this file is data only.
 */

/**
 * Token layout shared by every task (the reference config's vocabulary of 16): id 0 is EOS (and
 * fills a completion after EOS), ids 1..15 are symbols; the arithmetic tasks read ids 1..10 as the
 * digits 0..9, 11 as '+' and 12 as '='.
 */
export const VOCAB_SIZE = 16;
export const EOS_ID = 0;
export const DIGIT_BASE_ID = 1;
export const PLUS_ID = 11;
export const EQUALS_ID = 12;

export const TASK_NAMES = ['pattern-dense', 'pattern-sparse', 'long-tail', 'copy', 'reverse', 'sort', 'add'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskInfo {
  readonly name: TaskName;
  /** One line for the form's help text. */
  readonly doc: string;
  /** [min, max] of the reward; used to normalise to [0, 1] in exports. */
  readonly rewardRange: readonly [number, number];
  /** The reward of a perfect completion; `success_rate` counts completions that reach it. */
  readonly optimum: number;
  /** True when a reward can be <= 0, which rules out the `log` advantage (objectives.md section 2). */
  readonly rewardsCanBeNonPositive: boolean;
  /** True when the reward depends on the prompt (the policy must read it). */
  readonly needsPrompt: boolean;
  /** Completion tokens a perfect answer needs (EOS excluded), given the prompt length. */
  readonly answerLength: (promptLength: number) => number;
  /** Smallest prompt length the task can be posed with. */
  readonly minPromptLength: number;
  /**
   * Reward at which the task counts as solved, the comparison's default target; absent means 90% of
   * the way from the lowest reward to the optimum (analysis/outcomes.ts, defaultTarget).
   */
  readonly solvedReward?: number;
}

/** Digits per operand of the add task: the prompt holds a (k digits) '+' b (k digits) [and '=']. */
export function addOperandDigits(promptLength: number): number {
  return Math.floor((promptLength - 1) / 2);
}

/** What most tasks share: a reward in [0, 1] (so it can be 0), 1 for a perfect completion, any prompt. */
const UNIT_REWARD = { rewardRange: [0, 1], optimum: 1, rewardsCanBeNonPositive: true, minPromptLength: 1 } as const;

/** copy, reverse and sort: per-position partial credit on an answer as long as the prompt. */
const PROMPT_TRANSFORM = { ...UNIT_REWARD, needsPrompt: true, answerLength: (promptLength: number) => promptLength } as const;

export const TASKS: Readonly<Record<TaskName, TaskInfo>> = {
  'pattern-dense': {
    name: 'pattern-dense',
    doc: 'Dense partial credit: the fraction of completion positions that match a fixed target pattern.',
    ...UNIT_REWARD,
    needsPrompt: false,
    answerLength: (_promptLength) => 0,
  },
  'pattern-sparse': {
    name: 'pattern-sparse',
    doc: 'Sparse 0/1: reward 1 only when the first two completion tokens are the target pattern exactly (1 in 256 by chance).',
    ...UNIT_REWARD,
    needsPrompt: false,
    answerLength: (_promptLength) => 2,
  },
  'long-tail': {
    name: 'long-tail',
    doc: 'Long-tailed positive rewards: 1000^(fraction of pattern matches), spanning 1 to 1000 (exercises the log advantage).',
    rewardRange: [1, 1000],
    optimum: 1000,
    rewardsCanBeNonPositive: false,
    needsPrompt: false,
    answerLength: (_promptLength) => 0,
    minPromptLength: 1,
    // Rewards are 1000^(fraction matched): 90% of the positions is 1000^0.9, about 501.
    solvedReward: 1000 ** 0.9,
  },
  copy: { name: 'copy', doc: 'Copy the prompt: partial credit per position that repeats the prompt token.', ...PROMPT_TRANSFORM },
  reverse: { name: 'reverse', doc: 'Reverse the prompt: partial credit per position that holds the mirrored prompt token.', ...PROMPT_TRANSFORM },
  sort: { name: 'sort', doc: 'Sort the prompt digits ascending (prompt tokens are digits): partial credit per correct position.', ...PROMPT_TRANSFORM },
  add: {
    name: 'add',
    doc: 'Add the two numbers a+b written in the prompt: partial credit per correct digit of the sum (most significant first).',
    ...UNIT_REWARD,
    needsPrompt: true,
    answerLength: (promptLength) => addOperandDigits(promptLength) + 1,
    minPromptLength: 3,
  },
};
