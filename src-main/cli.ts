/**
 * The `hmpo-lab` command line: the headless face of HMPO Lab. Each subcommand lives in its own
 * module under cli/ and registers itself here; this file only assembles them and parses argv.
 * Usage: `hmpo-lab --help`, `hmpo-lab <command> --help`.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerAdvantagesCommand } from './cli/advantages-command.js';
import { EXIT_BAD_INPUT } from './cli/cli-errors.js';
import { registerObjectiveCommand } from './cli/objective-command.js';
import { registerRunCommand } from './cli/run-command.js';
import { registerRunsCommands } from './cli/runs-commands.js';
import { registerSweepCommand } from './cli/sweep-command.js';
import { registerCompareCommand } from './cli/compare-command.js';
import { registerExportCommand } from './cli/export-command.js';
import { registerDbCommand } from './cli/db-command.js';
import { registerServeCommand } from './cli/serve-command.js';
import { registerControllersCommand } from './cli/controllers-command.js';
import { registerCalibrateTauCommand } from './cli/calibrate-tau-command.js';

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('hmpo-lab')
    .description('HMPO Lab: train and compare GRPO, GSPO, GMPO, HMPO and the power-mean family of policy-optimization objectives')
    .version(appVersion())
    .option('--db <path>', 'experiment database (default: HMPO_LAB_DB, else the app-data folder, as the desktop app)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    // Usage errors (unknown option, bad choice) exit 2 like every other bad input; help/version exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT));
  registerRunCommand(program);
  registerSweepCommand(program);
  registerRunsCommands(program);
  registerCompareCommand(program);
  registerExportCommand(program);
  registerServeCommand(program);
  registerDbCommand(program);
  registerObjectiveCommand(program);
  registerAdvantagesCommand(program);
  registerControllersCommand(program);
  registerCalibrateTauCommand(program);
  return program;
}

// A reader that closed the pipe (`hmpo-lab compare --json | head`) has what it wanted: end quietly
// instead of with an EPIPE stack trace. `run` adds its own listener (it stops its run first); this defers to it.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (process.stdout.listenerCount('error') === 1) process.exit(0);
});

await buildProgram().parseAsync(process.argv);
