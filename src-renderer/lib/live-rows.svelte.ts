/**
 * The runs table's row and group-head objects that read their runs live from RunsState (`runOf`:
 * a SvelteMap's get, one signal per run). A live summary then redraws its own row and its group's
 * head only; the table's row list, order and groups stay as they were. Not the arithmetic
 * (run-table.ts) nor when rows are re-ordered (RunsState).
 */
import type { RunSummary } from '../../src-shared/contract.js';
import { groupStats, type RunGroup, type RunTableRow } from './run-table.js';

/** A run's row: `run` is its latest summary (the last one seen once the run is gone, while the table lets go of the row). */
export class LiveRunRow implements RunTableRow {
  readonly kind = 'run';
  readonly runId: string;
  readonly inGroup: boolean;
  readonly #runOf: (id: string) => RunSummary | undefined;
  #last: RunSummary;

  constructor(run: RunSummary, inGroup: boolean, runOf: (id: string) => RunSummary | undefined) {
    this.runId = run.id;
    this.inGroup = inGroup;
    this.#runOf = runOf;
    this.#last = run;
  }

  get run(): RunSummary {
    const run = this.#runOf(this.runId);
    if (run !== undefined) this.#last = run;
    return this.#last;
  }
}

/** A group whose members are fixed (they change only when the table re-orders) and whose runs and figures follow their summaries. */
export class LiveRunGroup implements RunGroup {
  readonly key: string;
  readonly label: string;
  readonly by: RunGroup['by'];
  readonly runIds: readonly string[];
  readonly #runOf: (id: string) => RunSummary | undefined;
  readonly #first: readonly RunSummary[];

  constructor(group: RunGroup, runOf: (id: string) => RunSummary | undefined) {
    this.key = group.key;
    this.label = group.label;
    this.by = group.by;
    this.runIds = group.runIds;
    this.#first = group.runs;
    this.#runOf = runOf;
  }

  // $derived.by: the fields it reads are set by the constructor, after the field initializers.
  readonly runs: readonly RunSummary[] = $derived.by(() => this.runIds.map((id, i) => this.#runOf(id) ?? this.#first[i]!));
  readonly #stats = $derived(groupStats(this.runs));

  get lastReward(): RunGroup['lastReward'] {
    return this.#stats.lastReward;
  }

  get bestReward(): RunGroup['bestReward'] {
    return this.#stats.bestReward;
  }

  get statusCounts(): RunGroup['statusCounts'] {
    return this.#stats.statusCounts;
  }
}
