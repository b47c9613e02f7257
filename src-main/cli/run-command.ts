/**
 * `hmpo-lab run`: trains one run in a child process from a config file and/or flags, recorded in the
 * database (--db, HMPO_LAB_DB or the default location) like every run of the app. On a terminal
 * it shows a progress bar (step, reward, ETA) on stderr; with --json it prints one JSON object per
 * optimizer step (glossary keys plus `step`) on stdout and nothing else there, each printed only
 * once it is stored. Exit code 0 for finished or stopped, 1 for failed or crashed. The first Ctrl-C
 * stops after the current step; a second one ends the trainer at once.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { OBJECTIVE_PRESETS } from '../../src-shared/objective-config.js';
import { validateRunConfig, type RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { TASK_NAMES } from '../../src-shared/tasks.js';
import type { RunDetail, RunSummary } from '../../src-shared/contract.js';
import type { App } from '../app/create-app.js';
import { UserFacingError } from '../app/user-facing-error.js';
import { openAppForCli, viaHandler } from './app-for-cli.js';
import { CliError, EXIT_FAILURE, runCommand } from './cli-errors.js';
import { applyOverrides } from './config-overrides.js';
import { readJsonInput } from './read-json-input.js';
import { stopRun, untilRunEnds } from './run-control.js';
import { connectRemote, lostAfterOption, redisOption, type RedisOptions } from '../workers/remote-cli-options.js';

interface RunOptions extends RedisOptions {
  config?: string;
  task?: string;
  objective?: string;
  seed?: number;
  steps?: number;
  set: string[];
  json?: boolean;
}

const integer = (text: string) => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value)) throw new InvalidArgumentError(`it must be a whole number.`);
  return value;
};

/** The config a run command describes, validated; throws CliError with the validator's message. */
export async function resolveRunConfig(options: RunOptions): Promise<RunConfig> {
  const base = options.config === undefined ? undefined : await readJsonInput(options.config);
  const input = applyOverrides(base, options, options.set);
  const result = validateRunConfig(input);
  if (!result.ok) throw new CliError(`invalid config: ${result.error.message}`);
  return result.value;
}

/** The --json line for one step: `step` and every glossary metric recorded on it. */
export function stepJsonLine(record: StepRecord): string {
  return JSON.stringify({ step: record.step, ...record.metrics });
}

function endText(end: Pick<RunSummary, 'status' | 'reason'> | null): { text: string; code: number } {
  if (end === null) return { text: 'was deleted by another process before it started', code: EXIT_FAILURE };
  if (end.status === 'failed') return { text: `failed: ${end.reason ?? 'no reason recorded'}`, code: EXIT_FAILURE };
  if (end.status === 'crashed') return { text: `crashed: ${end.reason ?? ''}`, code: EXIT_FAILURE };
  return { text: end.status, code: 0 };
}

/** The run's summary and events, or null when another process deleted it. */
async function runDetail(app: App, runId: string): Promise<RunDetail | null> {
  try {
    return await app.handlers['runs:get']({ runId });
  } catch (error) {
    if (error instanceof UserFacingError && error.code === 'RUN_NOT_FOUND') return null;
    throw error;
  }
}

async function run(options: RunOptions, command: Command): Promise<void> {
  const config = await resolveRunConfig(options);
  const interactive = process.stderr.isTTY === true;
  const bar = interactive
    ? new SingleBar({ format: ' {bar} {value}/{total} steps | reward {reward} | {rate} | ETA {eta_formatted}', hideCursor: true, stream: process.stderr, etaBuffer: 50 })
    : undefined;
  let readerClosed = false;
  let last: StepRecord | undefined;
  const started = Date.now();
  const remote = await connectRemote(options);
  const app = await openAppForCli(command, {
    concurrency: 1,
    ...(remote ? { remote } : {}),
    onStep: (_runId, record) => {
      if (last === undefined) bar?.start(config.totalSteps, 0, { reward: '-', rate: '' });
      last = record;
      if (options.json && !readerClosed) process.stdout.write(`${stepJsonLine(record)}\n`);
      const reward = record.metrics['charts/reward_mean'];
      const tokensPerS = record.metrics['perf/tokens_per_s'];
      bar?.update(record.step + 1, { reward: reward === undefined ? '-' : reward.toFixed(3), rate: tokensPerS === undefined ? '' : `${Math.round(tokensPerS)} tok/s` });
    },
  });
  const [runId] = (await viaHandler(() => app.handlers['runs:start']({ config, seeds: [config.seed] }))).runIds;
  const ended = untilRunEnds(app, runId!);
  if (interactive) process.stderr.write(`hmpo-lab run: run ${runId} (${config.objective.preset} on ${config.task}, seed ${config.seed}) recorded in ${app.info.databasePath}\n`);

  // A closed stdout (`--json | head`) is the reader saying it has enough: stop the run quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerClosed = true;
    void stopRun(app, runId!, false);
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\nhmpo-lab run: stopping after the current step (Ctrl-C again to abort)\n');
      void stopRun(app, runId!, false);
    } else {
      void stopRun(app, runId!, true);
    }
  };
  process.on('SIGINT', onSigint);
  const end = await ended;
  process.off('SIGINT', onSigint);
  bar?.stop();
  const detail = end === null ? null : await runDetail(app, runId!);
  await app.close();
  if (readerClosed) return;
  const { text, code } = endText(detail?.summary ?? null);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const reward = last?.metrics['charts/reward_mean'];
  // The Run view's own line for the run's last greedy evaluation (one text for both).
  const lastEval = detail?.events.filter((e) => e.kind === 'eval').at(-1);
  const evalText = lastEval ? `, ${lastEval.message}` : '';
  process.stderr.write(`hmpo-lab run: run ${runId} ${text} after ${detail?.summary.stepsDone ?? 0} steps in ${seconds}s on ${detail?.summary.backend ?? '?'}${reward === undefined ? '' : `, last rollout reward ${reward.toFixed(3)}`}${evalText}\n`);
  process.exitCode = code;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('train one run (progress bar on a terminal; --json prints one JSON object per optimizer step)')
    .option('-c, --config <file>', 'run config as JSON (any subset of fields; the rest take defaults)')
    .addOption(new Option('-t, --task <name>', 'task').choices(TASK_NAMES))
    .addOption(new Option('-o, --objective <preset>', 'objective preset (mean type)').choices(OBJECTIVE_PRESETS))
    .option('-s, --seed <n>', 'random seed', integer)
    .option('-n, --steps <n>', 'optimizer steps (totalSteps)', integer)
    .option('--set <key=value>', 'override any config field by dotted path, e.g. --set optimizer.name=muon (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--json', 'print one JSON object per optimizer step on stdout, nothing else')
    .addOption(redisOption())
    .addOption(lostAfterOption())
    .action(runCommand('run', (options: RunOptions, command: Command) => run(options, command)));
}
