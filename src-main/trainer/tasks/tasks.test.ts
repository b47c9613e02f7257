/**
 * Every task: its own answer scores the optimum (success), random completions stay inside the
 * declared reward range, the sign flag is honest, prompts are deterministic per seed, and hand-made
 * examples of add, sort, reverse and the pattern tasks score what they should.
 */
import { describe, expect, it } from 'vitest';
import { EOS_ID, TASK_NAMES, TASKS, PLUS_ID } from '../../../src-shared/tasks.js';
import { Rng } from '../rng.js';
import { TASK_IMPLEMENTATIONS, isSuccess } from './index.js';
import { patternTarget } from './pattern-tasks.js';

const PROMPT = 8;
const COMPLETION = 16;
const ids = (...values: number[]) => Int32Array.from(values);
const digits = (text: string) => Int32Array.from(text, (c) => 1 + Number(c));

describe.each(TASK_NAMES)('task %s', (name) => {
  const task = TASK_IMPLEMENTATIONS[name];

  it('its answer reaches the optimum; an immediate EOS scores the range minimum', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20; i++) {
      const prompt = task.makePrompt(rng, PROMPT);
      expect(prompt).toHaveLength(PROMPT);
      expect(prompt.includes(EOS_ID)).toBe(false);
      const answer = task.answer(prompt, COMPLETION);
      expect(answer.length).toBeLessThanOrEqual(COMPLETION);
      const reward = task.reward(prompt, answer, COMPLETION);
      expect(reward).toBeCloseTo(task.info.optimum, 9);
      expect(isSuccess(task, reward)).toBe(true);
      expect(task.reward(prompt, ids(EOS_ID), COMPLETION)).toBe(task.info.rewardRange[0]);
    }
  });

  it('random completions stay inside the declared reward range and respect the sign flag', () => {
    const rng = new Rng(11);
    const [low, high] = TASKS[name].rewardRange;
    for (let i = 0; i < 200; i++) {
      const prompt = task.makePrompt(rng, PROMPT);
      const length = 1 + rng.nextInt(COMPLETION);
      const completion = Int32Array.from({ length }, () => rng.nextInt(16));
      const reward = task.reward(prompt, completion, COMPLETION);
      expect(reward).toBeGreaterThanOrEqual(low);
      expect(reward).toBeLessThanOrEqual(high);
      if (!TASKS[name].rewardsCanBeNonPositive) expect(reward).toBeGreaterThan(0);
    }
  });

  it('draws the same prompts for the same seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, (_, i) => Array.from(task.makePrompt(new Rng(seed).fork(`p${i}`), PROMPT)));
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});

describe('hand-made examples', () => {
  it('pattern-dense gives partial credit per position; tokens after EOS do not count', () => {
    const target = patternTarget(4); // 1, 4, 7, 10
    expect(Array.from(target)).toEqual([1, 4, 7, 10]);
    const task = TASK_IMPLEMENTATIONS['pattern-dense'];
    expect(task.reward(ids(), ids(1, 4, 9, 10), 4)).toBe(0.75);
    expect(task.reward(ids(), ids(1, 4, EOS_ID), 4)).toBe(0.5);
  });

  it('pattern-sparse is all or nothing on the first two tokens', () => {
    const task = TASK_IMPLEMENTATIONS['pattern-sparse'];
    expect(task.reward(ids(), ids(1, 4, 0), 16)).toBe(1);
    expect(task.reward(ids(), ids(1, 5, 7, 10), 16)).toBe(0);
  });

  it('long-tail spans 1 to 1000', () => {
    const task = TASK_IMPLEMENTATIONS['long-tail'];
    expect(task.reward(ids(), ids(1, 4), 4)).toBeCloseTo(1000 ** 0.5, 9);
  });

  it('add: 37 + 85 = 122 with two-digit operands', () => {
    const task = TASK_IMPLEMENTATIONS.add;
    const prompt = Int32Array.from([...digits('37'), PLUS_ID, ...digits('85')]);
    expect(task.reward(prompt, digits('122'), 8)).toBe(1);
    expect(task.reward(prompt, digits('123'), 8)).toBeCloseTo(2 / 3, 12);
    expect(Array.from(task.answer(prompt, 8))).toEqual([...digits('122'), EOS_ID]);
  });

  it('add pads an even-length prompt with "=" and keeps k + 1 sum digits', () => {
    const prompt = TASK_IMPLEMENTATIONS.add.makePrompt(new Rng(1), 8); // k = 3
    expect(prompt[3]).toBe(PLUS_ID);
    expect(prompt[7]).toBe(12);
    expect(TASK_IMPLEMENTATIONS.add.answer(prompt, 16)).toHaveLength(5); // 4 digits + EOS
  });

  it('sort and reverse', () => {
    expect(TASK_IMPLEMENTATIONS.sort.reward(digits('3141'), digits('1134'), 8)).toBe(1);
    expect(TASK_IMPLEMENTATIONS.sort.reward(digits('3141'), digits('1143'), 8)).toBe(0.5);
    expect(TASK_IMPLEMENTATIONS.reverse.reward(ids(2, 3, 4), ids(4, 3, 2, EOS_ID), 8)).toBe(1);
    expect(TASK_IMPLEMENTATIONS.copy.reward(ids(2, 3, 4), ids(2, 3), 8)).toBeCloseTo(2 / 3, 12);
  });
});
