/** Which runs the until-resolved driver counts (the outcome's definition is tested in src-shared/analysis/outcomes.test.ts). */
import { describe, expect, it } from 'vitest';
import { recordedAllSteps } from './run-outcome.js';

describe('run outcome', () => {
  it('a run counts when it recorded every step, whatever the parent saw at its exit', () => {
    expect(recordedAllSteps({ status: 'finished', stepsDone: 3, totalSteps: 10 })).toBe(true);
    expect(recordedAllSteps({ status: 'crashed', stepsDone: 10, totalSteps: 10 })).toBe(true);
    expect(recordedAllSteps({ status: 'crashed', stepsDone: 9, totalSteps: 10 })).toBe(false);
    expect(recordedAllSteps({ status: 'stopped', stepsDone: 10, totalSteps: 10 })).toBe(false);
  });
});
