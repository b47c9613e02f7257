/**
 * The CLI side of `hmpo-lab sweep --until-resolved`: checks the flags (one line per mistake), runs
 * the rounds (src-main/sweeps/until-resolved.ts) and prints after each round the pairwise verdicts
 * with their anytime-valid intervals, then why it stopped. Exit 0 when every pair is resolved,
 * 1 when the budget ran out first or runs failed.
 */
import type { Command } from 'commander';
import type { SweepSpec } from '../../src-shared/contract.js';
import type { PairResult } from '../../src-shared/analysis/sequential.js';
import { expandSweep } from '../../src-shared/sweep.js';
import type { App } from '../app/create-app.js';
import { OUTCOMES, type OutcomeName } from '../sweeps/run-outcome.js';
import { runUntilResolved, type RoundReport, type StopReason } from '../sweeps/until-resolved.js';
import { openAppForCli } from './app-for-cli.js';
import { CliError, EXIT_FAILURE } from './cli-errors.js';
import { formatTable } from './table.js';

export interface UntilResolvedFlags {
  untilResolved?: boolean;
  outcome: string;
  budgetRuns?: string;
  budgetMinutes?: string;
  roundSeeds: string;
  margin?: string;
  alpha: string;
}

function positiveNumber(flag: string, text: string | undefined, whole: boolean): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
    throw new CliError(`${flag} must be a ${whole ? 'whole number' : 'number'} > 0, got '${text}'`);
  }
  return value;
}

const VERDICT_TEXT: Record<PairResult['verdict'], (r: PairResult) => string> = {
  'first-better': (r) => `${r.first} better`,
  'second-better': (r) => `${r.second} better`,
  equivalent: () => 'equivalent within margin',
  unresolved: () => 'unresolved',
};

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : x > 0 ? '∞' : x < 0 ? '-∞' : '-');

export function roundTable(report: RoundReport): string {
  const rows = report.verdicts.map((r) => [`${r.first} vs ${r.second}`, String(r.n), fmt(r.meanDifference), `[${fmt(r.interval.lower)}, ${fmt(r.interval.upper)}]`, VERDICT_TEXT[r.verdict](r)]);
  return formatTable(['pair (first - second)', 'seeds', 'mean diff', 'anytime-valid interval', 'verdict'], rows, new Set([1, 2]));
}

const STOP_TEXT: Record<StopReason, string> = {
  resolved: 'every pairwise verdict is resolved',
  'budget-runs': 'the next round would exceed --budget-runs',
  'budget-minutes': 'the next round would end after --budget-minutes',
  stopped: 'stopped by Ctrl-C',
};

export async function runUntilResolvedCommand(flags: UntilResolvedFlags & { concurrency?: string }, command: Command, buildSpec: (openApp: () => Promise<App>) => Promise<SweepSpec>): Promise<void> {
  if (!(OUTCOMES as readonly string[]).includes(flags.outcome)) throw new CliError(`--outcome: '${flags.outcome}' is not one of ${OUTCOMES.join(', ')}`);
  if (flags.budgetRuns === undefined) throw new CliError('--until-resolved needs --budget-runs <n>: the most runs it may start in all rounds together');
  const budgetRuns = positiveNumber('--budget-runs', flags.budgetRuns, true);
  const budgetMinutes = flags.budgetMinutes === undefined ? null : positiveNumber('--budget-minutes', flags.budgetMinutes, false);
  const seedsPerRound = positiveNumber('--round-seeds', flags.roundSeeds, true);
  const margin = flags.margin === undefined ? null : positiveNumber('--margin', flags.margin, false);
  const alpha = Number(flags.alpha);
  if (!(alpha > 0 && alpha < 1)) throw new CliError(`--alpha must be a number between 0 and 1, got '${flags.alpha}'`);
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);

  const app = await openAppForCli(command, concurrency ? { concurrency } : {});
  try {
    const spec = await buildSpec(async () => app);
    const expanded = expandSweep(spec);
    if (!expanded.ok) throw new CliError(expanded.error.message);
    const cells = expanded.value.length / spec.seeds.length;
    if (cells < 2) throw new CliError('--until-resolved compares arms: the sweep needs at least two cells');
    if (spec.seeds.length < 2) throw new CliError('--until-resolved needs at least 2 seeds in the first round (--seeds 2 or more): one seed carries no evidence');
    if (expanded.value.length > budgetRuns) throw new CliError(`the first round alone is ${expanded.value.length} runs (${cells} cells x ${spec.seeds.length} seeds), more than --budget-runs ${budgetRuns}`);
    process.stderr.write(`hmpo-lab sweep: until resolved on ${flags.outcome}: ${cells} arms, ${(cells * (cells - 1)) / 2} pairs, family-wise alpha ${alpha} (anytime-valid, Bonferroni over pairs)${margin === null ? '' : `, equivalence margin ${margin}`}; budget ${budgetRuns} runs${budgetMinutes === null ? '' : `, ${budgetMinutes} min`}\n`);
    const signal = { stopped: false };
    const onSigint = () => {
      if (signal.stopped) process.exit(130);
      signal.stopped = true;
      process.stderr.write('\nhmpo-lab sweep: stopping this round after each run\'s current step (Ctrl-C again to quit at once)\n');
    };
    process.on('SIGINT', onSigint);
    const result = await runUntilResolved(app, spec, { outcome: flags.outcome as OutcomeName, budgetRuns, budgetMinutes, seedsPerRound, margin, alpha, signal }, (report) => {
      process.stdout.write(`round ${report.round} (sweep ${report.sweepId}, seeds ${report.seeds.join(', ')}; ${report.runsSoFar} runs so far${report.missing > 0 ? `, ${report.missing} without an outcome` : ''}):\n${roundTable(report)}\n\n`);
    }).finally(() => process.off('SIGINT', onSigint));
    const last = result.rounds.at(-1)!;
    const open = last.verdicts.filter((v) => v.verdict === 'unresolved').length;
    process.stderr.write(`hmpo-lab sweep: stopped after ${result.rounds.length} round(s) and ${last.runsSoFar} runs: ${STOP_TEXT[result.reason]}${open > 0 ? ` (${open} pair(s) unresolved)` : ''}\n`);
    // Every round is in this one sweep; --db as given, so the line runs as printed.
    const { db } = command.optsWithGlobals() as { db?: string };
    process.stderr.write(`hmpo-lab sweep: compare all ${result.rounds.length} round(s) with: hmpo-lab ${db === undefined ? '' : `--db ${JSON.stringify(db)} `}compare --sweep ${result.sweepId}\n`);
    if (result.reason !== 'resolved') process.exitCode = EXIT_FAILURE;
  } finally {
    await app.close();
  }
}
