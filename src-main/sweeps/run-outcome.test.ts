/** Which runs the until-resolved driver counts (the outcome's definition is tested in src-shared/analysis/outcomes.test.ts). */
import { describe, expect, it } from 'vitest';
import { recordedAllSteps } from './run-outcome.js';

describe('run outcome', () => {
  it('a run counts only when it finished', () => {
    expect(recordedAllSteps({ status: 'finished' })).toBe(true);
    for (const status of ['crashed', 'failed', 'stopped', 'running', 'queued'] as const) expect(recordedAllSteps({ status })).toBe(false);
  });
});
