/**
 * `hmpo-lab controllers --input telemetry.jsonl [--base-hparams FILE]`: the offline replay of an
 * exported run through the AGM_Training controller suite (src-shared/controllers/), printing one
 * decision per input line as JSON lines, shaped like the Python suite's. Reads files only; no
 * database. Every line is checked first, so bad input prints one line and no decisions.
 */
import type { Command } from 'commander';
import { parseBaseHyperparams, parseTelemetryLines, replayDecisions } from '../../src-shared/controllers/replay.js';
import { DEFAULT_BASE_HYPERPARAMS } from '../../src-shared/controllers/hyperparameter-adapter.js';
import { CliError, runCommand } from './cli-errors.js';
import { readJsonInput, readTextInput } from './read-json-input.js';

export function registerControllersCommand(program: Command): void {
  program
    .command('controllers')
    .description('replay a run\'s exported telemetry.jsonl through the AGM controller suite: one decision per line, as JSON lines')
    .requiredOption('-i, --input <file>', 'telemetry.jsonl of one run (hmpo-lab export --format agm), oldest step first ("-" reads stdin)')
    .option('--base-hparams <file>', 'JSON {"learning_rate", "epsilon", "batch_size", "agm_iterations"} (any subset) the suggestions scale; default: AGM_Training\'s defaults')
    .action(
      runCommand('controllers', async (options: { input: string; baseHparams?: string }) => {
        const base = options.baseHparams === undefined ? { ok: true as const, value: DEFAULT_BASE_HYPERPARAMS } : parseBaseHyperparams(await readJsonInput(options.baseHparams));
        if (!base.ok) throw new CliError(`--base-hparams ${options.baseHparams}: ${base.error.message}`);
        const where = options.input === '-' ? 'standard input' : options.input;
        const records = parseTelemetryLines(await readTextInput(options.input));
        if (!records.ok) throw new CliError(`${where}: ${records.error.message}`);
        const decisions = replayDecisions(records.value, base.value);
        process.stdout.write(decisions.map((d) => `${JSON.stringify(d)}\n`).join(''));
      }),
    );
}
