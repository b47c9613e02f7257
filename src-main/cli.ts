/**
 * The `hmpo-lab` command line: the headless face of HMPO Lab. Each subcommand lives in its own
 * module under cli/ and registers itself here; this file only assembles them and parses argv.
 * Usage: `hmpo-lab --help`, `hmpo-lab <command> --help`.
 *
 * Start-up: a command module is imported only when its command is the one being run, so `ls` or
 * `--version` do not load what `run` or `objective` need (the trainer's tfjs stack, the HTTP server,
 * zod's schemas). Root help, `help` and an unknown command load them all, so every command is listed.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT_BAD_INPUT } from './cli/cli-errors.js';

type Register = (program: Command) => void;

/** Which module registers which command names. Keep in step with each module's `.command(...)` calls. */
const COMMAND_MODULES: { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['run'], load: async () => (await import('./cli/run-command.js')).registerRunCommand },
  { names: ['sweep'], load: async () => (await import('./cli/sweep-command.js')).registerSweepCommand },
  { names: ['ls', 'show', 'stop', 'rm'], load: async () => (await import('./cli/runs-commands.js')).registerRunsCommands },
  { names: ['compare'], load: async () => (await import('./cli/compare-command.js')).registerCompareCommand },
  { names: ['export'], load: async () => (await import('./cli/export-command.js')).registerExportCommand },
  { names: ['serve'], load: async () => (await import('./cli/serve-command.js')).registerServeCommand },
  { names: ['db'], load: async () => (await import('./cli/db-command.js')).registerDbCommand },
  { names: ['objective'], load: async () => (await import('./cli/objective-command.js')).registerObjectiveCommand },
  { names: ['advantages'], load: async () => (await import('./cli/advantages-command.js')).registerAdvantagesCommand },
  { names: ['controllers'], load: async () => (await import('./cli/controllers-command.js')).registerControllersCommand },
  { names: ['calibrate-tau'], load: async () => (await import('./cli/calibrate-tau-command.js')).registerCalibrateTauCommand },
  { names: ['sweeps'], load: async () => (await import('./cli/sweeps-command.js')).registerSweepsCommand },
  { names: ['worker'], load: async () => (await import('./cli/worker-command.js')).registerWorkerCommand },
];

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The command word in argv (after the root options), or null when there is none. `--db` is the
 * only root option that takes a value; `--version`/`--help` alone leave no command word.
 */
function commandWord(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--db') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}

/** The modules to load for these arguments: the named command's, none for a bare --version, else all. */
function modulesFor(args: readonly string[]): typeof COMMAND_MODULES {
  const word = commandWord(args);
  const named = word === null ? undefined : COMMAND_MODULES.find((m) => m.names.includes(word));
  if (named) return [named];
  const versionOnly = word === null && args.some((a) => a === '--version' || a === '-V') && !args.some((a) => a === '--help' || a === '-h');
  return versionOnly ? [] : COMMAND_MODULES;
}

async function buildProgram(args: readonly string[] = process.argv.slice(2)): Promise<Command> {
  const program = new Command('hmpo-lab')
    .description('HMPO Lab: train and compare GRPO, GSPO, GMPO, HMPO and the power-mean family of policy-optimization objectives')
    .version(appVersion())
    .option('--db <path>', 'experiment database (default: HMPO_LAB_DB, else the app-data folder, as the desktop app)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    // Usage errors (unknown option, bad choice) exit 2 like every other bad input; help/version exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT));
  for (const register of await Promise.all(modulesFor(args).map((m) => m.load()))) register(program);
  return program;
}

// A reader that closed the pipe (`hmpo-lab compare --json | head`) has what it wanted: end quietly
// instead of with an EPIPE stack trace. `run` adds its own listener (it stops its run first); this defers to it.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (process.stdout.listenerCount('error') === 1) process.exit(0);
});

await (await buildProgram()).parseAsync(process.argv);

