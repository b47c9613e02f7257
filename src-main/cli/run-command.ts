/**
 * `hmpo-lab run`: trains one run in a child process from a config file and/or flags. On a terminal
 * it shows a progress bar (step, reward, ETA) on stderr; with --json it prints one JSON object per
 * optimizer step (glossary keys plus `step`) on stdout and nothing else there. The first Ctrl-C
 * stops after the current step; a second one ends the trainer at once.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { OBJECTIVE_PRESETS } from '../../src-shared/objective-config.js';
import { validateRunConfig, type RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord, TrainEvent } from '../../src-shared/step-record.js';
import { TASK_NAMES } from '../../src-shared/tasks.js';
import { startTrainer, type TrainerExit } from '../trainer/trainer-host.js';
import { CliError, EXIT_FAILURE, runCommand } from './cli-errors.js';
import { applyOverrides } from './config-overrides.js';
import { readJsonInput } from './read-json-input.js';

interface RunOptions {
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

function describeExit(exit: TrainerExit): { text: string; code: number } {
  switch (exit.kind) {
    case 'outcome':
      if (exit.outcome.status === 'failed') return { text: `failed after ${exit.outcome.steps} steps: ${exit.outcome.reason}`, code: EXIT_FAILURE };
      return { text: `${exit.outcome.status} after ${exit.outcome.steps} steps`, code: 0 };
    case 'error':
      return { text: `trainer error: ${exit.error.message}`, code: exit.error.code === 'BACKEND_UNAVAILABLE' ? 2 : EXIT_FAILURE };
    case 'crashed':
      return { text: `the trainer process died (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`})`, code: EXIT_FAILURE };
  }
}

async function run(options: RunOptions): Promise<void> {
  const config = await resolveRunConfig(options);
  const interactive = process.stderr.isTTY === true;
  const bar = interactive
    ? new SingleBar({ format: ' {bar} {value}/{total} steps | reward {reward} | {rate} | ETA {eta_formatted}', hideCursor: true, stream: process.stderr, etaBuffer: 50 })
    : undefined;
  let last: StepRecord | undefined;
  let lastEval: TrainEvent | undefined;
  let backend = '?';
  const started = Date.now();

  const trainer = startTrainer(config, {
    onStarted: (info) => {
      backend = info.backend;
      if (interactive) process.stderr.write(`hmpo-lab run: ${config.objective.preset} on ${config.task}, seed ${config.seed}, backend ${info.backend}, ${info.parameterCount.toLocaleString('en-US')} parameters\n`);
      bar?.start(config.totalSteps, 0, { reward: '-', rate: '' });
    },
    onStep: (record) => {
      last = record;
      if (options.json) process.stdout.write(`${stepJsonLine(record)}\n`);
      const reward = record.metrics['charts/reward_mean'];
      const tokensPerS = record.metrics['perf/tokens_per_s'];
      bar?.update(record.step + 1, { reward: reward === undefined ? '-' : reward.toFixed(3), rate: tokensPerS === undefined ? '' : `${Math.round(tokensPerS)} tok/s` });
    },
    onEvent: (event) => {
      if (event.kind === 'eval') lastEval = event;
      if (event.kind === 'nonfinite-skip' && interactive) bar?.updateETA();
    },
  });

  // A closed stdout (`--json | head`) is the reader saying it has enough: end the run quietly.
  let readerClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerClosed = true;
    options.json = false;
    trainer.kill();
  });

  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\nhmpo-lab run: stopping after the current step (Ctrl-C again to abort)\n');
      trainer.stop();
    } else {
      trainer.kill();
    }
  };
  process.on('SIGINT', onSigint);
  const exit = await trainer.exited;
  process.off('SIGINT', onSigint);
  bar?.stop();
  if (readerClosed) return;

  const { text, code } = describeExit(exit);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const reward = last?.metrics['charts/reward_mean'];
  const evalText = lastEval?.kind === 'eval' ? `, greedy eval reward ${lastEval.reward.toFixed(3)} (${Math.round(lastEval.successRate * 100)}% solved)` : '';
  process.stderr.write(`hmpo-lab run: ${text} in ${seconds}s on ${backend}${reward === undefined ? '' : `, last rollout reward ${reward.toFixed(3)}`}${evalText}\n`);
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
    .action(runCommand('run', run));
}
