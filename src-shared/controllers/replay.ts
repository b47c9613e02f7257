/**
 * The offline replay: a run's telemetry.jsonl text (one record per line, oldest first) through one
 * fresh suite built as the training loop builds it (run-suite-settings.ts: the run's own base
 * hyperparameters and dwell, the loss history read), one decision per record, so replaying a
 * controlled run gives the decisions it got. The settings come from the run's run.json config,
 * else from the telemetry's own ext.hyperparams. Every line is checked before any decision is
 * made, so bad input yields one message (naming the line and the field) and no output. Used by
 * `hmpo-lab controllers`; pure (text in, Result out).
 */
import { z } from 'zod';
import { err, ok, type Result } from '../result.js';
import { formatIssues } from '../validation-messages.js';
import { validateRunConfig } from '../run-config.js';
import type { ControllerDecision } from './controller-suite.js';
import { DEFAULT_BASE_HYPERPARAMS, type BaseHyperparams } from './hyperparameter-adapter.js';
import { DEFAULT_RUN_SUITE_SETTINGS, runSuiteSettings, suiteForRun, type RunSuiteSettings } from './run-suite-settings.js';
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

/** The suite settings of an exported run, from its run.json (its `config`, as the trainer read it). */
export function settingsFromRunJson(runJson: unknown): Result<RunSuiteSettings> {
  const config = typeof runJson === 'object' && runJson !== null ? (runJson as { config?: unknown }).config : undefined;
  if (config === undefined) return err(INVALID_TELEMETRY, 'has no "config": give the run.json that hmpo-lab export --format agm wrote beside the telemetry');
  const validated = validateRunConfig(config);
  return validated.ok ? ok(runSuiteSettings(validated.value)) : err(INVALID_TELEMETRY, `config: ${validated.error.message.split('\n').join('; ')}`);
}

/**
 * Settings when the run.json is not at hand: the first record's ext.hyperparams (the run's own
 * values, before any control acted) and the default dwell; AGM_Training's base when it has none.
 */
export function settingsFromTelemetry(records: readonly TelemetryRecord[]): RunSuiteSettings {
  const recorded = (records[0]?.ext as { hyperparams?: unknown } | undefined)?.hyperparams;
  const base = recorded === undefined ? undefined : parseBaseHyperparams(recorded);
  return base?.ok ? { ...DEFAULT_RUN_SUITE_SETTINGS, baseHyperparams: base.value } : DEFAULT_RUN_SUITE_SETTINGS;
}

/** One fresh suite, built as the run's (suiteForRun), over the records in order. */
export function replayDecisions(records: readonly TelemetryRecord[], settings: RunSuiteSettings = DEFAULT_RUN_SUITE_SETTINGS): ControllerDecision[] {
  const suite = suiteForRun(settings);
  return records.map((record) => suite.update(record));
}
