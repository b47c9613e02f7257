/**
 * Runtime validation of every request argument of the contract (the renderer, or a browser on the
 * network, is untrusted). `validateRequest` returns a Result whose message names the channel and
 * the field; configs inside requests are judged later by validateRunConfig, with its own messages.
 */
import { z } from 'zod';
import { CHANNELS, type Channel, type RequestOf } from './contract.js';
import { METRIC_KEYS } from './metrics.js';
import { err, ok, type Result } from './result.js';
import { formatIssues } from './validation-messages.js';

const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a run id (letters, digits, - and _)');
const runIds = z.array(runId).max(10_000, 'at most 10,000 runs at once');
const metricKey = z.enum(METRIC_KEYS as [string, ...string[]]);
const xAxis = z.enum(['step', 'samples', 'wallTime']);
const configInput = z.record(z.string(), z.unknown()).describe('A run config (any subset of RunConfig fields).');
const seeds = z.array(z.number().int('seeds must be whole numbers').min(0).max(2 ** 31 - 1)).min(1, 'give at least one seed').max(1000, 'at most 1000 seeds');
const sweepSpec = z.strictObject({
  name: z.string().max(200).optional(),
  base: configInput,
  axes: z
    .array(
      z.strictObject({
        path: z.string().regex(/^$|^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, "must be a dotted config path like objective.preset, or '' to merge partial configs at the root"),
        values: z.array(z.unknown()).min(1, 'an axis needs at least one value').max(1000),
        labels: z.array(z.string().max(100)).optional(),
      }),
    )
    .max(8, 'at most 8 axes'),
  seeds,
});
const empty = z.null().describe('This request takes no argument (send null).');

const SCHEMAS: { readonly [C in Channel]: z.ZodType } = {
  'app:info': empty,
  'runs:list': empty,
  'runs:get': z.strictObject({ runId }),
  'runs:start': z.strictObject({ config: configInput, seeds, name: z.string().max(200).optional() }),
  'runs:stop': z.strictObject({ runId, now: z.boolean().optional() }),
  'runs:delete': z.strictObject({ runIds: runIds.min(1, 'choose at least one run') }),
  'runs:setTags': z.strictObject({ runId, tags: z.array(z.string().trim().min(1, 'tags cannot be empty').max(64, 'tags are at most 64 characters')).max(32, 'at most 32 tags') }),
  'runs:setNotes': z.strictObject({ runId, notes: z.string().max(100_000, 'notes are at most 100,000 characters') }),
  'sweeps:preview': sweepSpec,
  'sweeps:start': sweepSpec,
  'sweeps:list': empty,
  'sweeps:rename': z.strictObject({ sweepId: z.string().regex(/^\d{1,15}$/, 'must be a sweep id (a whole number)'), name: z.string().max(200, 'sweep names are at most 200 characters') }),
  'metrics:series': z.strictObject({ runIds: runIds.min(1, 'choose at least one run'), keys: z.array(metricKey).min(1).max(64), x: xAxis, buckets: z.number().int().min(2).max(10_000) }),
  'metrics:compare': z.strictObject({
    runIds: runIds.min(1, 'choose at least one run'),
    key: metricKey,
    x: xAxis,
    gridPoints: z.number().int().min(2).max(10_000),
    smoothing: z.number().min(0).lt(1, 'smoothing must be below 1'),
    band: z.enum(['std', 'se', 'ci95', 'minmax']),
    target: z.number().finite().nullable(),
    withSummary: z.boolean().optional(),
    finalWindow: z.number().gt(0, 'finalWindow must be a fraction above 0').max(1, 'finalWindow must be at most 1 (the whole run)').optional(),
    collapseEntropy: z.number().finite().min(0, 'collapseEntropy must be at least 0').optional(),
    keys: z.array(metricKey).max(16, 'at most 16 extra metrics per comparison').optional(),
    withSeeds: z.boolean().optional(),
  }),
  'metrics:histograms': z.strictObject({ runId, buckets: z.number().int().min(2).max(10_000) }),
  'metrics:qk': z.strictObject({ runId, buckets: z.number().int().min(2).max(10_000) }),
  'export:start': z.strictObject({ runIds: runIds.min(1, 'choose at least one run to export'), format: z.enum(['agm', 'csv', 'jsonl']), outDir: z.string().min(1, 'choose a folder') }),
  'export:cancel': z.strictObject({ exportId: z.string().min(1) }),
  'workers:list': empty,
  'workers:setRedis': z.strictObject({ url: z.string().max(2000, 'at most 2000 characters') }),
  'runs:metricSummaries': z.strictObject({ keys: z.array(metricKey).max(64, 'at most 64 metric columns'), runIds: runIds.optional() }),
};

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/** Validates a request argument for `channel`; the message names the channel and each bad field. */
export function validateRequest<C extends Channel>(channel: C, payload: unknown): Result<RequestOf<C>> {
  const schema = SCHEMAS[channel];
  const parsed = schema.safeParse(payload === undefined ? null : payload, { reportInput: true });
  if (!parsed.success) {
    return err('INVALID_REQUEST', `${channel}: ${formatIssues(parsed.error.issues, schema).split('\n').join('; ')}`);
  }
  return ok(parsed.data as RequestOf<C>);
}
