/**
 * `hmpo-lab calibrate-tau`: measures a QK-clip tau that fires at the model size in use. It trains
 * the config once with AdamW and QK-clip off (a recorded run, named "tau calibration"), reads the
 * max pre-softmax attention logit of every step and prints tau = that series' quantile (default
 * the median; see src-shared/plans/tau-calibration.ts for why). stdout gets the number alone.
 * `sweep --tau auto` calls the same function before a plan with QK-clip arms.
 */
import type { Command } from 'commander';
import { calibrationConfig, DEFAULT_TAU_QUANTILE, tauFromMaxLogits } from '../../src-shared/plans/tau-calibration.js';
import { validateRunConfig, type RunConfigInput } from '../../src-shared/run-config.js';
import type { App } from '../app/create-app.js';
import { readSeriesFast } from '../db/series-bulk-queries.js';
import { recordedAllSteps } from '../sweeps/run-outcome.js';
import { openAppForCli, viaHandler } from './app-for-cli.js';
import { untilRunEnds } from './run-control.js';
import { CliError, EXIT_FAILURE, runCommand } from './cli-errors.js';
import { applyOverrides } from './config-overrides.js';
import { readJsonInput } from './read-json-input.js';

export interface TauCalibration {
  readonly tau: number;
  readonly runId: string;
  readonly steps: number;
  readonly max: number;
  readonly quantile: number;
}

/** Trains the calibration run of `base` and returns the tau it measures; CliError when it cannot. */
export async function calibrateTau(app: App, base: RunConfigInput, quantile: number = DEFAULT_TAU_QUANTILE): Promise<TauCalibration> {
  const config = validateRunConfig(calibrationConfig(base));
  if (!config.ok) throw new CliError(`invalid config: ${config.error.message}`);
  const [runId] = (await viaHandler(() => app.handlers['runs:start']({ config: config.value, seeds: [config.value.seed], name: `tau calibration · AdamW, no QK-clip · seed ${config.value.seed}` }))).runIds;
  const end = await untilRunEnds(app, runId!);
  if (end === null || !recordedAllSteps(end)) throw new CliError(`the calibration run ${runId} ended ${end?.status ?? 'without a status'} before its last step${end?.reason ? ` (${end.reason})` : ''}; fix the config and retry`, EXIT_FAILURE);
  const result = tauFromMaxLogits(readSeriesFast(app.db, Number(runId), 'optim/qk_max_logit').values, quantile);
  if (!result.ok) throw new CliError(`calibration run ${runId}: ${result.message}`, EXIT_FAILURE);
  return { tau: result.tau, runId: runId!, steps: result.steps, max: result.max, quantile };
}

export function describeCalibration(c: TauCalibration): string {
  return `tau ${c.tau} = quantile ${c.quantile} of the per-step max QK logits of calibration run ${c.runId} (AdamW, QK-clip off; ${c.steps} steps, largest ${c.max.toPrecision(3)})`;
}

export function registerCalibrateTauCommand(program: Command): void {
  program
    .command('calibrate-tau')
    .description('measure a QK-clip tau that fires at this model size: one AdamW run without QK-clip, tau = a quantile of its per-step max QK logits')
    .option('-c, --config <file>', 'run config as JSON (the model size and settings the sweep will use)')
    .option('--set <key=value>', 'override a config field (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--quantile <q>', 'quantile of the per-step max logits, in (0, 1)', String(DEFAULT_TAU_QUANTILE))
    .action(
      runCommand('calibrate-tau', async (options: { config?: string; set: string[]; quantile: string }, command: Command) => {
        const quantile = Number(options.quantile);
        if (!(quantile > 0 && quantile < 1)) throw new CliError(`--quantile must be a number between 0 and 1 (exclusive), got '${options.quantile}'`);
        const base = applyOverrides(options.config === undefined ? undefined : await readJsonInput(options.config), {}, options.set);
        const app = await openAppForCli(command, { concurrency: 1 });
        try {
          const calibration = await calibrateTau(app, base as RunConfigInput, quantile);
          process.stderr.write(`hmpo-lab calibrate-tau: ${describeCalibration(calibration)}\n`);
          process.stdout.write(`${calibration.tau}\n`);
        } finally {
          await app.close();
        }
      }),
    );
}
