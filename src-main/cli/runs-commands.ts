/**
 * `hmpo-lab ls`, `show RUN`, `stop RUN` and `rm RUN...`: the run table in the terminal, one run's
 * details and events, a graceful stop of a run trained by another process (through the database),
 * and deletion of ended runs, each through the contract's handlers (runs:list, runs:get, runs:stop,
 * runs:delete) as the desktop app and browser mode do. Each refuses unknown ids with a message naming them.
 */
import { Option, type Command } from 'commander';
import { isActiveStatus, RUN_STATUSES, type RunDetail, type RunStatus, type RunSummary } from '../../src-shared/contract.js';
import { OBJECTIVE_PRESETS } from '../../src-shared/objective-presets.js';
import { optimizerLabel } from '../../src-shared/optimizer-label.js';
import { TASK_NAMES } from '../../src-shared/tasks.js';
import { existingRun, existingRunId, openAppForCli, viaHandler } from './app-for-cli.js';
import { CliError, runCommand } from './cli-errors.js';
import { fixed, formatTable } from './table.js';

/** How many of a run's latest events `show` lists. */
const SHOWN_EVENTS = 20;

function progress(r: RunSummary): string {
  return `${r.stepsDone}/${r.totalSteps}`;
}

export function registerRunsCommands(program: Command): void {
  program
    .command('ls')
    .description('list runs with their status, progress and reward')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .addOption(new Option('--task <task>', 'only runs of this task').choices(TASK_NAMES))
    .addOption(new Option('--objective <preset>', 'only runs of this mean type').choices(OBJECTIVE_PRESETS))
    .option('--sweep <id>', 'only runs of this sweep')
    .option('--json', 'print the runs as JSON')
    .action(
      runCommand('ls', async (options: { status?: RunStatus; task?: string; objective?: string; sweep?: string; json?: boolean }, command: Command) => {
        const app = await openAppForCli(command);
        try {
          const sweepId = options.sweep === undefined ? undefined : String(Number(options.sweep));
          const runs = (await app.handlers['runs:list'](null)).filter(
            (r) => (!options.status || r.status === options.status) && (!options.task || r.task === options.task) && (!options.objective || r.preset === options.objective) && (sweepId === undefined || r.sweepId === sweepId),
          );
          if (options.json) {
            process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
            return;
          }
          if (runs.length === 0) {
            process.stdout.write(`no runs in ${app.info.databasePath}${options.status || options.task || options.objective || options.sweep ? ' match those filters' : ' yet; start one with hmpo-lab run'}\n`);
            return;
          }
          const rows = runs.map((r) => [r.id, r.status + (r.reason && r.status !== 'finished' ? ` (${r.reason})` : ''), r.name, r.task, r.preset, String(r.seed), progress(r), fixed(r.lastReward), fixed(r.bestReward), r.wallTime === null ? '-' : `${r.wallTime.toFixed(1)}s`]);
          process.stdout.write(`${formatTable(['id', 'status', 'name', 'task', 'mean type', 'seed', 'steps', 'reward', 'best', 'wall'], rows, new Set([0, 5, 7, 8, 9]))}\n`);
        } finally {
          void app.close();
        }
      }),
    );

  program
    .command('show')
    .description("one run's summary, config and events")
    .argument('<run>', 'run id')
    .option('--json', 'print as JSON')
    .action(
      runCommand('show', async (runText: string, options: { json?: boolean }, command: Command) => {
        const app = await openAppForCli(command);
        try {
          const detail = await existingRun(app, runText);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
            return;
          }
          const s = detail.summary;
          const lines = [
            `run ${s.id}: ${s.name}`,
            `status      ${s.status}${s.reason ? ` (${s.reason})` : ''}`,
            `mean type   ${s.preset} on ${s.task}, seed ${s.seed}, ${optimizerLabel(s.optimizer, s.qkClip)}`,
            `progress    ${progress(s)} steps, reward ${fixed(s.lastReward)} (best ${fixed(s.bestReward)}, eval ${fixed(s.evalReward)})`,
            `backend     ${s.backend ?? '-'}`,
            `group key   ${s.groupKey.slice(0, 16)}`,
            `created     ${new Date(s.createdAt).toISOString()}${s.finishedAt ? `, ended ${new Date(s.finishedAt).toISOString()}` : ''}`,
            ...(s.tags.length > 0 ? [`tags        ${s.tags.join(', ')}`] : []),
            ...(s.notes ? [`notes       ${s.notes}`] : []),
            '',
            'config:',
            JSON.stringify(detail.config, null, 2),
            '',
            detail.events.length > SHOWN_EVENTS ? `events (last ${SHOWN_EVENTS} of ${detail.events.length}):` : `events (${detail.events.length}):`,
            ...detail.events.slice(-SHOWN_EVENTS).map((e) => `  ${new Date(e.at).toISOString()} ${e.step === null ? '' : `step ${e.step} `}${e.message}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        } finally {
          void app.close();
        }
      }),
    );

  program
    .command('stop')
    .description('stop a queued or running run gracefully (the process training it stops after its current step)')
    .argument('<run>', 'run id')
    .action(
      runCommand('stop', async (runText: string, _options: unknown, command: Command) => {
        const app = await openAppForCli(command);
        try {
          const id = await existingRunId(app, runText);
          await viaHandler(() => app.handlers['runs:stop']({ runId: String(id) }));
          process.stdout.write(`asked run ${id} to stop; the process training it ends it after the current step\n`);
        } finally {
          void app.close();
        }
      }),
    );

  program
    .command('rm')
    .description('delete ended runs, their metrics and checkpoints')
    .argument('<runs...>', 'run ids')
    .action(
      runCommand('rm', async (runTexts: string[], _options: unknown, command: Command) => {
        const app = await openAppForCli(command);
        try {
          const runs: RunDetail[] = [];
          for (const text of runTexts) runs.push(await existingRun(app, text)); // the first unknown id is the one reported
          const ids = runs.map((r) => Number(r.summary.id));
          // Stricter than runs:delete, which lets the app delete a run another process has queued (that
          // process then skips it): from a terminal, a queued run is as much in use as a running one.
          const active = runs.filter((r) => isActiveStatus(r.summary.status)).map((r) => r.summary.id);
          if (active.length > 0) throw new CliError(`run(s) ${active.join(', ')} are still queued or running; stop them first (hmpo-lab stop RUN), then delete`);
          await viaHandler(() => app.handlers['runs:delete']({ runIds: ids.map(String) }));
          process.stdout.write(`deleted ${ids.length} run(s): ${ids.join(', ')}\n`);
        } finally {
          void app.close();
        }
      }),
    );
}

