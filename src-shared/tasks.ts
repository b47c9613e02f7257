/**
 * The task catalogue: names, reward ranges, optima and sign, shared by the config validator, the
 * renderer's form and the telemetry export (which normalises rewards to [0, 1] with the range).
 * The reward functions themselves live in src-main/trainer/tasks/; this file is data only.
 */

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
}

export const TASKS: Readonly<Record<TaskName, TaskInfo>> = {
  'pattern-dense': {
    name: 'pattern-dense',
    doc: 'Dense partial credit: the fraction of completion positions that match a fixed target pattern.',
    rewardRange: [0, 1],
    optimum: 1,
    rewardsCanBeNonPositive: true,
    needsPrompt: false,
  },
  'pattern-sparse': {
    name: 'pattern-sparse',
    doc: 'Sparse 0/1: reward 1 only when the first four completion tokens are the target pattern exactly.',
    rewardRange: [0, 1],
    optimum: 1,
    rewardsCanBeNonPositive: true,
    needsPrompt: false,
  },
  'long-tail': {
    name: 'long-tail',
    doc: 'Long-tailed positive rewards: 1000^(fraction of pattern matches), spanning 1 to 1000 (exercises the log advantage).',
    rewardRange: [1, 1000],
    optimum: 1000,
    rewardsCanBeNonPositive: false,
    needsPrompt: false,
  },
  copy: {
    name: 'copy',
    doc: 'Copy the prompt: partial credit per position that repeats the prompt token.',
    rewardRange: [0, 1],
    optimum: 1,
    rewardsCanBeNonPositive: true,
    needsPrompt: true,
  },
  reverse: {
    name: 'reverse',
    doc: 'Reverse the prompt: partial credit per position that holds the mirrored prompt token.',
    rewardRange: [0, 1],
    optimum: 1,
    rewardsCanBeNonPositive: true,
    needsPrompt: true,
  },
  sort: {
    name: 'sort',
    doc: 'Sort the prompt digits ascending: partial credit per correct position.',
    rewardRange: [0, 1],
    optimum: 1,
    rewardsCanBeNonPositive: true,
    needsPrompt: true,
  },
  add: {
    name: 'add',
    doc: 'Add the two numbers in the prompt: partial credit per correct digit of the sum.',
    rewardRange: [0, 1],
    optimum: 1,
    rewardsCanBeNonPositive: true,
    needsPrompt: true,
  },
};
