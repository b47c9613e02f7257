/**
 * The runs table's arithmetic as pure functions: text and facet filters, sorting by any column
 * (empty cells last in either direction), grouping by "config minus seed" with mean ± std (n),
 * progress and ETA of live runs, and the formatting of those numbers. RunsState composes them;
 * nothing here holds state or talks to main.
 */
import type { RunStatus, RunSummary } from '../../src-shared/contract.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import { optimizerLabel } from '../../src-shared/optimizer-label.js';
import type { TaskName } from '../../src-shared/tasks.js';

export const RUN_COLUMNS = ['status', 'name', 'task', 'preset', 'seed', 'sweep', 'lastReward', 'bestReward', 'progress', 'wallTime', 'startedAt'] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];
export type SortDirection = 'asc' | 'desc';

export interface RunSort {
  readonly column: RunColumn;
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

export function matchesFilter(run: RunSummary, filter: RunFilter): boolean {
  if (filter.task !== null && run.task !== filter.task) return false;
  if (filter.preset !== null && run.preset !== filter.preset) return false;
  if (filter.status !== null && run.status !== filter.status) return false;
  if (filter.tag !== null && !run.tags.includes(filter.tag)) return false;
  if (filter.sweepId !== null && run.sweepId !== filter.sweepId) return false;
  const terms = filter.text.toLowerCase().split(/\s+/).filter((t) => t.length > 0);
  if (terms.length === 0) return true;
  return terms.every((term) => haystackOf(run).some((field) => field.includes(term)));
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

/** The value a column sorts by; null sorts last whatever the direction. */
export function sortValue(run: RunSummary, column: RunColumn): string | number | null {
  switch (column) {
    case 'status':
      return STATUS_RANK[run.status];
    case 'progress':
      return run.totalSteps > 0 ? run.stepsDone / run.totalSteps : null;
    case 'sweep':
      return run.sweepId === null ? null : Number(run.sweepId);
    case 'startedAt':
      // Queued runs have not started: they sort by when they were queued.
      return run.startedAt ?? run.createdAt;
    default:
      return run[column];
  }
}

function compareValues(a: string | number | null, b: string | number | null, direction: SortDirection): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
  return direction === 'asc' ? order : -order;
}

/** A stable sort (ties keep creation order, newest first). */
export function sortRuns(runs: readonly RunSummary[], sort: RunSort): RunSummary[] {
  return [...runs].sort((a, b) => compareValues(sortValue(a, sort.column), sortValue(b, sort.column), sort.direction) || b.createdAt - a.createdAt || a.id.localeCompare(b.id));
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
  /** What the seeds share: mean type, task, optimizer and QK-clip. */
  readonly label: string;
  readonly runs: readonly RunSummary[];
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
 * their step count where it differs, and else their config hash (the run view shows the config).
 */
export function uniqueGroupLabels(groups: readonly { readonly key: string; readonly first: RunSummary }[]): Map<string, string> {
  const byBase = new Map<string, { key: string; first: RunSummary }[]>();
  for (const group of groups) {
    const base = groupLabel(group.first);
    byBase.set(base, [...(byBase.get(base) ?? []), group]);
  }
  const labels = new Map<string, string>();
  for (const [base, members] of byBase) {
    const stepsDiffer = new Set(members.map((m) => m.first.totalSteps)).size > 1;
    for (const member of members) {
      const steps = stepsDiffer ? ` · ${member.first.totalSteps.toLocaleString('en-US')} steps` : '';
      labels.set(member.key, members.length === 1 ? base : `${base}${steps}`);
    }
    const counts = new Map<string, number>();
    for (const member of members) counts.set(labels.get(member.key)!, (counts.get(labels.get(member.key)!) ?? 0) + 1);
    for (const member of members) {
      const label = labels.get(member.key)!;
      if (counts.get(label)! > 1) labels.set(member.key, `${label} · config ${member.key.slice(0, 6)}`);
    }
  }
  return labels;
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
    const statusCounts: Partial<Record<RunStatus, number>> = {};
    for (const run of runs) statusCounts[run.status] = (statusCounts[run.status] ?? 0) + 1;
    return {
      key,
      label: labels.get(key)!,
      runs,
      lastReward: meanStd(runs.map((r) => r.lastReward)),
      bestReward: meanStd(runs.map((r) => r.bestReward)),
      statusCounts,
    };
  });
  if (sort.column === 'lastReward' || sort.column === 'bestReward') {
    const column = sort.column;
    return groups.sort((a, b) => compareValues(a[column]?.mean ?? null, b[column]?.mean ?? null, sort.direction));
  }
  return groups;
}

/** One row of the runs table as drawn: a group's head row, or a run (indented inside a group). */
export type TableRow = { readonly kind: 'group'; readonly group: RunGroup } | { readonly kind: 'run'; readonly run: RunSummary; readonly inGroup: boolean };

/** The table's rows in order: the runs, or each group's head followed by its runs unless collapsed. */
export function tableRows(runs: readonly RunSummary[], groups: readonly RunGroup[] | null, collapsed: ReadonlySet<string>): TableRow[] {
  if (groups === null) return runs.map((run) => ({ kind: 'run', run, inGroup: false }));
  const rows: TableRow[] = [];
  for (const group of groups) {
    rows.push({ kind: 'group', group });
    if (!collapsed.has(group.key)) for (const run of group.runs) rows.push({ kind: 'run', run, inGroup: true });
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
