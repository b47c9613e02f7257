/**
 * The imperative side of a chart: owns one uPlot instance in a container element, gives it new
 * data in place when only values changed (append-only live updates keep the user's zoom unless
 * following the tail) and rebuilds it when the series set, the y scale or the theme changed.
 * It applies the view's x zoom (from the URL, chart-zoom.svelte.ts) after every draw, reports the
 * user's drag-zoom and double-click reset, and shows the drawn x range as `data-x-range` and the
 * y tick labels as `data-y-ticks` and the y label as drawn as `data-y-label` (with `data-y-label-px`
 * and `data-y-label-shortened`) on its container (canvas text is invisible to tests and tools).
 * MetricChart.svelte drives it from an effect; nothing else touches uPlot.
 */
import uPlot from 'uplot';
import type { Theme } from '../palette.js';
import { modelShapeKey, type ChartModel } from './chart-model.js';
import type { XRange } from './chart-zoom.svelte.js';
import { uplotData, uplotOptions, type Annotations } from './uplot-options.js';

export interface ChartView {
  readonly logY: boolean;
  readonly followTail: boolean;
  readonly xLabel: string;
  readonly yLabel?: string;
  readonly theme: Theme;
  readonly annotations: Annotations;
  /** Charts with the same key share crosshair and x zoom (uplot-options.ts). */
  readonly syncKey?: string;
  /** The x range to show (the view's zoom); null or absent shows all of it. */
  readonly zoom?: XRange | null;
}

/** What the user did to the x axis: a range they dragged over, or null for a double-click reset. */
export type UserZoom = (range: XRange | null) => void;

export class UplotChart {
  #plot: uPlot | null = null;
  #rebuildKey = '';
  /** The model last drawn: the same model again (e.g. a toggle re-ran the effect) keeps the zoom. */
  #lastModel: ChartModel | null = null;
  #annotations: Annotations = { referenceLines: [], markers: [] };
  #size = { width: 0, height: 0 };
  /** Whether the drawn x range is a zoom this class applied (so a later null zoom resets it). */
  #zoomApplied = false;
  readonly #container: HTMLElement;
  readonly #onUserZoom: UserZoom;

  constructor(container: HTMLElement, onUserZoom: UserZoom) {
    this.#container = container;
    this.#onUserZoom = onUserZoom;
  }

  /** Draws `model`; cheap when only the values (or annotations) changed. */
  update(model: ChartModel, view: ChartView, size: { width: number; height: number }): void {
    this.#annotations = view.annotations;
    const rebuildKey = JSON.stringify([modelShapeKey(model), view.logY, view.theme, view.xLabel, view.yLabel ?? '', view.syncKey ?? '']);
    const zoom = view.zoom ?? null;
    if (this.#plot !== null && rebuildKey === this.#rebuildKey && model === this.#lastModel) {
      this.resize(size);
      this.#plot.redraw(false, false);
      this.#applyZoom(zoom);
      return;
    }
    this.#lastModel = model;
    const data = uplotData(model, view.logY);
    if (this.#plot !== null && rebuildKey === this.#rebuildKey) {
      this.#plot.setData(data, view.followTail && zoom === null);
      this.resize(size);
      this.#applyZoom(zoom);
      return;
    }
    this.#plot?.destroy();
    if (!view.yLabel) for (const key of ['yLabel', 'yLabelPx', 'yLabelShortened']) delete this.#container.dataset[key];
    this.#rebuildKey = rebuildKey;
    this.#size = size;
    const options = uplotOptions(model, {
      width: size.width,
      height: size.height,
      logY: view.logY,
      xLabel: view.xLabel,
      ...(view.yLabel ? { yLabel: view.yLabel } : {}),
      theme: view.theme,
      annotations: () => this.#annotations,
      onUserZoom: this.#onUserZoom,
      onYTicks: (labels) => {
        this.#container.dataset['yTicks'] = labels.join(' ');
      },
      onYLabel: (drawn) => {
        this.#container.dataset['yLabel'] = drawn.text;
        this.#container.dataset['yLabelPx'] = String(drawn.fontPx);
        this.#container.dataset['yLabelShortened'] = String(drawn.shortened);
      },
      onXScale: (range) => {
        this.#container.dataset['xRange'] = range ? `${range.min},${range.max}` : '';
      },
      ...(view.syncKey ? { syncKey: view.syncKey } : {}),
    });
    this.#plot = new uPlot(options, data, this.#container);
    this.#zoomApplied = false;
    // A double-click is the user's reset (uPlot rescales on it too); partners only follow uPlot's sync.
    this.#plot.over.addEventListener('dblclick', () => this.#onUserZoom(null));
    this.#applyZoom(zoom);
  }

  /** Shows `zoom`, or all of x when it is null and a zoom was shown (Back, or a reset elsewhere). */
  #applyZoom(zoom: XRange | null): void {
    const plot = this.#plot;
    if (plot === null) return;
    const x = plot.scales['x'];
    if (zoom !== null) {
      if (x?.min !== zoom.min || x?.max !== zoom.max) plot.setScale('x', { min: zoom.min, max: zoom.max });
      this.#zoomApplied = true;
      return;
    }
    if (!this.#zoomApplied) return;
    this.#zoomApplied = false;
    const xs = plot.data[0];
    if (xs.length > 0) plot.setScale('x', { min: xs[0]!, max: xs[xs.length - 1]! });
  }

  /** Follows the container's size (called by a ResizeObserver). */
  resize(size: { width: number; height: number }): void {
    if (this.#plot === null || size.width <= 0) return;
    if (size.width === this.#size.width && size.height === this.#size.height) return;
    this.#size = size;
    this.#plot.setSize(size);
  }

  destroy(): void {
    this.#plot?.destroy();
    this.#plot = null;
    this.#rebuildKey = '';
    this.#lastModel = null;
  }
}
