/**
 * The part of one exported telemetry.jsonl line (shared spec agm-telemetry.md) that the controller
 * suite reads, as a zod schema with AGM_Training's TelemetryPayload rules: a whole step >= 0, AGM
 * histories both empty or both non-empty, `rl` with td/q/reward, an optional muon_clip with
 * clip_rate in [0, 1]. Other keys (ext, hmpo) pass through untouched. Validation only.
 */
import { z } from 'zod';

const finite = z.number().finite('must be a finite number');
const history = z.array(finite).default([]);

export const TelemetryRecordSchema = z
  .looseObject({
    step: z.number().int('must be a whole number').min(0, 'must be >= 0').describe('Optimizer step, strictly increasing within a file.'),
    agm: z
      .looseObject({
        arithmetic_history: history.describe('Last W per-step batch means of the pre-iteration arithmetic mean A0, oldest first.'),
        harmonic_history: history.describe('Last W per-step batch means of the pre-iteration harmonic mean H0, oldest first.'),
      })
      .refine((agm) => (agm.arithmetic_history.length === 0) === (agm.harmonic_history.length === 0), 'arithmetic_history and harmonic_history must both be empty or both non-empty')
      .describe('AGM histories.'),
    rl: z
      .looseObject({
        td: z.looseObject({ mean: finite.default(0), var: finite.min(0, 'must be >= 0').default(0) }),
        q: z.looseObject({ rel_change: finite.default(0) }),
        reward: z.looseObject({ train_mean: finite.default(0), eval_mean: finite.default(0) }),
      })
      .describe('RL statistics; reward.eval_mean is the primary metric in [0, 1].'),
    muon_clip: z.looseObject({ active: z.boolean().default(false), clip_rate: finite.min(0, 'must be >= 0').max(1, 'must be <= 1').default(0) }).optional(),
    ext: z.looseObject({ loss_history: z.array(finite).optional() }).optional(),
  })
  .describe('One telemetry.jsonl line.');

export type TelemetryRecord = z.infer<typeof TelemetryRecordSchema>;
