/**
 * RunsState: the run table's data and view state. It loads `runs:list`, keeps it current from
 * `onDidChangeRun` / `onDidRemoveRuns`, and derives the filtered, sorted (optionally grouped) rows,
 * the selection, and progress/ETA of live runs, plus the columns the user added (config keys, and
 * metric summaries it fetches with runs:metricSummaries) and what rows are grouped by. Status is
 * whatever main says; this class never guesses it. The arithmetic lives in run-table.ts; components only render and call methods.
 * Run events are applied in batches, at most once per animation frame: 8 live runs send ~32
 * summaries a second, and each application re-derives the rows of up to 10,000 runs.
 */
import { untrack } from 'svelte';
import { DEFAULT_CONFIG_CELLS } from '../../src-shared/config-cells.js';
import type { Api, Events, RunSummary } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import type { AppError } from '../../src-shared/result.js';
import { createCoalescer, nextFrame, type Coalescer, type Scheduler } from './charts/coalesce.js';
import { configKeysOf, isConfigColumn, isMetricColumn, metricOf, NO_METRIC_CELLS, withMetricSummaries, type ColumnId, type ExtraColumn, type GroupBy, type MetricCells } from './run-columns.js';
import {
  compileFilter,
  EMPTY_FILTER,
  groupRuns,
  groupRunsByColumn,
  replaceInOrder,
  runProgress,
  type RowChange,
  sortRuns,
  type RunFilter,
  type RunGroup,
  type RunProgress,
  type RunSort,
  type TableRow,
  tableRows,
} from './run-table.js';
import type { ViewState } from './url-state.js';

/** Columns whose natural first look is largest-first. */
const DESCENDING_FIRST: ReadonlySet<ColumnId> = new Set(['lastReward', 'bestReward', 'progress', 'wallTime', 'startedAt']);
/** A live run's metric cells are refetched at most this often (ms). */
const METRIC_REFRESH_MS = 2000;

export class RunsState {
  /** The runs as main last described them (replaced, never mutated). */
  runs = $state.raw<readonly RunSummary[]>([]);
  loading = $state(false);
  loaded = $state(false);
  loadError = $state.raw<AppError | null>(null);

  filter = $state.raw<RunFilter>(EMPTY_FILTER);
  sort = $state.raw<RunSort>({ column: 'startedAt', direction: 'desc' });
  /** What rows are grouped by: seeds of one config (groupKey), a config key's value, or nothing. */
  groupBy = $state<GroupBy | null>(null);
  /** Columns the user added, in the order added. */
  columns = $state.raw<readonly ExtraColumn[]>([]);
  /** Summaries of the added metric columns' keys, per run. */
  metricCells = $state.raw<MetricCells>(NO_METRIC_CELLS);
  /** Every metric key some run has logged (the column chooser's list; filled by loadMetricKeys). */
  availableMetrics = $state.raw<readonly MetricKey[]>([]);
  metricsError = $state.raw<AppError | null>(null);
  collapsedGroups = $state.raw<ReadonlySet<string>>(new Set());
  selectedIds = $state.raw<ReadonlySet<string>>(new Set());
  /** The clock ETAs are computed against; `tick` advances it. */
  now = $state(Date.now());

  readonly byId = $derived(new Map(this.runs.map((run) => [run.id, run])));
  /** Bumped when runs appear or go (a run's config never changes, so config keys follow this, not each summary). */
  #membership = $state(0);
  /** Every config key the runs have, those that differ first (the column chooser's and group-by's lists). */
  readonly configKeys: readonly { key: string; varies: boolean }[] = $derived.by(() => {
    void this.#membership;
    return untrack(() => configKeysOf(this.runs));
  });
  /** The metric keys the added columns read. */
  readonly metricKeys: readonly MetricKey[] = $derived([...new Set(this.columns.filter(isMetricColumn).map((c) => metricOf(c).key))]);
  /** Config keys filter terms may name: the default config's and any added column's. */
  readonly #termKeys = $derived(new Set([...Object.keys(DEFAULT_CONFIG_CELLS), ...this.columns.filter(isConfigColumn).map((c) => c.slice(7))]));
  readonly #matches = $derived(compileFilter(this.filter, this.#termKeys));
  readonly visibleRuns: readonly RunSummary[] = $derived.by(() => this.#deriveVisible(this.runs, this.sort, this.metricCells, this.#matches));
  /** What visibleRuns was last derived from, and the last change of some rows only (for replaceInOrder). */
  #lastVisible: { runs: readonly RunSummary[]; sort: RunSort; metrics: MetricCells; matches: unknown; result: readonly RunSummary[] } | null = null;
  #lastRowChange: (RowChange & { runsBefore: readonly RunSummary[]; runsAfter: readonly RunSummary[] }) | null = null;
  readonly groups: readonly RunGroup[] = $derived(
    this.groupBy === null ? [] : this.groupBy === 'seeds' ? groupRuns(this.visibleRuns, this.sort) : groupRunsByColumn(this.visibleRuns, this.groupBy, this.sort),
  );
  /** What the table draws, in order (it renders only the window that shows: RunsTable). */
  readonly rows: readonly TableRow[] = $derived(tableRows(this.visibleRuns, this.grouped ? this.groups : null, this.collapsedGroups));
  readonly allTags: readonly string[] = $derived([...new Set(this.runs.flatMap((run) => run.tags))].sort());
  /** Selected runs in table order (selected runs hidden by the filter come last). */
  // Nothing selected (the usual case while sorting 10,000 runs) costs nothing; else only the selected runs are tested.
  readonly selectedRuns: readonly RunSummary[] = $derived(
    this.selectedIds.size === 0
      ? []
      : [
          ...this.visibleRuns.filter((run) => this.selectedIds.has(run.id)),
          ...[...this.selectedIds].map((id) => this.byId.get(id)).filter((run): run is RunSummary => run !== undefined && !this.#matches(run, this.metricCells)),
        ],
  );
  readonly selectedRunIds: readonly string[] = $derived(this.selectedRuns.map((run) => run.id));
  readonly allVisibleSelected = $derived(this.visibleRuns.length > 0 && this.visibleRuns.every((run) => this.selectedIds.has(run.id)));
  readonly liveCount = $derived(this.runs.filter((run) => run.status === 'running' || run.status === 'queued').length);
  readonly filterActive = $derived(this.filter.text.trim() !== '' || this.filter.task !== null || this.filter.preset !== null || this.filter.status !== null || this.filter.tag !== null || this.filter.sweepId !== null);

  /** Events that arrive while `runs:list` is in flight, applied on top of its answer. */
  #pendingChanges: Map<string, RunSummary> | null = null;
  #pendingRemovals: Set<string> | null = null;
  /** Live runs whose metric cells are due for a refetch, and the timer that will do it. */
  #staleMetricRuns = new Set<string>();
  #metricTimer: ReturnType<typeof setTimeout> | null = null;
  /** Run events waiting for the next frame (connect() creates it). */
  #queuedChanges: Coalescer<RunSummary> | null = null;
  readonly #schedule: Scheduler;

  /** `schedule`: when queued run events are applied (tests pass their own; the app: the next animation frame). */
  constructor(
    private readonly api: Api,
    options: { schedule?: Scheduler } = {},
  ) {
    this.#schedule = options.schedule ?? nextFrame();
  }

  /** Filters and sorts the runs; when only summaries changed since the last time, changed rows are replaced in place. */
  #deriveVisible(runs: readonly RunSummary[], sort: RunSort, metrics: MetricCells, matches: (run: RunSummary, metrics?: MetricCells) => boolean): readonly RunSummary[] {
    const last = this.#lastVisible;
    const change = this.#lastRowChange;
    const onlyThatChange =
      last !== null && change !== null && last.sort === sort && last.matches === matches && change.runsBefore === last.runs && change.runsAfter === runs && change.metricsBefore === last.metrics && change.metricsAfter === metrics;
    const inPlace = onlyThatChange ? replaceInOrder(last.result, change, sort, matches) : null;
    const result = inPlace ?? sortRuns(runs.filter((run) => matches(run, metrics)), sort, metrics);
    this.#lastVisible = { runs, sort, metrics, matches, result };
    return result;
  }

  /** Seeds grouping on or off (the "Group by" picker also offers config keys). */
  get grouped(): boolean {
    return this.groupBy !== null;
  }

  set grouped(on: boolean) {
    this.groupBy = on ? 'seeds' : null;
  }

  /** Loads (or reloads) the run list; events that arrive meanwhile are not lost. */
  async load(): Promise<void> {
    this.loading = true;
    this.#pendingChanges = new Map();
    this.#pendingRemovals = new Set();
    const result = await this.api.invoke('runs:list', null);
    this.flushChanges(); // events queued meanwhile go into #pendingChanges, applied on top below
    const changes = this.#pendingChanges;
    const removals = this.#pendingRemovals;
    this.#pendingChanges = null;
    this.#pendingRemovals = null;
    this.loading = false;
    if (!result.ok) {
      this.loadError = result.error;
      return;
    }
    this.loadError = null;
    const merged = new Map(result.value.map((run) => [run.id, run]));
    for (const [id, run] of changes) merged.set(id, run);
    for (const id of removals) merged.delete(id);
    this.runs = [...merged.values()];
    this.#membership++;
    this.loaded = true;
    this.#pruneSelection();
    if (this.metricKeys.length > 0) await this.loadMetricCells();
  }

  /** Fetches the added metric columns' summaries (every run, or just `runIds`). */
  async loadMetricCells(runIds?: readonly string[]): Promise<void> {
    const keys = [...this.metricKeys];
    if (keys.length === 0) return;
    const result = await this.api.invoke('runs:metricSummaries', runIds === undefined ? { keys } : { keys, runIds: [...runIds] });
    if (!result.ok) {
      this.metricsError = result.error;
      return;
    }
    this.metricsError = null;
    this.availableMetrics = result.value.available;
    const before = this.metricCells;
    this.metricCells = withMetricSummaries(runIds === undefined ? NO_METRIC_CELLS : before, result.value.values);
    // Only some runs' cells changed (a live refresh): visibleRuns may keep their places (#deriveVisible).
    const runs = this.byId;
    const changed = new Map((runIds ?? []).flatMap((id) => (runs.has(id) ? [[id, { before: runs.get(id)!, after: runs.get(id)! }] as const] : [])));
    this.#lastRowChange = runIds === undefined ? null : { runsBefore: this.runs, runsAfter: this.runs, metricsBefore: before, metricsAfter: this.metricCells, changed };
  }

  /** Fetches which metric keys the runs have logged (for the column chooser). */
  async loadMetricKeys(): Promise<void> {
    const result = await this.api.invoke('runs:metricSummaries', { keys: [] });
    if (result.ok) this.availableMetrics = result.value.available;
    else this.metricsError = result.error;
  }

  /** Sets the added columns; new metric keys are fetched. A sort or grouping by a dropped column ends. */
  setColumns(columns: readonly ExtraColumn[]): Promise<void> {
    const before = new Set(this.metricKeys);
    this.columns = [...new Set(columns)];
    if (!(this.columns as readonly string[]).includes(this.sort.column) && (isConfigColumn(this.sort.column) || isMetricColumn(this.sort.column))) this.sort = { column: 'startedAt', direction: 'desc' };
    const added = this.metricKeys.some((key) => !before.has(key));
    return added && this.loaded ? this.loadMetricCells() : Promise.resolve();
  }

  toggleColumn(column: ExtraColumn): Promise<void> {
    return this.setColumns(this.columns.includes(column) ? this.columns.filter((c) => c !== column) : [...this.columns, column]);
  }

  /** Follows main's run events; returns the unsubscribe function (call it on teardown). */
  connect(): () => void {
    const queue = createCoalescer<RunSummary>((runs) => this.applyChanges(runs), this.#schedule);
    this.#queuedChanges = queue;
    const offChange = this.api.on('onDidChangeRun', (run) => queue.push(run));
    const offRemove = this.api.on('onDidRemoveRuns', (payload) => this.applyRemoval(payload));
    return () => {
      offChange();
      offRemove();
      queue.dispose();
      if (this.#queuedChanges === queue) this.#queuedChanges = null;
      if (this.#metricTimer !== null) clearTimeout(this.#metricTimer);
      this.#metricTimer = null;
    };
  }

  /** Applies the run events queued for the next frame now (no-op when none are). */
  flushChanges(): void {
    this.#queuedChanges?.flush();
  }

  /** A run was created or changed: insert or replace it. */
  applyChange(run: RunSummary): void {
    this.applyChanges([run]);
  }

  /** Runs were created or changed (the latest summary of each wins): one new `runs` for all of them. */
  applyChanges(changed: readonly RunSummary[]): void {
    if (changed.length === 0) return;
    const latest = new Map<string, RunSummary>();
    for (const run of changed) {
      latest.set(run.id, run);
      this.#pendingChanges?.set(run.id, run);
      this.#pendingRemovals?.delete(run.id);
    }
    const known = this.byId;
    const added = [...latest.values()].filter((run) => !known.has(run.id));
    const from = this.runs;
    this.runs = [...from.map((r) => latest.get(r.id) ?? r), ...added];
    if (added.length > 0) this.#membership++;
    // Only summaries changed: visibleRuns may put each changed run in its old place (#deriveVisible).
    this.#lastRowChange =
      added.length > 0
        ? null
        : { runsBefore: from, runsAfter: this.runs, metricsBefore: this.metricCells, metricsAfter: this.metricCells, changed: new Map([...latest.values()].map((after) => [after.id, { before: known.get(after.id)!, after }])) };
    if (this.metricKeys.length > 0 && this.loaded) for (const id of latest.keys()) this.#refreshMetricsOf(id);
  }

  /** A changed run's metric cells are refetched, batched with other runs' over METRIC_REFRESH_MS. */
  #refreshMetricsOf(runId: string): void {
    this.#staleMetricRuns.add(runId);
    if (this.#metricTimer !== null) return;
    this.#metricTimer = setTimeout(() => {
      this.#metricTimer = null;
      const runIds = [...this.#staleMetricRuns];
      this.#staleMetricRuns.clear();
      void this.loadMetricCells(runIds);
    }, METRIC_REFRESH_MS);
  }

  applyRemoval(payload: Events['onDidRemoveRuns']): void {
    this.flushChanges(); // a queued change of a removed run must not bring it back
    const removed = new Set(payload.runIds);
    for (const id of removed) {
      this.#pendingChanges?.delete(id);
      this.#pendingRemovals?.add(id);
    }
    this.runs = this.runs.filter((run) => !removed.has(run.id));
    this.#membership++;
    this.#pruneSelection();
  }

  /** Takes selection, grouping, sort and filters from a URL (url-sync.svelte.ts). */
  restore(state: Pick<ViewState, 'selected' | 'grouped' | 'sort' | 'filter'> & Partial<Pick<ViewState, 'groupBy' | 'columns'>>): void {
    this.selectedIds = new Set(state.selected);
    this.groupBy = state.groupBy ?? (state.grouped ? 'seeds' : null);
    if (state.columns !== undefined && state.columns.join() !== this.columns.join()) void this.setColumns(state.columns);
    this.sort = state.sort;
    this.filter = state.filter;
    if (this.loaded) this.#pruneSelection();
  }

  setFilter(patch: Partial<RunFilter>): void {
    this.filter = { ...this.filter, ...patch };
  }

  clearFilter(): void {
    this.filter = EMPTY_FILTER;
  }

  /** Sorts by `column`; the same column again flips the direction. */
  sortBy(column: ColumnId): void {
    if (this.sort.column === column) {
      this.sort = { column, direction: this.sort.direction === 'asc' ? 'desc' : 'asc' };
    } else {
      this.sort = { column, direction: DESCENDING_FIRST.has(column) || isMetricColumn(column) ? 'desc' : 'asc' };
    }
  }

  setSelected(runId: string, selected: boolean): void {
    if (this.selectedIds.has(runId) === selected) return;
    const next = new Set(this.selectedIds);
    if (selected) next.add(runId);
    else next.delete(runId);
    this.selectedIds = next;
  }

  toggleSelected(runId: string): void {
    this.setSelected(runId, !this.selectedIds.has(runId));
  }

  /** Selects or deselects several runs at once (a group, or every visible run). */
  setManySelected(runIds: readonly string[], selected: boolean): void {
    const next = new Set(this.selectedIds);
    for (const id of runIds) {
      if (selected) next.add(id);
      else next.delete(id);
    }
    this.selectedIds = next;
  }

  toggleAllVisible(): void {
    this.setManySelected(
      this.visibleRuns.map((run) => run.id),
      !this.allVisibleSelected,
    );
  }

  clearSelection(): void {
    this.selectedIds = new Set();
  }

  toggleGroup(groupKey: string): void {
    const next = new Set(this.collapsedGroups);
    if (next.has(groupKey)) next.delete(groupKey);
    else next.add(groupKey);
    this.collapsedGroups = next;
  }

  progressOf(run: RunSummary): RunProgress {
    return runProgress(run, this.now);
  }

  /** The seeds every run of `groupKey` has used (for launching more seeds without repeats). */
  seedsOfGroup(groupKey: string): number[] {
    return this.runs.filter((run) => run.groupKey === groupKey).map((run) => run.seed);
  }

  tick(now: number = Date.now()): void {
    this.now = now;
  }

  #pruneSelection(): void {
    if ([...this.selectedIds].every((id) => this.byId.has(id))) return;
    this.selectedIds = new Set([...this.selectedIds].filter((id) => this.byId.has(id)));
  }
}
