/**
 * The Verdict panel's sections: reward vs stability lines in main's order, resolved flags, identical
 * outcomes folded per pair, outcomes with no values left out.
 */
import { describe, expect, it } from 'vitest';
import { verdicts, type ArmOutcomeValues } from '../../src-shared/analysis/verdict.js';
import { verdictSections } from './verdict-lines.js';

const arm = (label: string, final: number[], skips: number[], ess: (number | null)[]): ArmOutcomeValues => ({
  label,
  outcomes: {
    finalReward: final.map((value, seed) => ({ seed, value })),
    nonFiniteSkips: skips.map((value, seed) => ({ seed, value })),
    ess: ess.map((value, seed) => ({ seed, value })),
  },
});

describe('verdictSections', () => {
  it('splits reward from stability, marks resolved lines and folds identical outcomes', () => {
    const a = arm('gspo', [0.61, 0.72, 0.55, 0.8, 0.66], [0, 0, 0, 0, 0], [null, null, null, null, null]);
    const b = arm('p=1', [0.5, 0.58, 0.52, 0.61, 0.49], [0, 0, 0, 0, 0], [null, null, null, null, null]);
    const sections = verdictSections(verdicts([a, b], ['finalReward', 'nonFiniteSkips', 'ess']));
    expect(sections.reward).toEqual([{ key: 'gspo|p=1|finalReward', text: expect.stringMatching(/^gspo - p=1, final reward: \+0\.128 .* — resolved$/), resolved: true }]);
    expect(sections.stability).toEqual([]);
    expect(sections.identical).toEqual(['gspo - p=1: non-finite skips']);
    expect(sections).toMatchObject({ resolvedCount: 1, total: 1 });
  });

  it('keeps not-resolved stability lines with their seeds-to-resolve', () => {
    const a = arm('x', [0.5, 0.5, 0.5], [1, 0, 2], [0.8, 0.7, 0.9]);
    const b = arm('y', [0.5, 0.5, 0.5], [0, 1, 1], [0.7, 0.75, 0.8]);
    const sections = verdictSections(verdicts([a, b], ['finalReward', 'nonFiniteSkips', 'ess']));
    expect(sections.stability.map((r) => r.text)).toEqual([expect.stringMatching(/^x - y, non-finite skips: .* — not resolved/), expect.stringMatching(/^x - y, ESS: .* — not resolved \(~\d+ seeds/)]);
    expect(sections.identical).toEqual(['x - y: final reward']);
    expect(sections.resolvedCount).toBe(0);
  });
});
