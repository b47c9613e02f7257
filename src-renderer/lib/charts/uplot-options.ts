/**
 * Turns a ChartModel into uPlot's options and aligned data: band edges first (invisible series
 * joined by a `bands` fill), then lines; a linear or logarithmic (distr 3) y scale whose range also
 * covers the reference lines; and a draw hook for horizontal reference lines (e.g. QK-clip tau) and
 * vertical event markers (e.g. clip steps). No DOM access here, so it is unit-testable.
 */
import uPlot from 'uplot';
import { BAND_OPACITY, CHART_INK, withAlpha, type Theme } from '../palette.js';
import { drawableModel, type ChartModel } from './chart-model.js';
import { axisLabelShift, fitAxisLabel, type FittedAxisLabel } from './axis-label-fit.js';
import type { XRange } from './chart-zoom.svelte.js';

export interface ReferenceLine {
  readonly y: number;
  readonly label: string;
}

export interface EventMarker {
  readonly x: number;
  readonly label?: string;
}

export interface Annotations {
  readonly referenceLines: readonly ReferenceLine[];
  readonly markers: readonly EventMarker[];
}

export interface ChartSettings {
  readonly width: number;
  readonly height: number;
  readonly logY: boolean;
  readonly xLabel: string;
  /** The y axis's name and unit (metric-labels.ts); none when absent. */
  readonly yLabel?: string;
  readonly theme: Theme;
  /** Read at every draw, so annotations can change without rebuilding the chart. */
  readonly annotations: () => Annotations;
  /** Called with the x range the user drag-selects (zooms in to): live charts stop following the tail. */
  readonly onUserZoom?: (range: XRange) => void;
  /** Called with the y tick labels each time they are drawn (blank ones left out): the chart shows them. */
  readonly onYTicks?: (labels: readonly string[]) => void;
  /** Called with the y-axis label as drawn (maybe smaller or cut short: axis-label-fit.ts), font size in CSS px. */
  readonly onYLabel?: (drawn: FittedAxisLabel) => void;
  /** Called whenever the x scale changed (zoom, reset, new data): the chart shows its range. */
  readonly onXScale?: (range: XRange | null) => void;
  /**
   * Charts with the same key share a crosshair and an x zoom (drag to zoom one, double-click to
   * reset, and the others follow). Only for charts on the same x axis.
   */
  readonly syncKey?: string;
}

/** While a zoom is being passed on to a chart's partners: their own setScale must not pass it back. */
let passingZoom = false;

/** Gives `u`'s x range to every other chart with the same sync key. */
export function shareZoom(u: uPlot, syncKey: string): void {
  if (passingZoom) return;
  const { min, max } = u.scales['x'] ?? {};
  if (min == null || max == null) return;
  passingZoom = true;
  try {
    for (const other of uPlot.sync(syncKey).plots) {
      if (other === u) continue;
      const current = other.scales['x'];
      if (current?.min !== min || current?.max !== max) other.setScale('x', { min, max });
    }
  } finally {
    passingZoom = false;
  }
}

/** CSS class of series the legend hides (band edges, faint per-seed lines). */
export const LEGEND_HIDDEN_CLASS = 'hmpo-legend-hidden';

/** uPlot's columns for a model: x, then lower and upper of every band, then every line. */
export function uplotData(model: ChartModel, logY: boolean): uPlot.AlignedData {
  const drawable = drawableModel(model, logY);
  const columns: (number | null | undefined)[][] = [];
  for (const band of drawable.bands) columns.push([...band.lower], [...band.upper]);
  for (const line of drawable.lines) columns.push([...line.values]);
  return [[...drawable.x], ...columns];
}

/** The y range that shows the data and every reference line, padded; log scales in whole decades. */
export function yRange(dataMin: number | null, dataMax: number | null, references: readonly number[], logY: boolean): [number, number] {
  let lo = dataMin ?? Number.POSITIVE_INFINITY;
  let hi = dataMax ?? Number.NEGATIVE_INFINITY;
  for (const y of references) {
    if (!Number.isFinite(y) || (logY && y <= 0)) continue;
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return logY ? [0.1, 10] : [0, 1];
  if (logY) {
    const [min, max] = uPlot.rangeLog(lo, hi, 10, true);
    return [min ?? lo, max ?? hi];
  }
  const [min, max] = uPlot.rangeNum(lo, hi, 0.1, true);
  return [min ?? lo, max ?? hi];
}

/**
 * Tick labels with exactly the decimals their increment needs: uPlot's default rounds small values,
 * so ticks 0.0005 apart read "0.002, 0.002, 0.001". Very small or very large steps use exponents.
 */
export function tickLabels(splits: readonly number[]): string[] {
  const increment = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : Math.abs(splits[0] ?? 0);
  if (increment === 0 || !Number.isFinite(increment)) return splits.map((v) => String(v));
  if (increment < 1e-4 || increment >= 1e6) return splits.map((v) => (v === 0 ? '0' : v.toExponential(Math.max(0, Math.ceil(-Math.log10(increment / Math.max(...splits.map(Math.abs)))) - 1))));
  let decimals = 0;
  while (decimals < 10 && Math.abs(Math.round(increment * 10 ** decimals) - increment * 10 ** decimals) > 1e-6) decimals += 1;
  return splits.map((v) => v.toFixed(decimals));
}

/** The cursor's x as the legend reads it: whole steps ("1,234"), else up to 4 significant digits. */
export function formatXReadout(value: number | null | undefined, xLabel: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (xLabel === 'step' || xLabel === 'samples seen') return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(4)));
}

/**
 * Log-axis tick labels: only whole decades (1e-5, 0.001, 1, 100), others blank, so the minor ticks
 * uPlot draws between decades do not crowd; numbers outside [0.001, 10^4] in exponent form, which
 * also keeps "0.00001" from being clipped by the axis width.
 */
export function logTickLabels(splits: readonly number[]): string[] {
  return splits.map((v) => {
    if (!(v > 0)) return '';
    const exponent = Math.log10(v);
    if (Math.abs(exponent - Math.round(exponent)) > 1e-9) return '';
    const e = Math.round(exponent);
    return e >= -3 && e <= 4 ? String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toFixed(-e))) : `1e${e}`;
  });
}

/** uPlot options for a model (its shape and styles; the values go through `uplotData`). */
export function uplotOptions(model: ChartModel, settings: ChartSettings): uPlot.Options {
  const ink = CHART_INK[settings.theme];
  const series: uPlot.Series[] = [{ label: settings.xLabel, value: (_u, v) => formatXReadout(v, settings.xLabel) }];
  const bands: uPlot.Band[] = [];
  for (const band of model.bands) {
    const lowerIndex = series.length;
    const edge = (side: string): uPlot.Series => ({
      label: `${band.label} ${side}`,
      stroke: 'transparent',
      width: 0,
      points: { show: false },
      spanGaps: band.spanGaps ?? false,
      class: LEGEND_HIDDEN_CLASS,
    });
    series.push(edge('lower'), edge('upper'));
    bands.push({ series: [lowerIndex + 1, lowerIndex], fill: withAlpha(band.colour, band.opacity ?? BAND_OPACITY[settings.theme]) });
  }
  for (const line of model.lines) {
    series.push({
      label: line.label,
      stroke: withAlpha(line.colour, line.opacity ?? 1),
      width: line.width ?? 1.5,
      dash: line.dash ? [...line.dash] : undefined,
      spanGaps: line.spanGaps ?? false,
      ...(line.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
      ...(line.hideInLegend ? { class: LEGEND_HIDDEN_CLASS, points: { show: false } } : {}),
    });
  }
  const axis = (label: string | undefined): uPlot.Axis => ({
    label,
    stroke: ink.axis,
    grid: { stroke: ink.grid, width: 1 },
    ticks: { stroke: ink.grid, width: 1 },
  });
  return {
    width: settings.width,
    height: settings.height,
    series,
    bands,
    scales: {
      x: { time: false },
      y: {
        distr: settings.logY ? 3 : 1,
        range: (_u, min, max) => yRange(min, max, settings.annotations().referenceLines.map((r) => r.y), settings.logY),
      },
    },
    axes: [
      axis(settings.xLabel),
      {
        ...axis(settings.yLabel),
        ...(settings.yLabel !== undefined ? { label: fittedYLabel(settings.yLabel, settings.onYLabel) } : {}),
        size: 60,
        values: (_u, splits) => {
          const labels = settings.logY ? logTickLabels(splits) : tickLabels(splits);
          settings.onYTicks?.(labels.filter((label) => label !== ''));
          return labels;
        },
      },
    ],
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false, setScale: true }, ...(settings.syncKey ? { sync: { key: settings.syncKey } } : {}) },
    hooks: {
      draw: [(u) => drawAnnotations(u, settings.annotations(), ink)],
      // Without a cursor the legend would read "--": show the last values instead.
      setCursor: [(u) => u.cursor.idx == null && showLastValues(u)],
      setData: [(u) => u.cursor.idx == null && showLastValues(u)],
      setScale: [
        (u: uPlot, key: string) => {
          if (key !== 'x') return;
          if (settings.syncKey) shareZoom(u, settings.syncKey);
          const { min, max } = u.scales['x'] ?? {};
          settings.onXScale?.(min != null && max != null ? { min, max } : null);
        },
      ],
      setSelect: [
        (u) => {
          // Fired on mouse-up before uPlot applies the selection, so the range is read on the old scale.
          if (u.select.width > 0) settings.onUserZoom?.({ min: u.posToVal(u.select.left, 'x'), max: u.posToVal(u.select.left + u.select.width, 'x') });
        },
      ],
    },
  };
}

/**
 * The y label as a uPlot label function: uPlot calls it at each draw with the label font set and the
 * context turned to the label's baseline at the middle of the plot, inside a save/restore, just
 * before it draws the returned text there. A label longer than the plot is high slides down into
 * the empty corner beside the x axis (the canvas's whole height), and only then gets smaller or cut.
 */
function fittedYLabel(label: string, onYLabel: ChartSettings['onYLabel']): uPlot.Axis.Label {
  return (u) => {
    const { ctx, bbox } = u;
    const pixelRatio = u.width > 0 ? ctx.canvas.width / u.width : 1;
    const margin = 2 * pixelRatio;
    const fontPx = Number(/([\d.]+)px/.exec(ctx.font)?.[1] ?? 12 * pixelRatio);
    const fitted = fitAxisLabel(label, ctx.canvas.height - 2 * margin, fontPx, (text) => ctx.measureText(text).width);
    if (fitted.fontPx !== fontPx) ctx.font = ctx.font.replace(/[\d.]+px/, `${fitted.fontPx}px`);
    // Turned a quarter left, the text runs along +x upwards: moving it down the canvas is -x.
    const shift = axisLabelShift(ctx.measureText(fitted.text).width, bbox.top + bbox.height / 2, ctx.canvas.height, margin);
    if (shift !== 0) ctx.translate(-shift, 0);
    onYLabel?.({ ...fitted, fontPx: Math.round((fitted.fontPx / pixelRatio) * 10) / 10 });
    return fitted.text;
  };
}

function showLastValues(u: uPlot): void {
  const last = u.data[0].length - 1;
  if (last >= 0) u.setLegend({ idx: last });
}

/** Vertical event markers and horizontal reference lines, clipped to the plotting area. */
function drawAnnotations(u: uPlot, annotations: Annotations, ink: (typeof CHART_INK)[Theme]): void {
  if (annotations.markers.length === 0 && annotations.referenceLines.length === 0) return;
  const { ctx, bbox } = u;
  const pixelRatio = bbox.width > 0 && u.width > 0 ? u.ctx.canvas.width / u.width : 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  ctx.lineWidth = pixelRatio;
  ctx.strokeStyle = ink.marker;
  ctx.setLineDash([2 * pixelRatio, 2 * pixelRatio]);
  for (const marker of annotations.markers) {
    const x = u.valToPos(marker.x, 'x', true);
    if (!(x >= bbox.left && x <= bbox.left + bbox.width)) continue;
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
  }
  ctx.strokeStyle = ink.reference;
  ctx.fillStyle = ink.reference;
  ctx.setLineDash([6 * pixelRatio, 4 * pixelRatio]);
  ctx.font = `${11 * pixelRatio}px sans-serif`;
  ctx.textAlign = 'left'; // uPlot leaves the axis labels' alignment on the context
  ctx.textBaseline = 'bottom';
  for (const line of annotations.referenceLines) {
    const y = u.valToPos(line.y, 'y', true);
    if (!(y >= bbox.top && y <= bbox.top + bbox.height)) continue;
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.fillText(line.label, bbox.left + 4 * pixelRatio, y - 2 * pixelRatio);
  }
  ctx.restore();
}
