/**
 * Full-fidelity series for one run's charts (ux.md complaint 2): main sends per-bucket min, max and
 * last value; this file keeps them, appends live steps as they arrive (append-only, never
 * rewriting what is drawn) and turns them into a chart model: a min-max band plus the last-value
 * line per metric. It never downsamples: when the live tail grows long, the owner re-queries main.
 */
import type { DownsampledSeries, XAxis } from '../../../src-shared/contract.js';
import type { ChartModel, BandSpec, LineSpec, XColumns } from './chart-model.js';
import { alignOnUnionX } from './chart-model.js';

/** One metric of one run: buckets from main, then raw live points (each its own bucket). */
export interface EnvelopeSeries {
  readonly x: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
  readonly last: readonly number[];
  /** Points appended live since the last query (the owner re-queries main when this grows). */
  readonly appended: number;
}

export const EMPTY_ENVELOPE: EnvelopeSeries = { x: [], min: [], max: [], last: [], appended: 0 };

export function envelopeFromDownsampled(series: Pick<DownsampledSeries, 'x' | 'min' | 'max' | 'last'>): EnvelopeSeries {
  return { x: series.x, min: series.min, max: series.max, last: series.last, appended: 0 };
}

/** A live point of one metric at one x. */
export interface LivePoint {
  readonly x: number;
  readonly value: number;
}

/**
 * Appends live points strictly after the series' last x, in order; points at or before it (already
 * drawn, e.g. delivered again after a re-query) are skipped, so applying the same batch twice
 * changes nothing. Returns the same object when nothing was appended (cheap change detection).
 */
export function appendPoints(series: EnvelopeSeries, points: readonly LivePoint[]): EnvelopeSeries {
  let lastX = series.x.length > 0 ? series.x[series.x.length - 1]! : Number.NEGATIVE_INFINITY;
  const fresh: LivePoint[] = [];
  for (const point of points) {
    if (!(point.x > lastX)) continue;
    fresh.push(point);
    lastX = point.x;
  }
  if (fresh.length === 0) return series;
  const values = fresh.map((p) => p.value);
  return {
    x: [...series.x, ...fresh.map((p) => p.x)],
    min: [...series.min, ...values],
    max: [...series.max, ...values],
    last: [...series.last, ...values],
    appended: series.appended + fresh.length,
  };
}

/** The x of a live step on the chosen axis (samples seen, or seconds of training). */
export function xOfStep(step: { readonly step: number; readonly samples: number; readonly wallTime: number }, axis: XAxis): number {
  return axis === 'samples' ? step.samples : axis === 'wallTime' ? step.wallTime : step.step;
}

export interface EnvelopeStyle {
  readonly label: string;
  readonly colour: string;
  readonly dash?: readonly number[];
  /** Draw the min-max band (default true); false draws only the last-value line. */
  readonly envelope?: boolean;
}

/**
 * The chart model of several metrics of one run: per metric a min-max band (where a bucket holds
 * more than one step) and the line through each bucket's LAST value. Metrics logged at different
 * steps are put on the union x and joined across each other's points.
 */
export function envelopeModel(entries: readonly { readonly series: EnvelopeSeries; readonly style: EnvelopeStyle }[]): ChartModel {
  const families: XColumns[] = entries.map(({ series }) => ({ x: series.x, columns: [series.min, series.max, series.last] }));
  const aligned = alignOnUnionX(families);
  const bands: BandSpec[] = [];
  const lines: LineSpec[] = [];
  entries.forEach(({ style }, i) => {
    const [min, max, last] = aligned.columns[i]!;
    if (style.envelope !== false) {
      bands.push({ label: `${style.label} (bucket min–max)`, colour: style.colour, lower: min!, upper: max!, spanGaps: true });
    }
    lines.push({ label: style.label, colour: style.colour, values: last!, width: 1.5, spanGaps: true, ...(style.dash ? { dash: style.dash } : {}) });
  });
  return { x: aligned.x, bands, lines };
}
