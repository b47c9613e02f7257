/**
 * The three prompt-independent tasks, in one file because they share one target pattern:
 * pattern-dense (partial credit per position), pattern-sparse (0/1 on the first two tokens) and
 * long-tail (1000^fraction, positive rewards over three orders of magnitude for the log advantage).
 * The policy must learn a position-dependent sequence; the prompt is noise it should ignore.
 */
import { TASKS, VOCAB_SIZE } from '../../../src-shared/tasks.js';
import type { Rng } from '../rng.js';
import { positionalMatch, textOf, type Task } from './task.js';

/** The target symbol at completion position j: 1, 4, 7, 10, 13, 1, 4, ... (ids 1..15, never EOS). */
export function patternTarget(length: number): Int32Array {
  return Int32Array.from({ length }, (_, j) => 1 + ((3 * j) % (VOCAB_SIZE - 1)));
}

function randomSymbols(rng: Rng, length: number): Int32Array {
  return Int32Array.from({ length }, () => 1 + rng.nextInt(VOCAB_SIZE - 1));
}

const denseFraction = (completion: Int32Array, completionLength: number) => positionalMatch(textOf(completion), patternTarget(completionLength));

export const patternDense: Task = {
  info: TASKS['pattern-dense'],
  makePrompt: randomSymbols,
  reward: (_prompt, completion, completionLength) => denseFraction(completion, completionLength),
  answer: (_prompt, completionLength) => patternTarget(completionLength),
};

export const patternSparse: Task = {
  info: TASKS['pattern-sparse'],
  makePrompt: randomSymbols,
  reward: (_prompt, completion) => (positionalMatch(textOf(completion), patternTarget(2)) === 1 ? 1 : 0),
  answer: (_prompt, completionLength) => patternTarget(completionLength),
};

export const longTail: Task = {
  info: TASKS['long-tail'],
  makePrompt: randomSymbols,
  reward: (_prompt, completion, completionLength) => 1000 ** denseFraction(completion, completionLength),
  answer: (_prompt, completionLength) => patternTarget(completionLength),
};
