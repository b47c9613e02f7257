/**
 * The `hmpo-lab objective` input format and its validation: an objective (preset + overrides, the
 * same shape as RunConfig.objective) and ragged per-sequence log-probs. Returns messages that name
 * the field and sequence at fault; computes nothing.
 */
import { z } from 'zod';
import { ObjectiveInputSchema, objectiveKnobProblems, resolveObjective, type ResolvedObjective } from '../../src-shared/objective-config.js';
import { formatIssues } from '../../src-shared/validation-messages.js';
import { err, ok, type Result } from '../../src-shared/result.js';
import type { SequenceLogProbs } from '../trainer/policy-batch.js';

const finite = z.number().finite('must be a finite number');
// A log-probability is log of a probability in (0, 1], so it is <= 0; a positive one is a logit or
// a sign error upstream, and the ratios computed from it would be meaningless.
const logProb = finite.max(0, 'must be <= 0, since a log-probability is at most log 1 = 0 (a positive value is a logit, or its sign is flipped)');
const logProbs = z.array(logProb).min(1, 'must hold at least one log-prob');

export const ObjectiveCliInputSchema = z.strictObject({
  objective: ObjectiveInputSchema.describe('The objective: {"preset": ..., ...overrides}, as in RunConfig.objective.'),
  sequences: z
    .array(
      z.strictObject({
        logpOld: logProbs.describe('log pi_old of each completion token.'),
        logpNew: logProbs.describe('log pi_theta of each completion token.'),
        logpRef: logProbs.optional().describe('log pi_ref of each completion token (needed when klBeta > 0).'),
        advantage: finite.describe('The sequence advantage.'),
      }),
    )
    .min(1, 'must hold at least one sequence')
    .describe('One entry per sequence.'),
});

export interface ObjectiveCliInput {
  readonly objective: ResolvedObjective;
  readonly sequences: SequenceLogProbs[];
}

export function validateObjectiveCliInput(input: unknown): Result<ObjectiveCliInput> {
  const parsed = ObjectiveCliInputSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return err('INVALID_INPUT', formatIssues(parsed.error.issues, ObjectiveCliInputSchema));
  const problems = objectiveKnobProblems(parsed.data.objective).map((p) => `objective.${p.key}: ${p.message}`);
  const { sequences } = parsed.data;
  sequences.forEach((s, i) => {
    if (s.logpNew.length !== s.logpOld.length) {
      problems.push(`sequences.${i}: logpNew has ${s.logpNew.length} values but logpOld has ${s.logpOld.length}; give one log-prob per completion token in each`);
    }
    if (s.logpRef && s.logpRef.length !== s.logpNew.length) {
      problems.push(`sequences.${i}: logpRef has ${s.logpRef.length} values but logpNew has ${s.logpNew.length}`);
    }
  });
  const withRef = sequences.filter((s) => s.logpRef !== undefined).length;
  if (withRef > 0 && withRef < sequences.length) {
    problems.push(`sequences: ${withRef} of ${sequences.length} sequences have logpRef; give it for all of them or none`);
  }
  if (problems.length === 0) {
    const objective = resolveObjective(parsed.data.objective);
    if (objective.klBeta > 0 && withRef === 0) problems.push('objective.klBeta: klBeta > 0 needs logpRef on every sequence; add them or set klBeta to 0');
    if (problems.length === 0) return ok({ objective, sequences });
  }
  return err('INVALID_INPUT', problems.join('\n'));
}
