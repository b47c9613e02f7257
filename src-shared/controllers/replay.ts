/**
 * The offline replay: a run's telemetry.jsonl text (one record per line, oldest first) through one
 * fresh ControllerSuite, one decision per record. Every line is checked before any decision is
 * made, so bad input yields one message (naming the line and the field) and no output. Used by
 * `hmpo-lab controllers`; pure (text in, Result out).
 */
import { z } from 'zod';
import { err, ok, type Result } from '../result.js';
import { formatIssues } from '../validation-messages.js';
import { ControllerSuite, type ControllerDecision } from './controller-suite.js';
import { DEFAULT_BASE_HYPERPARAMS, type BaseHyperparams } from './hyperparameter-adapter.js';
import { TelemetryRecordSchema, type TelemetryRecord } from './telemetry-record.js';

export const INVALID_TELEMETRY = 'INVALID_TELEMETRY';

/** AGM_Training's BaseHyperparams rules; omitted fields take its defaults. */
export const BaseHyperparamsSchema = z.strictObject({
  learning_rate: z.number().positive('must be > 0').default(DEFAULT_BASE_HYPERPARAMS.learning_rate).describe('Base learning rate the suggestions scale.'),
  epsilon: z.number().min(0, 'must be >= 0').max(1, 'must be <= 1').default(DEFAULT_BASE_HYPERPARAMS.epsilon).describe('Base clip epsilon.'),
  batch_size: z.number().int('must be a whole number').min(1, 'must be >= 1').default(DEFAULT_BASE_HYPERPARAMS.batch_size).describe('Base batch size.'),
  agm_iterations: z.number().int('must be a whole number').min(1, 'must be >= 1').default(DEFAULT_BASE_HYPERPARAMS.agm_iterations).describe('Base AGM iterations.'),
});

/** Validates a base-hyperparameters object (any subset of the four fields). */
export function parseBaseHyperparams(input: unknown): Result<BaseHyperparams> {
  const parsed = BaseHyperparamsSchema.safeParse(input, { reportInput: true });
  return parsed.success ? ok(parsed.data) : err(INVALID_TELEMETRY, formatIssues(parsed.error.issues, BaseHyperparamsSchema));
}

/** Parses and checks every line: JSON, the record schema, strictly increasing steps. */
export function parseTelemetryLines(text: string): Result<TelemetryRecord[]> {
  const records: TelemetryRecord[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      return err(INVALID_TELEMETRY, `${where} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = TelemetryRecordSchema.safeParse(value, { reportInput: true });
    if (!parsed.success) return err(INVALID_TELEMETRY, `${where}: ${formatIssues(parsed.error.issues, TelemetryRecordSchema).split('\n').join('; ')}`);
    const previous = records[records.length - 1];
    if (previous !== undefined && parsed.data.step <= previous.step) {
      return err(INVALID_TELEMETRY, `${where}: step ${parsed.data.step} does not follow step ${previous.step}; give one run's telemetry.jsonl, oldest step first`);
    }
    records.push(parsed.data);
  }
  if (records.length === 0) return err(INVALID_TELEMETRY, 'the telemetry holds no records; give a run\'s telemetry.jsonl (one JSON object per line)');
  return ok(records);
}

/** One fresh suite over the records, in order. */
export function replayDecisions(records: readonly TelemetryRecord[], baseHyperparams: BaseHyperparams = DEFAULT_BASE_HYPERPARAMS): ControllerDecision[] {
  const suite = new ControllerSuite({ baseHyperparams });
  return records.map((record) => suite.update(record));
}
