/**
 * Parallel coordinates of a sweep as pure data and geometry: one axis per swept config key (numeric
 * or categorical) and one per verdict outcome that some run measured; one line per finished run;
 * scales, ticks, polyline points, brush filtering and line colours. Nothing here draws, fetches or
 * holds state: SweepParallelCoordinates.svelte draws it, SweepOutcomesState fetches the outcomes.
 */
import type { RunOutcomeRow, RunStatus, RunSummary, SweepSummary } from '../../src-shared/contract.js';
import { OUTCOME_KEYS, OUTCOMES, type OutcomeKey } from '../../src-shared/analysis/outcomes.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import { previewSweep } from '../../src-shared/sweep.js';
import { formatNumber } from './charts/format.js';
import { presetColour, seriesColours, type Theme } from './palette.js';
import { cellLabelOf, formatCounts, safePreview } from './sweep-table.js';

type SweepAxis = SweepSummary['axes'][number];

export interface ParcoordsAxis {
  /** Stable id: `config:<path>` or `outcome:<key>`. */
  readonly id: string;
  /** What the axis is titled: the config path ('config' for a root axis) or the outcome's label. */
  readonly label: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categorical axes: the category names, bottom to top. */
  readonly categories: readonly string[];
  /** Numeric axes: [low, high] of the drawn range. */
  readonly domain: readonly [number, number];
  /** Numeric axes spanning more than LOG_SPAN (all positive) are drawn on a log scale. */
  readonly log: boolean;
  /** Numeric ticks (config axes: the swept values; outcome axes: low, middle, high, or the one value all runs share). */
  readonly ticks: readonly number[];
  /** Which way is better ('up' = higher is better), null when neither or for config axes. */
  readonly better: 'up' | 'down' | null;
}

export interface ParcoordsLine {
  readonly runId: string;
  readonly name: string;
  readonly preset: ObjectivePreset;
  /** One value per axis: a number (numeric), a category index (categorical), or null (not measured). */
  readonly values: readonly (number | null)[];
}

export interface ParcoordsData {
  readonly axes: readonly ParcoordsAxis[];
  readonly lines: readonly ParcoordsLine[];
}

/** A positive numeric axis whose max / min is at least this is drawn on a log scale (learning rates). */
export const LOG_SPAN = 50;

/**
 * Which value of each axis every run of the sweep has, by run id: value indices in axis order.
 * Runs were created cell by cell (last axis fastest), seeds inner, so run i is cell floor(i / seeds);
 * when runs were deleted since, a run is matched to its cell by its name ("<cell label> · seed N").
 */
export function runAxisIndices(sweep: Pick<SweepSummary, 'axes' | 'seeds' | 'runIds'>, runsById: ReadonlyMap<string, RunSummary>): Map<string, number[]> {
  const sizes = sweep.axes.map((axis) => axis.values.length);
  const cells = sizes.reduce((a, b) => a * b, 1);
  const indicesOf = (cell: number): number[] => {
    const out = new Array<number>(sizes.length);
    for (let k = sizes.length - 1; k >= 0; k--) {
      out[k] = cell % sizes[k]!;
      cell = Math.floor(cell / sizes[k]!);
    }
    return out;
  };
  const result = new Map<string, number[]>();
  const perCell = sweep.seeds.length;
  if (perCell > 0 && sweep.runIds.length === cells * perCell) {
    sweep.runIds.forEach((id, i) => result.set(id, indicesOf(Math.floor(i / perCell))));
    return result;
  }
  const labels = safePreview(sweep)?.cells.map((cell) => cell.label) ?? null;
  if (labels === null) return result;
  const cellByLabel = new Map(labels.map((label, c) => [label, c]));
  for (const id of sweep.runIds) {
    const run = runsById.get(id);
    const cell = run ? cellByLabel.get(cellLabelOf(run)) : undefined;
    if (cell !== undefined) result.set(id, indicesOf(cell));
  }
  return result;
}

/** The names of an axis's values: its labels, else the launch's own value label for objects, else the value. */
export function axisValueNames(axis: SweepAxis): string[] {
  if (axis.labels && axis.labels.length === axis.values.length) return [...axis.labels];
  return axis.values.map((value, i) => {
    if (typeof value !== 'object' || value === null) return String(value);
    try {
      return previewSweep({ base: {}, axes: [{ path: axis.path, values: [value] }], seeds: [0] }).cells[0]?.label ?? String(i);
    } catch {
      return JSON.stringify(value);
    }
  });
}

function configAxis(axis: SweepAxis): ParcoordsAxis {
  const label = axis.path === '' ? 'config' : axis.path;
  const numbers = axis.values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length === axis.values.length && numbers.length > 0) {
    const low = Math.min(...numbers);
    const high = Math.max(...numbers);
    const log = low > 0 && high / low >= LOG_SPAN;
    return { id: `config:${axis.path}`, label, kind: 'numeric', categories: [], domain: padded(low, high, log), log, ticks: [...new Set(numbers)].sort((a, b) => a - b), better: null };
  }
  return { id: `config:${axis.path}`, label, kind: 'categorical', categories: axisValueNames(axis), domain: [0, 1], log: false, ticks: [], better: null };
}

function outcomeAxis(key: OutcomeKey, values: readonly number[]): ParcoordsAxis {
  const info = OUTCOMES[key];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const [low, high] = padded(min, max, false);
  return {
    id: `outcome:${key}`,
    label: info.label,
    kind: 'numeric',
    categories: [],
    domain: [low, high],
    log: false,
    // Every run equal: one tick at that value (mid-axis), not a made-up range around it.
    ticks: min === max ? [min] : [low, (low + high) / 2, high],
    better: info.higherIsBetter === null ? null : info.higherIsBetter ? 'up' : 'down',
  };
}

/** A range with room: a single value gets a span around it, so its points sit mid-axis. */
function padded(low: number, high: number, log: boolean): [number, number] {
  if (high > low) return [low, high];
  if (log) return [low / 2, low * 2];
  const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
  return [low - pad, low + pad];
}

/**
 * The plot's axes and lines: one line per run with outcomes (finished runs), the swept keys first,
 * then every outcome (OUTCOME_KEYS order) that at least one run measured.
 */
export function parcoordsData(
  sweep: Pick<SweepSummary, 'axes' | 'seeds' | 'runIds'>,
  runsById: ReadonlyMap<string, RunSummary>,
  outcomes: readonly RunOutcomeRow[],
): ParcoordsData {
  const indices = runAxisIndices(sweep, runsById);
  const rows = outcomes.filter((row) => indices.has(row.runId) && runsById.has(row.runId));
  const measured = OUTCOME_KEYS.filter((key) => rows.some((row) => isFiniteNumber(row.values[key])));
  const axes = [
    ...sweep.axes.map(configAxis),
    ...measured.map((key) => outcomeAxis(key, rows.map((row) => row.values[key]).filter(isFiniteNumber))),
  ];
  const lines = rows.map((row): ParcoordsLine => {
    const run = runsById.get(row.runId)!;
    const cell = indices.get(row.runId)!;
    const configValues = sweep.axes.map((axis, k) => {
      const value = axis.values[cell[k]!];
      return axes[k]!.kind === 'numeric' ? (value as number) : cell[k]!;
    });
    return { runId: row.runId, name: run.name, preset: run.preset, values: [...configValues, ...measured.map((key) => (isFiniteNumber(row.values[key]) ? row.values[key] : null))] };
  });
  return { axes, lines };
}

/** The data without the hidden axes (by id), lines keeping the values of the axes shown. */
export function withoutAxes(data: ParcoordsData, hidden: ReadonlySet<string>): ParcoordsData {
  if (hidden.size === 0) return data;
  const keep = data.axes.map((axis) => !hidden.has(axis.id));
  return {
    axes: data.axes.filter((_, i) => keep[i]),
    lines: data.lines.map((line) => ({ ...line, values: line.values.filter((_, i) => keep[i]) })),
  };
}

function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Where a value sits on its axis: 0 at the bottom, 1 at the top; null when not measured. */
export function axisFraction(axis: ParcoordsAxis, value: number | null): number | null {
  if (value === null) return null;
  if (axis.kind === 'categorical') return categoricalFraction(value, axis.categories.length);
  const [low, high] = axis.domain;
  const f = axis.log ? (Math.log(value) - Math.log(low)) / (Math.log(high) - Math.log(low)) : (value - low) / (high - low);
  return Math.min(1, Math.max(0, f));
}

/** Category i of n, evenly spaced bottom to top with a half step of room at each end. */
export function categoricalFraction(index: number, count: number): number {
  return count <= 0 ? 0.5 : (index + 0.5) / count;
}

export interface ParcoordsLayout {
  readonly width: number;
  readonly height: number;
  /** y of the axes' top and bottom ends. */
  readonly top: number;
  readonly bottom: number;
  /** y of the "not measured" row under the axes. */
  readonly missingY: number;
  /** x of each axis. */
  readonly axisX: readonly number[];
}

export const LAYOUT = { spacing: 110, marginX: 70, top: 48, plotHeight: 260, missingGap: 22, marginBottom: 30 } as const;

/** The SVG's size and the axes' x positions for `axisCount` axes. */
export function parcoordsLayout(axisCount: number): ParcoordsLayout {
  const top = LAYOUT.top;
  const bottom = top + LAYOUT.plotHeight;
  const axisX = Array.from({ length: axisCount }, (_, i) => LAYOUT.marginX + i * LAYOUT.spacing);
  const width = 2 * LAYOUT.marginX + Math.max(0, axisCount - 1) * LAYOUT.spacing;
  return { width, height: bottom + LAYOUT.missingGap + LAYOUT.marginBottom, top, bottom, missingY: bottom + LAYOUT.missingGap, axisX };
}

/** The y pixel of an axis fraction (null: the "not measured" row). */
export function fractionY(layout: ParcoordsLayout, fraction: number | null): number {
  return fraction === null ? layout.missingY : layout.bottom - fraction * (layout.bottom - layout.top);
}

/** The axis fraction of a y pixel, clamped to the axis. */
export function yFraction(layout: ParcoordsLayout, y: number): number {
  return Math.min(1, Math.max(0, (layout.bottom - y) / (layout.bottom - layout.top)));
}

/** A line's points, one per axis. */
export function polylinePoints(line: ParcoordsLine, axes: readonly ParcoordsAxis[], layout: ParcoordsLayout): [number, number][] {
  return axes.map((axis, i) => [layout.axisX[i]!, round(fractionY(layout, axisFraction(axis, line.values[i] ?? null)))]);
}

/** An SVG path through the points ("M x y L x y ..."). */
export function pathData(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join(' ');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export interface AxisTick {
  readonly label: string;
  readonly fraction: number;
}

/** The labelled ticks of an axis: each category, or the numeric ticks. */
export function axisTicks(axis: ParcoordsAxis): AxisTick[] {
  if (axis.kind === 'categorical') return axis.categories.map((label, i) => ({ label, fraction: categoricalFraction(i, axis.categories.length) }));
  return axis.ticks.map((value) => ({ label: formatNumber(value), fraction: axisFraction(axis, value)! }));
}

/** Brushed ranges by axis index, as [low, high] fractions. */
export type Brushes = ReadonlyMap<number, readonly [number, number]>;

/** Whether a line passes every brush (a line not measured on a brushed axis does not). */
export function withinBrushes(line: ParcoordsLine, axes: readonly ParcoordsAxis[], brushes: Brushes): boolean {
  for (const [i, [low, high]] of brushes) {
    const f = axisFraction(axes[i]!, line.values[i] ?? null);
    if (f === null || f < low - 1e-9 || f > high + 1e-9) return false;
  }
  return true;
}

/** What the lines are coloured by: the mean type, or an axis (its index). */
/** Brushes with one axis's range set (a new map: component state is replaced whole, never mutated). */
export function withBrush(brushes: Brushes, axis: number, a: number, b: number): Brushes {
  const next = new Map(brushes);
  next.set(axis, [Math.min(a, b), Math.max(a, b)]);
  return next;
}

/** Brushes without one axis's range, or none at all when axis is null. */
export function withoutBrush(brushes: Brushes, axis: number | null): Brushes {
  if (axis === null) return new Map();
  const next = new Map(brushes);
  next.delete(axis);
  return next;
}

/** The set of hidden axis ids after ticking (shown) or unticking one. */
export function withAxisShown(hidden: ReadonlySet<string>, id: string, shown: boolean): ReadonlySet<string> {
  const next = new Set(hidden);
  if (shown) next.delete(id);
  else next.add(id);
  return next;
}

export type ColourBy = 'preset' | number;

/** Five stops of viridis (low to high), readable on both themes' backgrounds. */
const GRADIENT = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] as const;

/** A line's colour: its mean type's, its category's, or a viridis shade of its value on the axis (grey when not measured). */
export function lineColour(line: ParcoordsLine, axes: readonly ParcoordsAxis[], colourBy: ColourBy, theme: Theme): string {
  if (colourBy === 'preset') return presetColour(line.preset, theme);
  const axis = axes[colourBy]!;
  const value = line.values[colourBy] ?? null;
  if (value === null) return theme === 'dark' ? '#777777' : '#999999';
  if (axis.kind === 'categorical') {
    const colours = seriesColours(theme);
    return colours[value % colours.length]!;
  }
  return gradientColour(axisFraction(axis, value)!);
}

/** The viridis colour at t in [0, 1]. */
export function gradientColour(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (GRADIENT.length - 1);
  const i = Math.min(GRADIENT.length - 2, Math.floor(x));
  const mix = x - i;
  const a = hexRgb(GRADIENT[i]!);
  const b = hexRgb(GRADIENT[i + 1]!);
  return `#${a.map((c, k) => Math.round(c + (b[k]! - c) * mix).toString(16).padStart(2, '0')).join('')}`;
}

function hexRgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/** A line's values in words, for its hover title: "objective: hmpo; final reward: 0.52; ...". */
export function describeLine(line: ParcoordsLine, axes: readonly ParcoordsAxis[]): string {
  const parts = axes.map((axis, i) => {
    const value = line.values[i] ?? null;
    const text = value === null ? 'not measured' : axis.kind === 'categorical' ? (axis.categories[value] ?? String(value)) : formatNumber(value);
    return `${axis.label}: ${text}`;
  });
  return `${line.name}\n${parts.join('\n')}`;
}

/**
 * Why the plot has no lines, in a sentence, or null when it has some. `counts` are the sweep's
 * runs by status; `lines` the runs with outcomes; `loading` while the outcomes are being computed.
 */
export function parcoordsEmptyReason(counts: Readonly<Partial<Record<RunStatus, number>>>, lines: number, loading: boolean): string | null {
  if (lines > 0) return null;
  if (loading) return 'Computing the outcomes of the finished runs…';
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  if (total === 0) return 'This sweep has no runs left (they may have been deleted), so there is nothing to plot.';
  const finished = counts.finished ?? 0;
  const live = (counts.running ?? 0) + (counts.queued ?? 0);
  if (finished === 0 && live > 0) return `No run has finished yet (${formatCounts(counts)}); a line appears for each run as it finishes.`;
  if (finished === 0) return `None of the sweep's runs finished (${formatCounts(counts)}), so no run has outcomes to plot.`;
  return 'The finished runs recorded no training steps, so they have no outcomes to plot.';
}
