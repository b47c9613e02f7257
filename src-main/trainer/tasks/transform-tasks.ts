/**
 * Tasks whose answer is a transformation of the prompt, in one file because they differ only in
 * the transformation: copy, reverse, sort (ascending digits). Partial credit is the fraction of the
 * answer's positions the completion's text (tokens before EOS) reproduces; tokens past the answer
 * length are ignored.
 */
import { DIGIT_BASE_ID, TASKS, VOCAB_SIZE, type TaskName } from '../../../src-shared/tasks.js';
import type { Rng } from '../rng.js';
import { positionalMatch, textOf, withEos, type Task } from './task.js';

function transformTask(name: TaskName, transform: (prompt: Int32Array) => Int32Array, alphabet: { first: number; size: number }): Task {
  return {
    info: TASKS[name],
    makePrompt: (rng: Rng, promptLength: number) => Int32Array.from({ length: promptLength }, () => alphabet.first + rng.nextInt(alphabet.size)),
    reward: (prompt, completion) => positionalMatch(textOf(completion), transform(prompt)),
    answer: (prompt, completionLength) => withEos(transform(prompt), completionLength),
  };
}

const symbols = { first: 1, size: VOCAB_SIZE - 1 };
const digits = { first: DIGIT_BASE_ID, size: 10 };

export const copyTask = transformTask('copy', (prompt) => prompt.slice(), symbols);
export const reverseTask = transformTask('reverse', (prompt) => prompt.slice().reverse(), symbols);
export const sortTask = transformTask('sort', (prompt) => prompt.slice().sort(), digits);
