/**
 * Pure helpers of the log-ratio histogram heatmap (ux.md differentiator 3): each stored histogram
 * (binned counts of token log-ratios, with underflow and overflow) becomes one column of shares,
 * coloured on the viridis map (colour-blind safe, monotone in lightness); the objective's clip
 * interval is converted to row positions so the heatmap can mark it.
 */
import { LOG_RATIO_HIST_BINS, LOG_RATIO_HIST_MAX, LOG_RATIO_HIST_MIN } from '../../../src-shared/metrics.js';
import { PRESET_DEFAULTS, COMMON_OBJECTIVE_DEFAULTS, type ObjectivePreset } from '../../../src-shared/objective-config.js';

/** Rows of a column: underflow, the LOG_RATIO_HIST_BINS bins, overflow (bottom to top). */
export const HEATMAP_ROWS = LOG_RATIO_HIST_BINS + 2;

/** Each histogram's counts as shares of its total (a column of zeros where nothing was counted). */
export function columnShares(counts: readonly (readonly number[])[]): number[][] {
  return counts.map((column) => {
    const total = column.reduce((sum, c) => sum + (Number.isFinite(c) && c > 0 ? c : 0), 0);
    return column.map((c) => (total > 0 && Number.isFinite(c) && c > 0 ? c / total : 0));
  });
}

/** The largest share over all columns (0 for none), to scale the colours. */
export function maxShare(shares: readonly (readonly number[])[]): number {
  let max = 0;
  for (const column of shares) for (const s of column) if (s > max) max = s;
  return max;
}

/**
 * Colour intensity in [0, 1] of a share: square root of share / max, so the thin tails of the
 * distribution stay visible next to the peak at 0 (the legend says so).
 */
export function intensity(share: number, max: number): number {
  return max > 0 ? Math.sqrt(Math.min(1, Math.max(0, share / max))) : 0;
}

/**
 * Row coordinate of a log-ratio, in [0, HEATMAP_ROWS] from the bottom: 1 is the lower edge of the
 * first bin, 1 + LOG_RATIO_HIST_BINS the upper edge of the last; values outside the binned range
 * land in the underflow or overflow row's middle.
 */
export function rowOfLogRatio(value: number): number {
  if (value < LOG_RATIO_HIST_MIN) return 0.5;
  if (value > LOG_RATIO_HIST_MAX) return HEATMAP_ROWS - 0.5;
  return 1 + ((value - LOG_RATIO_HIST_MIN) / (LOG_RATIO_HIST_MAX - LOG_RATIO_HIST_MIN)) * LOG_RATIO_HIST_BINS;
}

export interface ClipInterval {
  readonly low: number;
  readonly high: number;
  readonly description: string;
}

/**
 * The trust region in log-ratio terms: grpo clips the token ratio to [1 - eps_low, 1 + eps_high],
 * i.e. log(0.8)..log(1.2) by default; the sequence presets clip token log-ratios at +-c (0.4 by
 * default). gspo has no token clip (its clip acts on the sequence ratio), so it shows the same
 * +-0.4 reference as the other sequence presets, labelled as a reference.
 */
export function clipIntervalOf(preset: ObjectivePreset, overrides: { clipLow?: number; clipHigh?: number; tokenClip?: number | null } = {}): ClipInterval {
  if (PRESET_DEFAULTS[preset].level === 'token') {
    const low = overrides.clipLow ?? COMMON_OBJECTIVE_DEFAULTS.clipLow;
    const high = overrides.clipHigh ?? low;
    return { low: Math.log(1 - low), high: Math.log(1 + high), description: `token clip: log(${round(1 - low)})..log(${round(1 + high)})` };
  }
  const token = overrides.tokenClip === undefined ? PRESET_DEFAULTS[preset].tokenClip : overrides.tokenClip;
  const c = token ?? 0.4;
  return { low: -c, high: c, description: token === null ? `±${c} (reference; ${preset} clips the sequence ratio)` : `token clip: ±${c}` };
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

/** The viridis colour at t in [0, 1] as [r, g, b] bytes (piecewise linear between nine stops). */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(VIRIDIS[i]!);
  const b = hexToRgb(VIRIDIS[i + 1]!);
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

function hexToRgb(hex: string): number[] {
  return [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
}

/** Axis label of a row: the bin's lower edge, or the underflow / overflow bucket. */
export function rowLabel(row: number): string {
  if (row <= 0) return `< ${LOG_RATIO_HIST_MIN}`;
  if (row >= HEATMAP_ROWS - 1) return `≥ ${LOG_RATIO_HIST_MAX}`;
  const width = (LOG_RATIO_HIST_MAX - LOG_RATIO_HIST_MIN) / LOG_RATIO_HIST_BINS;
  return (LOG_RATIO_HIST_MIN + (row - 1) * width).toFixed(2);
}

/**
 * The heatmap's colour scale: a CSS gradient through viridis, and tick labels for the share of a
 * step's tokens at its ends and middle (the scale is square-root, so the middle is a quarter of the peak).
 */
export function colourScale(peak: number): { gradient: string; ticks: { position: number; label: string }[] } {
  const stops = Array.from({ length: 9 }, (_, i) => {
    const [r, g, b] = viridis(i / 8);
    return `rgb(${r}, ${g}, ${b}) ${(i / 8) * 100}%`;
  });
  const percent = (share: number) => `${Number((share * 100).toPrecision(2))}%`;
  return {
    gradient: `linear-gradient(to right, ${stops.join(', ')})`,
    ticks: [
      { position: 0, label: '0%' },
      { position: 0.5, label: percent(peak / 4) },
      { position: 1, label: percent(peak) },
    ],
  };
}
