/**
 * `hmpo-lab compare RUNS | --sweep ID [--target R]`: the summary table per mean type in the terminal
 * (final reward with its 95% bootstrap CI over seeds, best, area under the curve, steps-to-target
 * with unsolved k/n, non-finite events, QK-clip steps, mean |A0 - H0|), from the same computation as
 * the app's Compare view.
 */
import type { Command } from 'commander';
import type { CompareResult } from '../../src-shared/contract.js';
import { getSweep } from '../db/sweeps-queries.js';
import { existingRunId, openAppForCli, viaHandler } from './app-for-cli.js';
import { CliError, runCommand } from './cli-errors.js';
import { fixed, formatTable } from './table.js';

export function summaryTable(result: CompareResult): string {
  const rows = result.summary.map((g) => [
    g.label,
    String(g.seeds),
    g.finalReward ? `${fixed(g.finalReward.mean)} [${fixed(g.finalReward.lower)}, ${fixed(g.finalReward.upper)}]` : '-',
    fixed(g.bestReward),
    fixed(g.auc),
    g.stepsToTarget.median === null ? 'unsolved' : `${g.stepsToTarget.median} [${g.stepsToTarget.lower ?? '∞'}, ${g.stepsToTarget.upper ?? '∞'}]`,
    `${g.stepsToTarget.unsolved}/${g.seeds}`,
    fixed(g.nonFiniteEvents, 1),
    `${(g.qkClipStepFraction * 100).toFixed(1)}%`,
    fixed(g.meanAmHmGap, 4),
  ]);
  return formatTable(['mean type', 'seeds', 'final reward [95% CI]', 'best', 'AUC', 'steps to target [CI]', 'unsolved', 'non-finite', 'QK clip', '|A0-H0|'], rows, new Set([1, 3, 4, 7, 8, 9]));
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('summary table per mean type (seeds aggregated) for runs or a sweep')
    .argument('[runs...]', 'run ids')
    .option('--sweep <id>', 'compare every run of this sweep')
    .option('--target <reward>', 'reward target for steps-to-target (default: the task optimum)')
    .option('--smoothing <w>', 'debiased EMA weight for the target test, in [0, 1)', '0')
    .option('--json', 'print the whole comparison as JSON')
    .action(
      runCommand('compare', async (runTexts: string[], options: { sweep?: string; target?: string; smoothing: string; json?: boolean }, command: Command) => {
        const target = options.target === undefined ? null : Number(options.target);
        if (target !== null && !Number.isFinite(target)) throw new CliError(`--target must be a number, got '${options.target}'`);
        const smoothing = Number(options.smoothing);
        if (!(smoothing >= 0 && smoothing < 1)) throw new CliError(`--smoothing must be in [0, 1), got '${options.smoothing}'`);
        const app = openAppForCli(command);
        try {
          let ids = runTexts.map((t) => existingRunId(app, t));
          if (options.sweep !== undefined) {
            const sweep = /^\d+$/.test(options.sweep) ? getSweep(app.db, Number(options.sweep)) : undefined;
            if (!sweep) throw new CliError(`no sweep with id '${options.sweep}' in ${app.info.databasePath}`);
            ids = [...ids, ...sweep.runIds];
          }
          if (ids.length === 0) throw new CliError('name the runs to compare (hmpo-lab compare 3 4 5) or a sweep (--sweep ID)');
          const result = await viaHandler(() => app.handlers['metrics:compare']({ runIds: ids.map(String), key: 'charts/reward_mean', x: 'step', gridPoints: 200, smoothing, band: 'ci95', target }));
          process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${summaryTable(result)}\n\n${result.legend}\n`);
        } finally {
          void app.close();
        }
      }),
    );
}
