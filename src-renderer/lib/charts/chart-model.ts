/**
 * The renderer's description of one chart, independent of uPlot: an x column, bands (filled
 * between a lower and an upper series) and lines. Builders put curves that have their own x on the
 * union x: a missing point is `undefined` (uPlot joins across it), a real gap stays `null` (uPlot
 * breaks the line there). Nothing here resamples or drops points: downsampling happens in main.
 */

/** A y value on the chart's x: a number, a real gap (null) or "no point at this x" (undefined). */
export type ChartValue = number | null | undefined;

export interface LineSpec {
  readonly label: string;
  readonly colour: string;
  /** One value per model x. */
  readonly values: readonly ChartValue[];
  readonly width?: number;
  readonly dash?: readonly number[];
  /** Stroke opacity in (0, 1]; faint per-seed lines use ~0.3. */
  readonly opacity?: number;
  /** Join across null gaps too (for sparse metrics such as eval reward). */
  readonly spanGaps?: boolean;
  /** Draw as a step function (survival curves). */
  readonly stepped?: boolean;
  /** Hide from the chart's legend (per-seed lines). Default: shown. */
  readonly hideInLegend?: boolean;
}

export interface BandSpec {
  readonly label: string;
  readonly colour: string;
  readonly lower: readonly ChartValue[];
  readonly upper: readonly ChartValue[];
  /** Fill opacity, default 0.18. */
  readonly opacity?: number;
  readonly spanGaps?: boolean;
}

export interface ChartModel {
  readonly x: readonly number[];
  readonly bands: readonly BandSpec[];
  readonly lines: readonly LineSpec[];
}

export const EMPTY_MODEL: ChartModel = { x: [], bands: [], lines: [] };

/** True when the model has nothing to draw: no line with a single finite value. */
export function isEmptyModel(model: ChartModel): boolean {
  return !model.lines.some((line) => line.values.some((v) => typeof v === 'number' && Number.isFinite(v)));
}

/** One curve family with its own x: each column has one value per x. */
export interface XColumns {
  readonly x: readonly number[];
  readonly columns: readonly (readonly ChartValue[])[];
}

/**
 * Puts several curve families on the sorted union of their x values. A family's column holds its
 * value where it has that x and `undefined` where it does not (so lines join across the other
 * families' points); its own nulls are kept. Duplicate x within a family keep the last value.
 */
export function alignOnUnionX(families: readonly XColumns[]): { x: number[]; columns: ChartValue[][][] } {
  const all = new Set<number>();
  for (const family of families) for (const x of family.x) if (Number.isFinite(x)) all.add(x);
  const x = [...all].sort((a, b) => a - b);
  const indexOf = new Map<number, number>();
  x.forEach((value, i) => indexOf.set(value, i));
  const columns = families.map((family) =>
    family.columns.map((column) => {
      const out = new Array<ChartValue>(x.length).fill(undefined);
      family.x.forEach((xValue, i) => {
        const at = indexOf.get(xValue);
        if (at !== undefined) out[at] = column[i] ?? null;
      });
      return out;
    }),
  );
  return { x, columns };
}

/**
 * Values for a logarithmic y-axis: zero, negative and non-finite values become gaps (null), since
 * a log scale cannot place them; undefined stays undefined.
 */
export function forLogScale(values: readonly ChartValue[]): ChartValue[] {
  return values.map((v) => (v === undefined ? undefined : v !== null && Number.isFinite(v) && v > 0 ? v : null));
}

/** Non-finite numbers become gaps (null): uPlot cannot draw NaN or Infinity. */
export function finiteOrGap(values: readonly ChartValue[]): ChartValue[] {
  return values.map((v) => (v === undefined || v === null ? v : Number.isFinite(v) ? v : null));
}

/** A model with every series made drawable on the chosen y scale. */
export function drawableModel(model: ChartModel, logY: boolean): ChartModel {
  const fix = logY ? forLogScale : finiteOrGap;
  return {
    x: model.x,
    bands: model.bands.map((b) => ({ ...b, lower: fix(b.lower), upper: fix(b.upper) })),
    lines: model.lines.map((l) => ({ ...l, values: fix(l.values) })),
  };
}

/**
 * A string that changes exactly when the chart must be rebuilt rather than given new data:
 * the number, order and style of bands and lines (not their values, not the x).
 */
export function modelShapeKey(model: ChartModel): string {
  const bands = model.bands.map((b) => [b.label, b.colour, b.opacity ?? '', b.spanGaps ? 1 : 0].join('|'));
  const lines = model.lines.map((l) =>
    [l.label, l.colour, l.width ?? '', (l.dash ?? []).join(','), l.opacity ?? '', l.spanGaps ? 1 : 0, l.stepped ? 1 : 0, l.hideInLegend ? 1 : 0].join('|'),
  );
  return JSON.stringify([bands, lines]);
}
