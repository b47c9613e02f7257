/**
 * `hmpo-lab controllers --input telemetry.jsonl [--run run.json] [--base-hparams FILE]`: the offline
 * replay of an exported run through the AGM_Training controller suite (src-shared/controllers/),
 * built with the run's own settings as its training loop built it, printing one decision per input
 * line as JSON lines, shaped like the Python suite's. Reads files only; no database. Every line is
 * checked first, so bad input prints one line and no decisions.
 */
import type { Command } from 'commander';
import { parseBaseHyperparams, parseTelemetryLines, replayDecisions, settingsFromRunJson, settingsFromTelemetry } from '../../src-shared/controllers/replay.js';
import { ok } from '../../src-shared/result.js';
import { runJsonBeside } from '../export/exported-run-settings.js';
import { CliError, runCommand } from './cli-errors.js';
import { readJsonInput, readTextInput } from './read-json-input.js';

export function registerControllersCommand(program: Command): void {
  program
    .command('controllers')
    .description('replay a run\'s exported telemetry.jsonl through the AGM controller suite: one decision per line, as JSON lines')
    .requiredOption('-i, --input <file>', 'telemetry.jsonl of one run (hmpo-lab export --format agm), oldest step first ("-" reads stdin)')
    .option('--run <file>', 'the run.json exported with the telemetry: its config sets the base hyperparameters and dwell, as in the run (default: the run.json beside --input, else the telemetry\'s ext.hyperparams)')
    .option('--base-hparams <file>', 'JSON {"learning_rate", "epsilon", "batch_size", "agm_iterations"} (any subset, the rest AGM_Training\'s defaults) the suggestions scale, instead of the run\'s')
    .action(
      runCommand('controllers', async (options: { input: string; run?: string; baseHparams?: string }) => {
        const base = options.baseHparams === undefined ? undefined : parseBaseHyperparams(await readJsonInput(options.baseHparams));
        if (base && !base.ok) throw new CliError(`--base-hparams ${options.baseHparams}: ${base.error.message}`);
        const where = options.input === '-' ? 'standard input' : options.input;
        const records = parseTelemetryLines(await readTextInput(options.input));
        if (!records.ok) throw new CliError(`${where}: ${records.error.message}`);
        const runJson = options.run ?? runJsonBeside(options.input);
        const run = runJson === undefined ? ok(settingsFromTelemetry(records.value)) : settingsFromRunJson(await readJsonInput(runJson));
        if (!run.ok) throw new CliError(`${runJson}: ${run.error.message}`);
        const decisions = replayDecisions(records.value, base ? { ...run.value, baseHyperparams: base.value } : run.value);
        process.stdout.write(decisions.map((d) => `${JSON.stringify(d)}\n`).join(''));
      }),
    );
}
