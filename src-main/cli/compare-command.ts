/**
 * `hmpo-lab compare RUNS | --sweep ID [--target R] [--final-window F] [--json] [--outcomes-csv FILE]`:
 * the summary table per mean type in the terminal (final-window reward with its 95% t CI over
 * seeds, best, AUC, steps-to-target with unsolved k/n, non-finite events, QK-clip steps, raw
 * |A0 - H0| over off-policy steps), then the verdict on every pair of groups and outcome, from the
 * same computation as the app's Compare view. `--json` prints the whole result (its `verdicts` and
 * `outcomes` are documented in the README); `--outcomes-csv` writes the per-run outcomes.
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CompareResult } from '../../src-shared/contract.js';
import { OUTCOMES, outcomeVerdictLine } from '../../src-shared/analysis/outcomes.js';
import { VERDICT_METHODS } from '../../src-shared/analysis/verdict.js';
import { outcomesCsv } from '../export/outcomes-csv.js';
import { existingRunIds, openAppForCli, sweepRunIds, viaHandler } from './app-for-cli.js';
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
  return formatTable(['mean type', 'seeds', 'final reward [95% t CI]', 'best', 'AUC', 'steps to target [CI]', 'unsolved', 'non-finite', 'QK clip', '|A0-H0| raw'], rows, new Set([1, 3, 4, 7, 8, 9]));
}

/**
 * The verdict block: reward outcomes first, then stability, one pasteable line each, marked
 * resolved (*) or not; outcomes no run has values for are left out, and a closing line states the methods.
 */
export function verdictBlock(result: CompareResult): string {
  const shown = (result.verdicts ?? []).filter((v) => v.estimate !== null);
  if (shown.length === 0) return result.summary.length < 2 ? 'Verdicts: compare at least two groups (mean types or configs).' : 'Verdicts: no outcome has values in both groups.';
  const isReward = (outcome: string) => (OUTCOMES as Partial<Record<string, { reward: boolean }>>)[outcome]?.reward === true;
  const line = (v: (typeof shown)[number]) => `${v.resolved ? '*' : ' '} ${outcomeVerdictLine(v)}`;
  const target = [...new Set((result.outcomes ?? []).map((o) => o.target))].map((t) => fixed(t)).join(', ');
  return [
    `Verdicts, reward (target ${target}):`,
    ...shown.filter((v) => isReward(v.outcome)).map(line),
    'Verdicts, stability (ratio statistics over off-policy steps only):',
    ...shown.filter((v) => !isReward(v.outcome)).map(line),
    `(* resolved) ${VERDICT_METHODS}`,
  ].join('\n');
}

/** A number option in a range, or one clear line. */
function numberOption(name: string, text: string | undefined, check: (v: number) => boolean, range: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !check(value)) throw new CliError(`${name} must be ${range}, got '${text}'`);
  return value;
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('summary table per mean type (seeds aggregated) and the verdict on each pair, for runs or a sweep')
    .argument('[runs...]', 'run ids')
    .option('--sweep <id>', 'compare every run of this sweep')
    .option('--target <reward>', "reward target for steps-to-target (default: the task's solved threshold, else 90% of its optimum)")
    .option('--smoothing <w>', 'debiased EMA weight for the target test, in [0, 1)', '0')
    .option('--final-window <fraction>', 'fraction of each run\'s last steps averaged for the final reward and end entropy, in (0, 1]', '0.1')
    .option('--collapse-entropy <nats>', 'entropy per token below which a run counts as collapsed', '0.05')
    .option('--json', 'print the whole comparison as JSON (summary, verdicts, per-run outcomes)')
    .option('--outcomes-csv <file>', 'also write the per-run outcomes as CSV to this file')
    .action(
      runCommand(
        'compare',
        async (
          runTexts: string[],
          options: { sweep?: string; target?: string; smoothing: string; finalWindow: string; collapseEntropy: string; json?: boolean; outcomesCsv?: string },
          command: Command,
        ) => {
          const target = numberOption('--target', options.target, Number.isFinite, 'a number') ?? null;
          const smoothing = numberOption('--smoothing', options.smoothing, (v) => v >= 0 && v < 1, 'in [0, 1)')!;
          const finalWindow = numberOption('--final-window', options.finalWindow, (v) => v > 0 && v <= 1, 'a fraction in (0, 1]')!;
          const collapseEntropy = numberOption('--collapse-entropy', options.collapseEntropy, (v) => v >= 0 && Number.isFinite(v), 'a number >= 0')!;
          const app = await openAppForCli(command);
          try {
            let ids = await existingRunIds(app, runTexts);
            if (options.sweep !== undefined) {
              ids = [...ids, ...(await sweepRunIds(app, options.sweep))];
            }
            if (ids.length === 0) throw new CliError('name the runs to compare (hmpo-lab compare 3 4 5) or a sweep (--sweep ID)');
            const result = await viaHandler(() =>
              app.handlers['metrics:compare']({ runIds: ids.map(String), key: 'charts/reward_mean', x: 'step', gridPoints: 200, smoothing, band: 'ci95', target, finalWindow, collapseEntropy }),
            );
            if (options.outcomesCsv !== undefined) {
              const file = resolve(options.outcomesCsv);
              try {
                writeFileSync(file, outcomesCsv(result.outcomes ?? []));
              } catch (error) {
                throw new CliError(`cannot write the outcomes to ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; choose another file with --outcomes-csv`);
              }
            }
            process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${summaryTable(result)}\n\n${result.legend}\n\n${verdictBlock(result)}\n`);
          } finally {
            void app.close();
          }
        },
      ),
    );
}
