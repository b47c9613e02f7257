/**
 * The add task: the prompt writes two k-digit numbers as `a + b` (digits are ids 1..10, '+' is 11,
 * and '=' pads an even-length prompt); the answer is a + b in k + 1 digits, most significant first.
 * Partial credit per correct digit. Operands may have leading zeros, so every digit is uniform.
 */
import { addOperandDigits, DIGIT_BASE_ID, EQUALS_ID, PLUS_ID, TASKS } from '../../../src-shared/tasks.js';
import type { Rng } from '../rng.js';
import { positionalMatch, textOf, withEos, type Task } from './task.js';

/** Reads the operands back from a prompt built by makePrompt. */
function operands(prompt: Int32Array): [number, number] {
  const k = addOperandDigits(prompt.length);
  const value = (from: number) => prompt.subarray(from, from + k).reduce((acc, id) => acc * 10 + (id - DIGIT_BASE_ID), 0);
  return [value(0), value(k + 1)];
}

/** The sum as k + 1 digit ids, most significant first. */
function sumDigits(prompt: Int32Array): Int32Array {
  const k = addOperandDigits(prompt.length);
  const [a, b] = operands(prompt);
  return Int32Array.from(String(a + b).padStart(k + 1, '0'), (c) => DIGIT_BASE_ID + Number(c));
}

export const addTask: Task = {
  info: TASKS.add,
  makePrompt(rng: Rng, promptLength: number) {
    const k = addOperandDigits(promptLength);
    const digit = () => DIGIT_BASE_ID + rng.nextInt(10);
    const prompt = [...Array.from({ length: k }, digit), PLUS_ID, ...Array.from({ length: k }, digit)];
    while (prompt.length < promptLength) prompt.push(EQUALS_ID);
    return Int32Array.from(prompt);
  },
  reward: (prompt, completion) => positionalMatch(textOf(completion), sumDigits(prompt)),
  answer: (prompt, completionLength) => withEos(sumDigits(prompt), completionLength),
};
