/**
 * The runs table's arithmetic as pure functions: text, column-term and facet filters, sorting by
 * any column, added ones included (empty cells last in either direction), grouping by "config
 * minus seed" or by a config key's value, with mean ± std (n),
 * progress and ETA of live runs, and the formatting of those numbers. RunsState composes them;
 * nothing here holds state or talks to main.
 */
import type { ConfigCell, RunStatus, RunSummary } from '../../src-shared/contract.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import { optimizerLabel } from '../../src-shared/optimizer-label.js';
import { labelsByDifference } from '../../src-shared/analysis/group-labels.js';
import { configOfCells } from '../../src-shared/config-cells.js';
import type { TaskName } from '../../src-shared/tasks.js';
import { extraCellReader, extraCellValue, matchesTerm, naturalCompare, NO_METRIC_CELLS, parseColumnTerm, RUN_COLUMNS, type ColumnId, type ColumnTerm, type ConfigColumn, type ExtraColumn, type MetricCells, type RunColumn } from './run-columns.js';

export { RUN_COLUMNS, type RunColumn };
export type SortDirection = 'asc' | 'desc';

export interface RunSort {
  readonly column: ColumnId;
  readonly direction: SortDirection;
}

export interface RunFilter {
  /** Whitespace-separated terms; each must occur in the name, task, preset or a tag. */
  readonly text: string;
  readonly task: TaskName | null;
  readonly preset: ObjectivePreset | null;
  readonly status: RunStatus | null;
  readonly tag: string | null;
  /** Only the runs of this sweep. */
  readonly sweepId: string | null;
}

export const EMPTY_FILTER: RunFilter = { text: '', task: null, preset: null, status: null, tag: null, sweepId: null };

/** A run test for `filter`, its text parsed once: plain terms search, `key=value` / `key>n` terms test a column. */
export function compileFilter(filter: RunFilter, configKeys?: ReadonlySet<string>): (run: RunSummary, metrics?: MetricCells) => boolean {
  const words = filter.text.split(/\s+/).filter((t) => t.length > 0);
  const columnTerms: ColumnTerm[] = [];
  const terms: string[] = [];
  for (const word of words) {
    const term = parseColumnTerm(word, configKeys);
    if (term) columnTerms.push(term);
    else terms.push(word.toLowerCase());
  }
  return (run, metrics = NO_METRIC_CELLS) => {
    if (filter.task !== null && run.task !== filter.task) return false;
    if (filter.preset !== null && run.preset !== filter.preset) return false;
    if (filter.status !== null && run.status !== filter.status) return false;
    if (filter.tag !== null && !run.tags.includes(filter.tag)) return false;
    if (filter.sweepId !== null && run.sweepId !== filter.sweepId) return false;
    for (const term of columnTerms) if (!matchesTerm(sortValue(run, term.column, metrics, true), term)) return false;
    return terms.every((term) => haystackOf(run).some((field) => field.includes(term)));
  };
}

export function matchesFilter(run: RunSummary, filter: RunFilter, metrics: MetricCells = NO_METRIC_CELLS): boolean {
  return compileFilter(filter)(run, metrics);
}

/** Lower-cased searchable fields per run object (summaries are replaced, never mutated, so this stays right). */
const HAYSTACKS = new WeakMap<RunSummary, readonly string[]>();
function haystackOf(run: RunSummary): readonly string[] {
  let fields = HAYSTACKS.get(run);
  if (!fields) HAYSTACKS.set(run, (fields = [run.name, run.task, run.preset, ...run.tags].map((s) => s.toLowerCase())));
  return fields;
}

/** Status order when sorting: live work first, then what needs attention, then what is done. */
const STATUS_RANK: Readonly<Record<RunStatus, number>> = { running: 0, queued: 1, failed: 2, crashed: 3, stopped: 4, finished: 5 };

/** The value a column sorts by (or, `asShown`, filters by); null sorts last whatever the direction. */
export function sortValue(run: RunSummary, column: ColumnId, metrics: MetricCells = NO_METRIC_CELLS, asShown = false): string | number | null {
  switch (column) {
    case 'status':
      return asShown ? run.status : STATUS_RANK[run.status];
    case 'progress':
      return run.totalSteps > 0 ? run.stepsDone / run.totalSteps : null;
    case 'sweep':
      return run.sweepId === null ? null : Number(run.sweepId);
    case 'startedAt':
      // Queued runs have not started: they sort by when they were queued.
      return run.startedAt ?? run.createdAt;
    case 'name':
    case 'task':
    case 'preset':
    case 'seed':
    case 'lastReward':
    case 'bestReward':
    case 'wallTime':
      return run[column];
    default: {
      const cell = extraCellValue(run, column, metrics);
      return typeof cell === 'boolean' ? String(cell) : cell;
    }
  }
}

function compareValues(a: string | number | null, b: string | number | null, direction: SortDirection): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : naturalCompare(String(a), String(b));
  return direction === 'asc' ? order : -order;
}

/** The sort value of `column` for any run, with the column resolved once (see sortValue). */
function sortValueReader(column: ColumnId, metrics: MetricCells): (run: RunSummary) => string | number | null {
  if (!column.includes(':')) return (run) => sortValue(run, column, metrics);
  const read = extraCellReader(column as ExtraColumn, metrics);
  return (run) => {
    const cell = read(run);
    return typeof cell === 'boolean' ? String(cell) : cell;
  };
}

/** Ids in `localeCompare` order, from one collator (the call builds one each time: see naturalCompare). */
const idCompare = new Intl.Collator().compare;

interface KeyedRun {
  readonly run: RunSummary;
  readonly value: string | number | null;
}

/** The table's order: by value (empty last), ties by creation, newest first, then id; a total order, so one sorted place per run. */
function compareKeyed(a: KeyedRun, b: KeyedRun, direction: SortDirection): number {
  return compareValues(a.value, b.value, direction) || b.run.createdAt - a.run.createdAt || idCompare(a.run.id, b.run.id);
}

/** A stable sort (ties keep creation order, newest first); each run's value is read once. */
export function sortRuns(runs: readonly RunSummary[], sort: RunSort, metrics: MetricCells = NO_METRIC_CELLS): RunSummary[] {
  const valueOf = sortValueReader(sort.column, metrics);
  const keyed = runs.map((run) => ({ run, value: valueOf(run) }));
  keyed.sort((a, b) => compareKeyed(a, b, sort.direction));
  return keyed.map((k) => k.run);
}

/**
 * The ids of filtered runs in sortRuns order after the runs `moved` changed: each is taken out
 * and, if it still passes `matches`, put back where the sort puts it, found by binary search. The
 * same order as filtering and sorting all runs again, for log n comparisons per moved run instead
 * of n log n (a live run's progress changes every 250 ms in a table sorted by progress).
 */
export function placeMoved(
  sortedIds: readonly string[],
  moved: ReadonlySet<string>,
  runOf: (id: string) => RunSummary | undefined,
  sort: RunSort,
  matches: (run: RunSummary, metrics?: MetricCells) => boolean,
  metrics: MetricCells = NO_METRIC_CELLS,
): string[] {
  const valueOf = sortValueReader(sort.column, metrics);
  const keyOf = (run: RunSummary): KeyedRun => ({ run, value: valueOf(run) });
  const result = sortedIds.filter((id) => !moved.has(id));
  for (const id of moved) {
    const run = runOf(id);
    if (run === undefined || !matches(run, metrics)) continue;
    const key = keyOf(run);
    let low = 0;
    let high = result.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeyed(keyOf(runOf(result[middle]!)!), key, sort.direction) < 0) low = middle + 1;
      else high = middle;
    }
    result.splice(low, 0, id);
  }
  return result;
}

/** Some runs' summaries and/or metric cells changed: each changed run before and after, and the cells before and after. */
export interface RowChange {
  readonly changed: ReadonlyMap<string, { readonly before: RunSummary; readonly after: RunSummary }>;
  readonly metricsBefore: MetricCells;
  readonly metricsAfter: MetricCells;
}

/**
 * Whether a RowChange may move, add or drop rows of the filtered, sorted table: some changed run's
 * sort value or filter result differs. When not, the order stands and only the changed rows redraw.
 * A live run's summary changes every 250 ms (its metric cells every 2 s) while what the table is
 * usually sorted by (start time, name, config) does not.
 */
export function changesOrder(change: RowChange, sort: RunSort, matches: (run: RunSummary, metrics?: MetricCells) => boolean): boolean {
  const { changed, metricsBefore, metricsAfter } = change;
  const valueBefore = sortValueReader(sort.column, metricsBefore);
  const valueAfter = sortValueReader(sort.column, metricsAfter);
  for (const { before, after } of changed.values()) {
    if (matches(before, metricsBefore) !== matches(after, metricsAfter) || valueBefore(before) !== valueAfter(after)) return true;
  }
  return false;
}

export interface MeanStd {
  readonly mean: number;
  /** Sample standard deviation (n - 1); null for a single value. */
  readonly std: number | null;
  readonly n: number;
}

/** Mean ± sample std over the finite values; null when there are none. */
export function meanStd(values: readonly (number | null)[]): MeanStd | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return null;
  const mean = finite.reduce((sum, v) => sum + v, 0) / n;
  if (n === 1) return { mean, std: null, n };
  const variance = finite.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance), n };
}

export interface RunGroup {
  readonly key: string;
  /** What the seeds share (mean type, task, optimizer, QK-clip), or the key and value the runs share. */
  readonly label: string;
  /** Seeds of one config, or the runs with one value of a config key. */
  readonly by: 'seeds' | 'value';
  readonly runs: readonly RunSummary[];
  /** The ids of `runs`, in order. */
  readonly runIds: readonly string[];
  readonly lastReward: MeanStd | null;
  readonly bestReward: MeanStd | null;
  readonly statusCounts: Readonly<Partial<Record<RunStatus, number>>>;
}

export function groupLabel(run: RunSummary): string {
  return `${run.preset} · ${run.task} · ${optimizerLabel(run.optimizer, run.qkClip)}`;
}

/** The optimizer note a run's row shows beside its mean type; null for plain AdamW, the default. */
export function optimizerNote(run: Pick<RunSummary, 'optimizer' | 'qkClip'>): string | null {
  return run.optimizer === 'muon' || run.qkClip ? optimizerLabel(run.optimizer, run.qkClip) : null;
}

/**
 * One label per group, never the same twice: groups that share mean type, task and optimizer add
 * the config values that differ among them ("… · learningRate=0.003"), by the rule Compare's
 * legend follows (src-shared/analysis/group-labels.ts); "#2" only where the configs are the same.
 */
export function uniqueGroupLabels(groups: readonly { readonly key: string; readonly first: RunSummary }[]): Map<string, string> {
  return labelsByDifference(groups.map((group) => ({ key: group.key, base: groupLabel(group.first), config: configOfCells(group.first.config) })));
}

/**
 * Groups runs that differ only in their seed (same groupKey), keeping the order of `sortedRuns`
 * inside and between groups; reward columns order the groups by their mean instead.
 */
export function groupRuns(sortedRuns: readonly RunSummary[], sort: RunSort): RunGroup[] {
  const members = new Map<string, RunSummary[]>();
  for (const run of sortedRuns) {
    const list = members.get(run.groupKey);
    if (list) list.push(run);
    else members.set(run.groupKey, [run]);
  }
  const labels = uniqueGroupLabels([...members].map(([key, runs]) => ({ key, first: runs[0]! })));
  const groups = [...members].map(([key, runs]): RunGroup => {
    return makeGroup(key, labels.get(key)!, 'seeds', runs);
  });
  return sortGroupsByReward(groups, sort) ?? groups;
}

function makeGroup(key: string, label: string, by: RunGroup['by'], runs: readonly RunSummary[]): RunGroup {
  return { key, label, by, runs, runIds: runs.map((run) => run.id), ...groupStats(runs) };
}

/** What a group's head row shows of its runs: reward mean ± std (n) and how many runs have each status. */
export function groupStats(runs: readonly RunSummary[]): Pick<RunGroup, 'lastReward' | 'bestReward' | 'statusCounts'> {
  const statusCounts: Partial<Record<RunStatus, number>> = {};
  for (const run of runs) statusCounts[run.status] = (statusCounts[run.status] ?? 0) + 1;
  return { lastReward: meanStd(runs.map((r) => r.lastReward)), bestReward: meanStd(runs.map((r) => r.bestReward)), statusCounts };
}

/** Reward columns order groups by their mean; null for any other sort. */
function sortGroupsByReward(groups: RunGroup[], sort: RunSort): RunGroup[] | null {
  if (sort.column !== 'lastReward' && sort.column !== 'bestReward') return null;
  const column = sort.column;
  return groups.sort((a, b) => compareValues(a[column]?.mean ?? null, b[column]?.mean ?? null, sort.direction));
}

/**
 * Groups runs by the value of a config key ("dModel = 64 · 12 runs" for model.dModel), runs in `sortedRuns`
 * order inside each group. Groups follow the value (ascending, or the sort's direction when sorting
 * by that key), or the reward mean when sorting by a reward.
 */
export function groupRunsByColumn(sortedRuns: readonly RunSummary[], column: ConfigColumn, sort: RunSort): RunGroup[] {
  const members = new Map<ConfigCell, RunSummary[]>();
  const read = extraCellReader(column, NO_METRIC_CELLS);
  for (const run of sortedRuns) {
    const value = read(run);
    const list = members.get(value);
    if (list) list.push(run);
    else members.set(value, [run]);
  }
  // The key's last part names it in the head row ("dModel = 64"); the Group by picker shows the whole key.
  const name = column.slice(column.lastIndexOf('.') + 1).replace(/^config:/, '');
  const groups = [...members].map(([value, runs]) => makeGroup(`${column}=${String(value)}`, `${name} = ${value === null ? '—' : String(value)} · ${runs.length} run${runs.length === 1 ? '' : 's'}`, 'value', runs));
  const valueOf = (group: RunGroup) => {
    const v = extraCellValue(group.runs[0]!, column, NO_METRIC_CELLS);
    return typeof v === 'boolean' ? String(v) : v;
  };
  return sortGroupsByReward(groups, sort) ?? groups.sort((a, b) => compareValues(valueOf(a), valueOf(b), sort.column === column ? sort.direction : 'asc'));
}

/** The text of a group's cell in an added column: the shared config value or "mixed", a metric's mean ± std (n). */
export function groupExtraCell(group: RunGroup, column: ExtraColumn, metrics: MetricCells): string | MeanStd | null {
  const read = extraCellReader(column, metrics);
  if (column.startsWith('metric:')) return meanStd(group.runs.map((run) => read(run) as number | null));
  const values = new Set(group.runs.map(read));
  if (values.size > 1) return 'mixed';
  const [only] = values;
  return only === null || only === undefined ? null : String(only);
}

/**
 * One row of the runs table as drawn: a group's head row, or a run (indented inside a group). A
 * run row's `run` may be read live (RunsState's rows: the latest summary of `runId`).
 */
export type TableRow = { readonly kind: 'group'; readonly group: RunGroup } | { readonly kind: 'run'; readonly runId: string; readonly run: RunSummary; readonly inGroup: boolean };
export type RunTableRow = Extract<TableRow, { kind: 'run' }>;

/**
 * The table's rows in order: the runs, or each group's head followed by its runs unless collapsed.
 * `rowOf` gives the row of a run id (RunsState keeps one per run, so the table's keyed each keeps its rows).
 */
export function tableRows(runIds: readonly string[], groups: readonly RunGroup[] | null, collapsed: ReadonlySet<string>, rowOf: (runId: string, inGroup: boolean) => RunTableRow): TableRow[] {
  if (groups === null) return runIds.map((id) => rowOf(id, false));
  const rows: TableRow[] = [];
  for (const group of groups) {
    rows.push({ kind: 'group', group });
    if (!collapsed.has(group.key)) for (const id of group.runIds) rows.push(rowOf(id, true));
  }
  return rows;
}

/** The rows to render for a scroll position: [start, end) with `overscan` rows either side of what shows. */
export function visibleWindow(rowCount: number, rowHeight: number, scrollTop: number, viewportHeight: number, overscan = 8): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + viewportHeight) / rowHeight);
  return { start: Math.max(0, Math.min(rowCount, first - overscan)), end: Math.min(rowCount, last + overscan) };
}

export interface RunProgress {
  /** stepsDone / totalSteps in [0, 1]. */
  readonly fraction: number;
  /** Seconds left at the run's average pace so far; null when not running or too early to say. */
  readonly etaSeconds: number | null;
}

/**
 * Progress of a run and, while it runs, its ETA: the remaining steps at the average pace so far.
 * The pace uses the trainer's own wall time when it has reported one, else the time since start.
 */
export function runProgress(run: RunSummary, now: number): RunProgress {
  const fraction = run.totalSteps > 0 ? Math.min(1, Math.max(0, run.stepsDone / run.totalSteps)) : 0;
  if (run.status !== 'running' || run.stepsDone <= 0 || run.stepsDone >= run.totalSteps) return { fraction, etaSeconds: null };
  const elapsed = run.wallTime !== null && run.wallTime > 0 ? run.wallTime : run.startedAt !== null ? (now - run.startedAt) / 1000 : null;
  if (elapsed === null || elapsed <= 0) return { fraction, etaSeconds: null };
  const secondsPerStep = elapsed / run.stepsDone;
  return { fraction, etaSeconds: (run.totalSteps - run.stepsDone) * secondsPerStep };
}

/** Seconds as "1h 02m", "3m 05s" or "12s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function formatReward(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(3);
}

/** "0.812 ± 0.034 (n=3)"; a single seed has no spread: "0.812 (n=1)". */
export function formatMeanStd(stats: MeanStd | null): string {
  if (stats === null) return '—';
  const spread = stats.std === null ? '' : ` ± ${formatReward(stats.std)}`;
  return `${formatReward(stats.mean)}${spread} (n=${stats.n})`;
}

export function formatTimestamp(ms: number | null): string {
  if (ms === null) return '—';
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The next `count` seeds after those a group already has, so new runs never repeat a seed. */
export function nextSeeds(existingSeeds: readonly number[], count: number): number[] {
  const start = existingSeeds.length === 0 ? 0 : Math.max(...existingSeeds) + 1;
  return Array.from({ length: count }, (_, i) => start + i);
}

/** "a, b ,, c" -> ["a", "b", "c"]: trimmed, no empties, no duplicates. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t.length > 0))];
}
