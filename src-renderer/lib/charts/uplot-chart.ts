/**
 * The imperative side of a chart: owns one uPlot instance in a container element, gives it new
 * data in place when only values changed (append-only live updates keep the user's zoom unless
 * following the tail) and rebuilds it when the series set, the y scale or the theme changed.
 * MetricChart.svelte drives it from an effect; nothing else touches uPlot.
 */
import uPlot from 'uplot';
import type { Theme } from '../palette.js';
import { modelShapeKey, type ChartModel } from './chart-model.js';
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
}

export class UplotChart {
  #plot: uPlot | null = null;
  #rebuildKey = '';
  /** The model last drawn: the same model again (e.g. a toggle re-ran the effect) keeps the zoom. */
  #lastModel: ChartModel | null = null;
  #annotations: Annotations = { referenceLines: [], markers: [] };
  #size = { width: 0, height: 0 };
  readonly #container: HTMLElement;
  readonly #onUserZoom: () => void;

  constructor(container: HTMLElement, onUserZoom: () => void) {
    this.#container = container;
    this.#onUserZoom = onUserZoom;
  }

  /** Draws `model`; cheap when only the values (or annotations) changed. */
  update(model: ChartModel, view: ChartView, size: { width: number; height: number }): void {
    this.#annotations = view.annotations;
    const rebuildKey = JSON.stringify([modelShapeKey(model), view.logY, view.theme, view.xLabel, view.yLabel ?? '', view.syncKey ?? '']);
    if (this.#plot !== null && rebuildKey === this.#rebuildKey && model === this.#lastModel) {
      this.resize(size);
      this.#plot.redraw(false, false);
      return;
    }
    this.#lastModel = model;
    const data = uplotData(model, view.logY);
    if (this.#plot !== null && rebuildKey === this.#rebuildKey) {
      this.#plot.setData(data, view.followTail);
      this.resize(size);
      return;
    }
    this.#plot?.destroy();
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
      ...(view.syncKey ? { syncKey: view.syncKey } : {}),
    });
    this.#plot = new uPlot(options, data, this.#container);
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
