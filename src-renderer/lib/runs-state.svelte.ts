/**
 * RunsState: the run table's data and view state. It loads `runs:list`, keeps it current from
 * `onDidChangeRun` / `onDidRemoveRuns`, and derives the filtered, sorted (optionally grouped) rows,
 * the selection, and progress/ETA of live runs, plus the columns the user added (config keys, and
 * metric summaries it fetches with runs:metricSummaries) and what rows are grouped by. Status is
 * whatever main says; this class never guesses it. The arithmetic lives in run-table.ts; components only render and call methods.
 * Run events are applied in batches, at most once per animation frame (8 live runs send ~32
 * summaries a second), and a batch costs what its runs do, not what the table holds: each run is
 * its own signal (a SvelteMap entry) that its row and group head read (live-rows.svelte.ts), and
 * the order, groups, tags and live count are re-derived only when a change touches what they
 * depend on (a changed run's sort value, filter result, tags or status; runs appearing or going).
 */
import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import { DEFAULT_CONFIG_CELLS } from '../../src-shared/config-cells.js';
import type { Api, Events, RunSummary } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import type { AppError } from '../../src-shared/result.js';
import { createCoalescer, nextFrame, type Coalescer, type Scheduler } from './charts/coalesce.js';
import { LiveRunGroup, LiveRunRow } from './live-rows.svelte.js';
import { configKeysOf, isConfigColumn, isMetricColumn, metricOf, NO_METRIC_CELLS, withMetricSummaries, type ColumnId, type ExtraColumn, type GroupBy, type MetricCells } from './run-columns.js';
import {
  changesOrder,
  compileFilter,
  EMPTY_FILTER,
  groupRuns,
  groupRunsByColumn,
  placeMoved,
  runProgress,
  sortRuns,
  type RowChange,
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
  /**
   * Each run as main last described it, in the order main listed them: one signal per run (made
   * when first read), for what follows single runs (rows, group heads, the selection). Replaced by
   * each load (a SvelteMap built at once costs far less than 10,000 signalled sets).
   */
  #byId = $state.raw(new SvelteMap<string, RunSummary>());
  /** The same runs, untracked: what the derivations that follow their own version signals iterate (no signal per run made for them). */
  #all = new Map<string, RunSummary>();
  /** The latest summary of a run (tracked: per run). */
  readonly #runOf = (id: string): RunSummary | undefined => this.#byId.get(id);
  /** The runs (read by whole-list consumers; the table reads rows, which do not follow every summary). */
  readonly runs: readonly RunSummary[] = $derived([...this.#byId.values()]);
  /** How many runs there are (changes only when runs appear or go). */
  readonly runCount = $derived(this.#byId.size);

  /** Each run by id (per-run signals: reading one run follows that run only). */
  get byId(): ReadonlyMap<string, RunSummary> {
    return this.#byId;
  }
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

  /** Bumped when runs appear or go (a run's config never changes, so config keys follow this, not each summary). */
  #membership = $state(0);
  /** Bumped when a change may move, add or drop rows (a changed run's sort value or filter result differs, or all metric cells were read). */
  #orderVersion = $state(0);
  /** Since #visibleIds was last derived: the runs that may have moved, or null when all may have (#reorderIfMoved, #setMetricCells). */
  #moved: Set<string> | null = new Set();
  /** What #visibleIds was last derived from, for placing only moved runs when nothing else changed. */
  #lastOrder: { ids: readonly string[]; sort: RunSort; matches: unknown; membership: number } | null = null;
  /** Bumped when a changed run's tags, or its status, differ. */
  #tagsVersion = $state(0);
  #statusVersion = $state(0);
  /** Every config key the runs have, those that differ first (the column chooser's and group-by's lists). */
  readonly configKeys: readonly { key: string; varies: boolean }[] = $derived.by(() => {
    void this.#membership;
    return untrack(() => configKeysOf([...this.#all.values()]));
  });
  /** The metric keys the added columns read. */
  readonly metricKeys: readonly MetricKey[] = $derived([...new Set(this.columns.filter(isMetricColumn).map((c) => metricOf(c).key))]);
  /** Config keys filter terms may name: the default config's and any added column's. */
  readonly #termKeys = $derived(new Set([...Object.keys(DEFAULT_CONFIG_CELLS), ...this.columns.filter(isConfigColumn).map((c) => c.slice(7))]));
  readonly #matches = $derived(compileFilter(this.filter, this.#termKeys));
  /**
   * The filtered, sorted run ids. The summaries and metric cells are read untracked: a live change
   * re-orders only when it bumps #orderVersion (#reorderIfMoved), so a step count changing does not
   * touch the order of 10,000 runs unless the table is sorted or filtered by it, and then only the
   * changed runs are placed again (placeMoved); a new sort, filter or set of runs sorts them all.
   */
  readonly #visibleIds: readonly string[] = $derived.by(() => {
    const membership = this.#membership;
    void this.#orderVersion;
    const sort = this.sort;
    const matches = this.#matches;
    return untrack(() => {
      const metrics = this.metricCells;
      const last = this.#lastOrder;
      const moved = this.#moved;
      this.#moved = new Set();
      // Only some runs moved (a live change of what the table is sorted or filtered by): place those, do not sort all.
      const onlyMoved = last !== null && moved !== null && last.sort === sort && last.matches === matches && last.membership === membership;
      const ids = onlyMoved
        ? moved.size === 0
          ? last.ids
          : placeMoved(last.ids, moved, (id) => this.#all.get(id), sort, matches, metrics)
        : sortRuns([...this.#all.values()].filter((run) => matches(run, metrics)), sort, metrics).map((run) => run.id);
      this.#lastOrder = { ids, sort, matches, membership };
      return ids;
    });
  });
  readonly visibleRuns: readonly RunSummary[] = $derived(this.#visibleIds.map((id) => this.#byId.get(id)!));
  /** How many runs pass the filter (does not follow every summary, as visibleRuns does). */
  readonly visibleCount = $derived(this.#visibleIds.length);
  /** Groups of the visible runs: members follow the order; each group's runs and figures follow their summaries (LiveRunGroup). */
  readonly groups: readonly RunGroup[] = $derived.by(() => {
    const groupBy = this.groupBy;
    const sort = this.sort;
    const ids = this.#visibleIds;
    if (groupBy === null) return [];
    return untrack(() => {
      const runs = ids.map((id) => this.#all.get(id)!);
      const groups = groupBy === 'seeds' ? groupRuns(runs, sort) : groupRunsByColumn(runs, groupBy, sort);
      return groups.map((group) => new LiveRunGroup(group, this.#runOf));
    });
  });
  /** One row object per run (and indentation), kept while the run is: the table's keyed each keeps its rows. */
  readonly #rowCache = { plain: new Map<string, LiveRunRow>(), inGroup: new Map<string, LiveRunRow>() };
  /** What the table draws, in order (it renders only the window that shows: RunsTable). */
  readonly rows: readonly TableRow[] = $derived(tableRows(this.#visibleIds, this.grouped ? this.groups : null, this.collapsedGroups, (id, inGroup) => this.#rowOf(id, inGroup)));
  readonly allTags: readonly string[] = $derived.by(() => {
    void this.#membership;
    void this.#tagsVersion;
    return untrack(() => [...new Set([...this.#all.values()].flatMap((run) => run.tags))].sort());
  });
  /** Selected runs in table order (selected runs hidden by the filter come last); the ids do not follow live summaries. */
  // Nothing selected (the usual case while sorting 10,000 runs) costs nothing; else the visible order is scanned once per order or selection change.
  readonly selectedRunIds: readonly string[] = $derived.by(() => {
    const selected = this.selectedIds;
    if (selected.size === 0) return [];
    const shown = this.#visibleIds.filter((id) => selected.has(id));
    const shownSet = new Set(shown);
    return [...shown, ...[...selected].filter((id) => !shownSet.has(id) && this.#byId.has(id))];
  });
  readonly selectedRuns: readonly RunSummary[] = $derived(this.selectedRunIds.map((id) => this.#byId.get(id)!));
  readonly allVisibleSelected = $derived(this.#visibleIds.length > 0 && this.#visibleIds.every((id) => this.selectedIds.has(id)));
  readonly liveCount = $derived.by(() => {
    void this.#membership;
    void this.#statusVersion;
    return untrack(() => [...this.#all.values()].filter((run) => run.status === 'running' || run.status === 'queued').length);
  });
  readonly filterActive = $derived(this.filter.text.trim() !== '' || this.filter.task !== null || this.filter.preset !== null || this.filter.status !== null || this.filter.tag !== null || this.filter.sweepId !== null);

  /** Events that arrive while `runs:list` is in flight, applied on top of its answer. */
  #pendingChanges: Map<string, RunSummary> | null = null;
  #pendingRemovals: Set<string> | null = null;
  /** Live runs whose metric cells are due for a refetch, flushed every METRIC_REFRESH_MS (made when first needed). */
  #metricRefresh: Coalescer<string> | null = null;
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

  #rowOf(id: string, inGroup: boolean): LiveRunRow {
    const cache = inGroup ? this.#rowCache.inGroup : this.#rowCache.plain;
    let row = cache.get(id);
    if (row === undefined) cache.set(id, (row = new LiveRunRow(this.#all.get(id)!, inGroup, this.#runOf)));
    return row;
  }

  #forgetRows(id: string): void {
    this.#rowCache.plain.delete(id);
    this.#rowCache.inGroup.delete(id);
  }

  /** Re-orders the rows if `change` may move its runs under the current sort and filter: those runs are placed again, the others keep their order. */
  #reorderIfMoved(change: RowChange): void {
    if (!changesOrder(change, this.sort, this.#matches)) return;
    if (this.#moved !== null) for (const id of change.changed.keys()) this.#moved.add(id);
    this.#orderVersion++;
  }

  /** New metric cells; the rows are re-ordered when all were read (all sorted again) or when those of `changedIds` decide the order (those placed again). */
  #setMetricCells(next: MetricCells, changedIds: readonly string[] | null): void {
    const before = this.metricCells;
    if (changedIds === null) {
      this.#moved = null;
      this.#orderVersion++;
    } else {
      const changed = new Map(changedIds.flatMap((id) => (this.#all.has(id) ? [[id, { before: this.#all.get(id)!, after: this.#all.get(id)! }] as const] : [])));
      this.#reorderIfMoved({ changed, metricsBefore: before, metricsAfter: next });
    }
    this.metricCells = next;
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
    for (const id of this.#all.keys()) if (!merged.has(id)) this.#forgetRows(id);
    this.#all = merged;
    this.#byId = new SvelteMap(merged);
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
    // Only some runs' cells changed (a live refresh): the rows keep their order unless those cells decide it.
    this.#setMetricCells(withMetricSummaries(runIds === undefined ? NO_METRIC_CELLS : this.metricCells, result.value.values), runIds ?? null);
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
      this.#metricRefresh?.dispose();
      this.#metricRefresh = null;
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

  /** Runs were created or changed (the latest summary of each wins): each run's entry is replaced; the order is re-derived only when the change may move rows. */
  applyChanges(changed: readonly RunSummary[]): void {
    if (changed.length === 0) return;
    const latest = new Map<string, RunSummary>();
    for (const run of changed) {
      latest.set(run.id, run);
      this.#pendingChanges?.set(run.id, run);
      this.#pendingRemovals?.delete(run.id);
    }
    const replaced = new Map<string, { before: RunSummary; after: RunSummary }>();
    let added = false;
    for (const after of latest.values()) {
      const before = this.#all.get(after.id);
      if (before === undefined) added = true;
      else {
        replaced.set(after.id, { before, after });
        if (before.status !== after.status) this.#statusVersion++;
        if (before.tags.join('\n') !== after.tags.join('\n')) this.#tagsVersion++;
      }
    }
    if (replaced.size > 0) this.#reorderIfMoved({ changed: replaced, metricsBefore: this.metricCells, metricsAfter: this.metricCells });
    for (const [id, run] of latest) {
      this.#all.set(id, run);
      this.#byId.set(id, run);
    }
    if (added) this.#membership++;
    if (this.metricKeys.length > 0 && this.loaded) for (const id of latest.keys()) this.#refreshMetricsOf(id);
  }

  /** A changed run's metric cells are refetched, batched with other runs' over METRIC_REFRESH_MS. */
  #refreshMetricsOf(runId: string): void {
    this.#metricRefresh ??= createCoalescer<string>((runIds) => void this.loadMetricCells([...new Set(runIds)]), METRIC_REFRESH_MS);
    this.#metricRefresh.push(runId);
  }

  applyRemoval(payload: Events['onDidRemoveRuns']): void {
    this.flushChanges(); // a queued change of a removed run must not bring it back
    const removed = new Set(payload.runIds);
    for (const id of removed) {
      this.#pendingChanges?.delete(id);
      this.#pendingRemovals?.add(id);
    }
    for (const id of removed) {
      this.#all.delete(id);
      this.#byId.delete(id);
      this.#forgetRows(id);
    }
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
    this.setManySelected(this.#visibleIds, !this.allVisibleSelected);
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
  // A run's seed and group never change: this follows runs appearing and going, not their summaries.
  seedsOfGroup(groupKey: string): number[] {
    void this.#membership;
    return untrack(() => [...this.#all.values()].filter((run) => run.groupKey === groupKey).map((run) => run.seed));
  }

  tick(now: number = Date.now()): void {
    this.now = now;
  }

  #pruneSelection(): void {
    if ([...this.selectedIds].every((id) => this.byId.has(id))) return;
    this.selectedIds = new Set([...this.selectedIds].filter((id) => this.byId.has(id)));
  }
}
