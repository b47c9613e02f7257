/**
 * ChartZoom: the x range the user zoomed the charts of the current view to (drag to zoom, double-click
 * to reset), held where the URL can carry it (url-sync.svelte.ts writes it as `zoom=min,max`, so
 * reload restores it, Back undoes it and a link reproduces it). A zoom belongs to the place it was
 * made in (the URL path): once the app is elsewhere it reads as no zoom. Charts reach it through an
 * optional context (`getChartZoom`), so a chart outside the app (tests) simply has none. It does not
 * draw anything: uplot-chart.ts applies the range to uPlot.
 */
import { getContext, setContext } from 'svelte';

export interface XRange {
  readonly min: number;
  readonly max: number;
}

/** A range worth keeping: finite, min below max. */
export function isXRange(range: XRange | null | undefined): range is XRange {
  return range != null && Number.isFinite(range.min) && Number.isFinite(range.max) && range.min < range.max;
}

/** The range rounded to what a pixel can tell apart (3 digits below its span), so links stay short. */
export function roundXRange(range: XRange): XRange {
  const decimals = Math.min(10, Math.max(0, 3 - Math.floor(Math.log10(range.max - range.min))));
  const round = (v: number) => Number(v.toFixed(decimals));
  return { min: round(range.min), max: round(range.max) };
}

export const sameXRange = (a: XRange | null, b: XRange | null): boolean => (a === null || b === null ? a === b : a.min === b.min && a.max === b.max);

export class ChartZoom {
  #stored = $state.raw<{ readonly place: string; readonly range: XRange } | null>(null);
  readonly #placeOf: () => string;

  /** `placeOf`: the current place (the URL path), read when a zoom is set and when it is read. */
  constructor(placeOf: () => string) {
    this.#placeOf = placeOf;
  }

  /** The zoom of the current place; null when unzoomed or zoomed elsewhere. */
  get range(): XRange | null {
    const stored = this.#stored;
    return stored !== null && stored.place === this.#placeOf() ? stored.range : null;
  }

  /** The user zoomed (a range) or reset (null) a chart of the current place. */
  set(range: XRange | null): void {
    const next = isXRange(range) ? roundXRange(range) : null;
    if (sameXRange(next, this.range)) return;
    this.#stored = next === null ? null : { place: this.#placeOf(), range: next };
  }

  /** Drops a zoom made in another place (the app moved on; Back restores it from the URL). */
  forgetOtherPlaces(): void {
    if (this.#stored !== null && this.#stored.place !== this.#placeOf()) this.#stored = null;
  }
}

const KEY = Symbol('chart-zoom');

/** Makes `zoom` the one the charts below the caller follow and report to. */
export function provideChartZoom(zoom: ChartZoom): void {
  setContext(KEY, zoom);
}

/** The app's chart zoom, or undefined outside the app (call during component initialisation). */
export function getChartZoom(): ChartZoom | undefined {
  return getContext<ChartZoom | undefined>(KEY);
}
