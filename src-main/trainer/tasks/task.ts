/**
 * What a task is to the trainer: prompts drawn from a seeded generator, a deterministic reward of
 * (prompt, completion) computed on the CPU from token ids, the correct answer (for the supervised
 * warm start), and the success test. Catalogue data (ranges, optimum, sign) lives in src-shared/tasks.ts.
 */
import { EOS_ID, type TaskInfo } from '../../../src-shared/tasks.js';
import type { Rng } from '../rng.js';

export interface Task {
  readonly info: TaskInfo;
  /** A prompt of `promptLength` symbol ids (never EOS). */
  makePrompt(rng: Rng, promptLength: number): Int32Array;
  /**
   * The reward of a completion: `completion` holds exactly the scored tokens (up to and including
   * the first EOS, if any), so its length is at most the configured completion length.
   */
  reward(prompt: Int32Array, completion: Int32Array, completionLength: number): number;
  /** The ideal completion (ending with EOS where it fits), for teacher forcing; length <= completionLength. */
  answer(prompt: Int32Array, completionLength: number): Int32Array;
}

/** True when the reward reached the task optimum (up to rounding): what `success_rate` counts. */
export function isSuccess(task: Task, reward: number): boolean {
  return reward >= task.info.optimum - 1e-9 * Math.max(1, Math.abs(task.info.optimum));
}

/** The tokens before the first EOS (the "text" of a completion). */
export function textOf(completion: Int32Array): Int32Array {
  const end = completion.indexOf(EOS_ID);
  return end < 0 ? completion : completion.subarray(0, end);
}

/** Fraction of `target` positions that `text` reproduces exactly (missing positions count as wrong). */
export function positionalMatch(text: Int32Array, target: ArrayLike<number>): number {
  if (target.length === 0) return 1;
  let hits = 0;
  for (let i = 0; i < target.length; i++) if (text[i] === target[i]) hits += 1;
  return hits / target.length;
}

/** Appends EOS when there is room within `completionLength`. */
export function withEos(answer: ArrayLike<number>, completionLength: number): Int32Array {
  const length = Math.min(completionLength, answer.length + 1);
  const out = new Int32Array(length).fill(EOS_ID);
  for (let i = 0; i < Math.min(answer.length, length); i++) out[i] = answer[i]!;
  return out;
}
