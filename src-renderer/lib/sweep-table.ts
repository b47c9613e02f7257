/**
 * The Sweeps view's arithmetic as pure functions: a sweep's status counts, steps done of total,
 * start and wall time, and overall state from its runs' summaries; its axes in words; and its runs
 * grouped by grid cell (the cell labels come from the same expansion the launch used). Nothing
 * here holds state or talks to main; SweepsState and the components compose it.
 */
import type { RunStatus, RunSummary, SweepSummary } from '../../src-shared/contract.js';
import { previewSweep } from '../../src-shared/sweep.js';
import { meanStd, type MeanStd } from './run-table.js';

export type SweepState = 'queued' | 'running' | 'finished' | 'ended with problems' | 'stopped' | 'empty';

export interface SweepStats {
  readonly counts: Readonly<Partial<Record<RunStatus, number>>>;
  readonly runs: number;
  readonly stepsDone: number;
  readonly totalSteps: number;
  /** When its first run started (null while all are queued). */
  readonly startedAt: number | null;
  /** Seconds from the first start to the last end (or to `now` while runs are live). */
  readonly wallSeconds: number | null;
  readonly state: SweepState;
}

const LIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running']);

/** Status counts, progress, start and wall time of a sweep from its runs as the runs table knows them. */
export function sweepStats(sweep: Pick<SweepSummary, 'runIds'>, runsById: ReadonlyMap<string, RunSummary>, now: number): SweepStats {
  const runs = sweep.runIds.map((id) => runsById.get(id)).filter((run): run is RunSummary => run !== undefined);
  const counts: Partial<Record<RunStatus, number>> = {};
  let stepsDone = 0;
  let totalSteps = 0;
  let startedAt: number | null = null;
  let endedAt: number | null = null;
  for (const run of runs) {
    counts[run.status] = (counts[run.status] ?? 0) + 1;
    stepsDone += run.stepsDone;
    totalSteps += run.totalSteps;
    if (run.startedAt !== null) startedAt = startedAt === null ? run.startedAt : Math.min(startedAt, run.startedAt);
    if (run.finishedAt !== null) endedAt = endedAt === null ? run.finishedAt : Math.max(endedAt, run.finishedAt);
  }
  const live = runs.some((run) => LIVE.has(run.status));
  const end = live ? now : endedAt;
  const wallSeconds = startedAt === null || end === null ? null : Math.max(0, (end - startedAt) / 1000);
  return { counts, runs: runs.length, stepsDone, totalSteps, startedAt, wallSeconds, state: stateOf(counts, runs.length) };
}

function stateOf(counts: Partial<Record<RunStatus, number>>, total: number): SweepState {
  if (total === 0) return 'empty';
  if ((counts.running ?? 0) > 0) return 'running';
  if ((counts.queued ?? 0) === total) return 'queued';
  if ((counts.queued ?? 0) > 0) return 'running';
  if ((counts.failed ?? 0) + (counts.crashed ?? 0) > 0) return 'ended with problems';
  if ((counts.stopped ?? 0) > 0) return 'stopped';
  return 'finished';
}

/** "3 finished · 1 running" in a fixed order (live first). */
export function formatCounts(counts: Readonly<Partial<Record<RunStatus, number>>>): string {
  const order: RunStatus[] = ['running', 'queued', 'finished', 'failed', 'crashed', 'stopped'];
  return order.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`).join(' · ') || 'no runs';
}

/** One axis in words: "objective.preset: gspo, hmpo" or "MuonClip off, MuonClip on". */
export function describeAxis(axis: SweepSummary['axes'][number]): string {
  const values = axis.values.map((value, i) => axis.labels?.[i] ?? (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)));
  return `${axis.path === '' ? 'config' : axis.path}: ${values.join(', ')}`;
}

/** "objective.preset (2) × seeds (3)": the grid's shape. */
export function describeGrid(sweep: Pick<SweepSummary, 'axes' | 'seeds'>): string {
  return [...sweep.axes.map((a) => `${a.path === '' ? 'config' : a.path} (${a.values.length})`), `seeds (${sweep.seeds.length})`].join(' × ');
}

export interface SweepCell {
  readonly label: string;
  readonly runs: readonly RunSummary[];
  readonly counts: Readonly<Partial<Record<RunStatus, number>>>;
  readonly lastReward: MeanStd | null;
}

/**
 * The sweep's runs grouped by grid cell, in grid order. Runs were created cell by cell, seeds inner,
 * so run i belongs to cell floor(i / seeds); when runs were deleted since, runs are grouped by
 * config minus seed instead and named after their first run.
 */
export function sweepCells(sweep: Pick<SweepSummary, 'runIds' | 'axes' | 'seeds'>, runsById: ReadonlyMap<string, RunSummary>): SweepCell[] {
  const preview = safePreview(sweep);
  const perCell = sweep.seeds.length;
  const members: { label: string; runs: RunSummary[] }[] = [];
  if (preview !== null && perCell > 0 && sweep.runIds.length === preview.count) {
    preview.cells.forEach((cell, c) => {
      const runs = sweep.runIds.slice(c * perCell, (c + 1) * perCell).map((id) => runsById.get(id)).filter((run): run is RunSummary => run !== undefined);
      members.push({ label: cell.label || 'base config', runs });
    });
  } else {
    const byKey = new Map<string, RunSummary[]>();
    for (const id of sweep.runIds) {
      const run = runsById.get(id);
      if (run) byKey.set(run.groupKey, [...(byKey.get(run.groupKey) ?? []), run]);
    }
    for (const runs of byKey.values()) members.push({ label: cellLabelOf(runs[0]!), runs });
  }
  return members.map(({ label, runs }) => {
    const counts: Partial<Record<RunStatus, number>> = {};
    for (const run of runs) counts[run.status] = (counts[run.status] ?? 0) + 1;
    return { label, runs, counts, lastReward: meanStd(runs.map((run) => run.lastReward)) };
  });
}

const previews = new WeakMap<Pick<SweepSummary, 'axes' | 'seeds'>, ReturnType<typeof previewSweep> | null>();

/**
 * The sweep's grid expanded (cells in launch order), or null for axes an older version stored that
 * this one cannot expand. Kept per sweep object: the sweep page re-derives on every run event.
 */
export function safePreview(sweep: Pick<SweepSummary, 'axes' | 'seeds'>): ReturnType<typeof previewSweep> | null {
  if (previews.has(sweep)) return previews.get(sweep)!;
  let preview: ReturnType<typeof previewSweep> | null;
  try {
    preview = previewSweep({ base: {}, axes: sweep.axes, seeds: sweep.seeds });
  } catch {
    preview = null;
  }
  previews.set(sweep, preview);
  return preview;
}

/** A sweep run's cell label: its name without the " · seed N" the sweep appended. */
export function cellLabelOf(run: Pick<RunSummary, 'name'>): string {
  return run.name.replace(/ · seed \d+$/, '');
}
