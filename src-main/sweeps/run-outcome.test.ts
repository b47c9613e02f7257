/** The until-resolved outcome: final reward over the last 10% of steps, and which runs count. */
import { describe, expect, it } from 'vitest';
import { finalReward, recordedAllSteps } from './run-outcome.js';

describe('run outcome', () => {
  it('final reward is the mean of the last 10% of the steps (at least one), NaN steps left out', () => {
    expect(finalReward(Array.from({ length: 20 }, (_, i) => i))).toBe(18.5);
    expect(finalReward([1, 2, 3])).toBe(3);
    expect(finalReward([1, Number.NaN])).toBeNaN();
    expect(finalReward([])).toBeNaN();
  });

  it('a run counts when it recorded every step, whatever the parent saw at its exit', () => {
    expect(recordedAllSteps({ status: 'finished', stepsDone: 3, totalSteps: 10 })).toBe(true);
    expect(recordedAllSteps({ status: 'crashed', stepsDone: 10, totalSteps: 10 })).toBe(true);
    expect(recordedAllSteps({ status: 'crashed', stepsDone: 9, totalSteps: 10 })).toBe(false);
    expect(recordedAllSteps({ status: 'stopped', stepsDone: 10, totalSteps: 10 })).toBe(false);
  });
});
