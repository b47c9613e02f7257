/**
 * RunsState: the run table's data and view state. It loads `runs:list`, keeps it current from
 * `onDidChangeRun` / `onDidRemoveRuns`, and derives the filtered, sorted (optionally grouped) rows,
 * the selection, and progress/ETA of live runs. Status is whatever main says; this class never
 * guesses it. The arithmetic lives in run-table.ts; components only render and call methods.
 */
import type { Api, Events, RunSummary } from '../../src-shared/contract.js';
import type { AppError } from '../../src-shared/result.js';
import {
  EMPTY_FILTER,
  groupRuns,
  matchesFilter,
  runProgress,
  sortRuns,
  type RunColumn,
  type RunFilter,
  type RunGroup,
  type RunProgress,
  type RunSort,
  type TableRow,
  tableRows,
} from './run-table.js';
import type { ViewState } from './url-state.js';

/** Columns whose natural first look is largest-first. */
const DESCENDING_FIRST: ReadonlySet<RunColumn> = new Set(['lastReward', 'bestReward', 'progress', 'wallTime', 'startedAt']);

export class RunsState {
  /** The runs as main last described them (replaced, never mutated). */
  runs = $state.raw<readonly RunSummary[]>([]);
  loading = $state(false);
  loaded = $state(false);
  loadError = $state.raw<AppError | null>(null);

  filter = $state.raw<RunFilter>(EMPTY_FILTER);
  sort = $state.raw<RunSort>({ column: 'startedAt', direction: 'desc' });
  /** Group rows by "config minus seed" (groupKey). */
  grouped = $state(false);
  collapsedGroups = $state.raw<ReadonlySet<string>>(new Set());
  selectedIds = $state.raw<ReadonlySet<string>>(new Set());
  /** The clock ETAs are computed against; `tick` advances it. */
  now = $state(Date.now());

  readonly byId = $derived(new Map(this.runs.map((run) => [run.id, run])));
  readonly visibleRuns: readonly RunSummary[] = $derived(sortRuns(this.runs.filter((run) => matchesFilter(run, this.filter)), this.sort));
  readonly groups: readonly RunGroup[] = $derived(this.grouped ? groupRuns(this.visibleRuns, this.sort) : []);
  /** What the table draws, in order (it renders only the window that shows: RunsTable). */
  readonly rows: readonly TableRow[] = $derived(tableRows(this.visibleRuns, this.grouped ? this.groups : null, this.collapsedGroups));
  readonly allTags: readonly string[] = $derived([...new Set(this.runs.flatMap((run) => run.tags))].sort());
  /** Selected runs in table order (selected runs hidden by the filter come last). */
  readonly selectedRuns: readonly RunSummary[] = $derived([
    ...this.visibleRuns.filter((run) => this.selectedIds.has(run.id)),
    ...this.runs.filter((run) => this.selectedIds.has(run.id) && !matchesFilter(run, this.filter)),
  ]);
  readonly selectedRunIds: readonly string[] = $derived(this.selectedRuns.map((run) => run.id));
  readonly allVisibleSelected = $derived(this.visibleRuns.length > 0 && this.visibleRuns.every((run) => this.selectedIds.has(run.id)));
  readonly liveCount = $derived(this.runs.filter((run) => run.status === 'running' || run.status === 'queued').length);
  readonly filterActive = $derived(this.filter.text.trim() !== '' || this.filter.task !== null || this.filter.preset !== null || this.filter.status !== null || this.filter.tag !== null || this.filter.sweepId !== null);

  /** Events that arrive while `runs:list` is in flight, applied on top of its answer. */
  #pendingChanges: Map<string, RunSummary> | null = null;
  #pendingRemovals: Set<string> | null = null;

  constructor(private readonly api: Api) {}

  /** Loads (or reloads) the run list; events that arrive meanwhile are not lost. */
  async load(): Promise<void> {
    this.loading = true;
    this.#pendingChanges = new Map();
    this.#pendingRemovals = new Set();
    const result = await this.api.invoke('runs:list', null);
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
    this.loaded = true;
    this.#pruneSelection();
  }

  /** Follows main's run events; returns the unsubscribe function (call it on teardown). */
  connect(): () => void {
    const offChange = this.api.on('onDidChangeRun', (run) => this.applyChange(run));
    const offRemove = this.api.on('onDidRemoveRuns', (payload) => this.applyRemoval(payload));
    return () => {
      offChange();
      offRemove();
    };
  }

  /** A run was created or changed: insert or replace it. */
  applyChange(run: RunSummary): void {
    this.#pendingChanges?.set(run.id, run);
    this.#pendingRemovals?.delete(run.id);
    const known = this.runs.some((r) => r.id === run.id);
    this.runs = known ? this.runs.map((r) => (r.id === run.id ? run : r)) : [...this.runs, run];
  }

  applyRemoval(payload: Events['onDidRemoveRuns']): void {
    const removed = new Set(payload.runIds);
    for (const id of removed) {
      this.#pendingChanges?.delete(id);
      this.#pendingRemovals?.add(id);
    }
    this.runs = this.runs.filter((run) => !removed.has(run.id));
    this.#pruneSelection();
  }

  /** Takes selection, grouping, sort and filters from a URL (url-sync.svelte.ts). */
  restore(state: Pick<ViewState, 'selected' | 'grouped' | 'sort' | 'filter'>): void {
    this.selectedIds = new Set(state.selected);
    this.grouped = state.grouped;
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
  sortBy(column: RunColumn): void {
    if (this.sort.column === column) {
      this.sort = { column, direction: this.sort.direction === 'asc' ? 'desc' : 'asc' };
    } else {
      this.sort = { column, direction: DESCENDING_FIRST.has(column) ? 'desc' : 'asc' };
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
