/**
 * `hmpo-lab sweep --until-resolved`: runs a sweep in rounds of seeds (the same new seeds in every
 * cell, so arms stay paired), and after each round asks the anytime-valid sequential test
 * (src-shared/analysis/sequential.ts) for every pairwise verdict on the chosen outcome. It stops
 * when every pair is resolved (a winner, or equivalent within the margin) or when the next round
 * would exceed the run or time budget. All rounds are ONE sweep: the first round starts it and each
 * later round adds its seeds' runs to it (extend-sweep.ts), so `hmpo-lab compare --sweep ID` compares
 * everything. Does not print: the caller gets one report per round.
 */
import type { SweepSpec } from '../../src-shared/contract.js';
import { allResolved, sequentialVerdicts, type PairResult } from '../../src-shared/analysis/sequential.js';
import { trainingKey } from '../../src-shared/plans/training-key.js';
import { expandSweep, sweepCells } from '../../src-shared/sweep.js';
import type { App } from '../app/create-app.js';
import { requireRun } from '../db/runs-queries.js';
import { extendSweep } from './extend-sweep.js';
import { recordedAllSteps, runOutcome, type OutcomeName } from './run-outcome.js';

export interface UntilResolvedOptions {
  readonly outcome: OutcomeName;
  /** Most runs in all rounds together. */
  readonly budgetRuns: number;
  /** Start no round that the last round's duration says would end after this many minutes; null: no limit. */
  readonly budgetMinutes: number | null;
  /** New seeds per cell in each round after the first (the first uses spec.seeds). */
  readonly seedsPerRound: number;
  /** |difference| below which a pair may be called equivalent (outcome units); null: winners only. */
  readonly margin: number | null;
  readonly alpha: number;
  /** Stops every run of the current round; set by the caller's Ctrl-C handler. */
  readonly signal?: { stopped: boolean };
}

export interface RoundReport {
  readonly round: number;
  readonly sweepId: string;
  readonly seeds: readonly number[];
  readonly runsSoFar: number;
  /** Runs of this round that ended without an outcome (failed, crashed, stopped). */
  readonly missing: number;
  readonly verdicts: readonly PairResult[];
}

export type StopReason = 'resolved' | 'budget-runs' | 'budget-minutes' | 'stopped';

export interface UntilResolvedResult {
  /** The one sweep every round's runs belong to. */
  readonly sweepId: string;
  readonly rounds: readonly RoundReport[];
  readonly reason: StopReason;
}

/** Outcome per run from runs that recorded all their steps; one that failed early, crashed or was stopped counts as missing. */
function outcomeOf(app: App, runId: string, outcome: OutcomeName): number {
  return recordedAllSteps(app.store.summary(runId)) ? runOutcome(app.db, Number(runId), outcome) : Number.NaN;
}

/** Which cell a config belongs to: its training key (config minus seed, objective resolved). */
function cellOfKey(spec: SweepSpec, labels: readonly string[]): Map<string, string> {
  const expanded = expandSweep(spec);
  if (!expanded.ok) throw new Error(expanded.error.message);
  const perCell = expanded.value.length / labels.length;
  return new Map(expanded.value.map((run, i) => [trainingKey(run.config), labels[Math.floor(i / perCell)]!]));
}

/** Outcomes per arm as arrays over the same seeds in the same order (NaN where a run is missing): the pairing. */
function pairedBySeed(bySeed: ReadonlyMap<string, ReadonlyMap<number, number>>): Map<string, number[]> {
  const seeds = [...new Set([...bySeed.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return new Map([...bySeed].map(([label, values]) => [label, seeds.map((seed) => values.get(seed) ?? Number.NaN)]));
}

/** Where the loop stands after a round, for `nextRound`. */
export interface LoopState {
  readonly resolved: boolean;
  readonly stopped: boolean;
  readonly cells: number;
  readonly runsSoFar: number;
  readonly lastSeeds: readonly number[];
  readonly elapsedMs: number;
  readonly lastRoundMs: number;
}

/**
 * The stopping rule, pure: stop when resolved or stopped, or when the next round (seedsPerRound new
 * seeds in every cell) would break the run budget or, judged by the last round's duration, end
 * after the time budget; otherwise the next round's seeds (fresh, after the largest used).
 */
export function nextRound(state: LoopState, options: Pick<UntilResolvedOptions, 'budgetRuns' | 'budgetMinutes' | 'seedsPerRound'>): { stop: StopReason } | { seeds: number[] } {
  if (state.stopped) return { stop: 'stopped' };
  if (state.resolved) return { stop: 'resolved' };
  const seeds = Array.from({ length: options.seedsPerRound }, (_, i) => Math.max(...state.lastSeeds) + 1 + i);
  if (state.runsSoFar + state.cells * seeds.length > options.budgetRuns) return { stop: 'budget-runs' };
  if (options.budgetMinutes !== null && state.elapsedMs + state.lastRoundMs > options.budgetMinutes * 60_000) return { stop: 'budget-minutes' };
  return { seeds };
}

export async function runUntilResolved(app: App, spec: SweepSpec, options: UntilResolvedOptions, onRound: (report: RoundReport) => void): Promise<UntilResolvedResult> {
  const labels = sweepCells(spec).map((cell, i) => cell.label || `cell ${i + 1}`);
  const cellOf = cellOfKey(spec, labels);
  const outcomes = new Map(labels.map((label) => [label, new Map<number, number>()]));
  const started = Date.now();
  const rounds: RoundReport[] = [];
  let seeds = [...spec.seeds];
  let runsSoFar = 0;
  let sweepId = '';
  for (let round = 1; ; round++) {
    const roundStart = Date.now();
    let runIds: string[];
    if (round === 1) ({ sweepId, runIds } = await app.handlers['sweeps:start']({ ...spec, name: spec.name ?? 'until resolved', seeds }));
    else runIds = extendSweep(app, sweepId, spec, seeds);
    const stopAll = setInterval(() => {
      if (options.signal?.stopped) for (const id of runIds) app.manager.stop(id);
    }, 200);
    await Promise.all(runIds.map((id) => app.manager.waitForEnd(id)));
    clearInterval(stopAll);
    // Each run is placed by its stored config (cell by training key, pairing by seed), not by position.
    let missing = 0;
    runIds.forEach((id) => {
      const config = requireRun(app.db, Number(id)).config;
      const value = outcomeOf(app, id, options.outcome);
      if (!Number.isFinite(value)) missing++;
      outcomes.get(cellOf.get(trainingKey(config))!)!.set(config.seed, value);
    });
    runsSoFar += runIds.length;
    const lastRoundMs = Date.now() - roundStart;
    const verdicts = sequentialVerdicts(pairedBySeed(outcomes), { alpha: options.alpha, margin: options.margin });
    const report: RoundReport = { round, sweepId, seeds, runsSoFar, missing, verdicts };
    rounds.push(report);
    onRound(report);

    const next = nextRound(
      { resolved: allResolved(verdicts), stopped: options.signal?.stopped === true, cells: labels.length, runsSoFar, lastSeeds: seeds, elapsedMs: Date.now() - started, lastRoundMs },
      options,
    );
    if ('stop' in next) return { sweepId, rounds, reason: next.stop };
    seeds = next.seeds;
  }
}
