/**
 * `hmpo-lab sweeps` lists every sweep by the label the UI uses too ("sweep 3 · lr grid"), with its
 * axes and run count; `hmpo-lab sweeps rename ID NAME` names one ('' clears the name). Both go
 * through the contract's handlers; launching a sweep is `hmpo-lab sweep` (sweep-command.ts).
 */
import type { Command } from 'commander';
import { openAppForCli, viaHandler } from './app-for-cli.js';
import { CliError, runCommand } from './cli-errors.js';
import { formatTable } from './table.js';

export function registerSweepsCommand(program: Command): void {
  const sweeps = program
    .command('sweeps')
    .description('list sweeps (id, name, axes, runs); `sweeps rename ID NAME` names one')
    .option('--json', 'print the sweeps as JSON')
    .action(
      runCommand('sweeps', async (options: { json?: boolean }, command: Command) => {
        const app = await openAppForCli(command);
        try {
          const list = await viaHandler(() => app.handlers['sweeps:list'](null));
          if (options.json) {
            process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
            return;
          }
          if (list.length === 0) {
            process.stdout.write(`no sweeps in ${app.info.databasePath}; start one with hmpo-lab sweep\n`);
            return;
          }
          const rows = list.map((s) => [s.id, s.label, s.axes.map((a) => a.path || 'config').join(' x ') + ` x ${s.seeds.length} seeds`, String(s.runIds.length), new Date(s.createdAt).toISOString().slice(0, 16).replace('T', ' ')]);
          process.stdout.write(`${formatTable(['id', 'sweep', 'axes', 'runs', 'created (UTC)'], rows, new Set([0, 3]))}\n`);
        } finally {
          await app.close();
        }
      }),
    );
  sweeps
    .command('rename')
    .description("give a sweep a name of its own ('' clears it)")
    .argument('<id>', 'sweep id')
    .argument('<name>', 'the new name')
    .action(
      runCommand('sweeps rename', async (id: string, name: string, _options: unknown, command: Command) => {
        if (!/^\d+$/.test(id)) throw new CliError(`'${id}' is not a sweep id; list them with hmpo-lab sweeps`);
        const app = await openAppForCli(command);
        try {
          const sweep = await viaHandler(() => app.handlers['sweeps:rename']({ sweepId: id, name }));
          process.stdout.write(`${sweep.label}\n`);
        } finally {
          await app.close();
        }
      }),
    );
}
