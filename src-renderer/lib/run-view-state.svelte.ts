/**
 * RunViewState: everything the live run view shows about one run. It loads the run (config,
 * events), its downsampled series (buckets ~ chart width, from main) and its attention-logit
 * telemetry, then applies onDidRunStep batches append-only, at most 10 chart updates per second.
 * It never downsamples: when the live tail outgrows the bucket count it asks main again.
 */
import type { Api, DownsampledSeries, Events, QkSeries, RunDetail, RunSummary, XAxis } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import type { Result } from '../../src-shared/result.js';
import { EMPTY_MODEL, alignOnUnionX, type ChartModel } from './charts/chart-model.js';
import { createCoalescer, createDebouncer, type Coalescer, type Debouncer } from './charts/coalesce.js';
import { EMPTY_ENVELOPE, appendPoints, envelopeFromDownsampled, envelopeModel, xOfStep, type EnvelopeSeries, type LivePoint } from './charts/envelope.js';
import { RUN_CHARTS, RUN_CHART_KEYS, type RunChartSpec } from './charts/run-charts.js';
import { chartTheme } from './charts/theme.svelte.js';
import type { EventMarker, ReferenceLine } from './charts/uplot-options.js';
import { seriesColours } from './palette.js';

export type LiveStep = Events['onDidRunStep']['steps'][number];

export interface RunViewOptions {
  /** Buckets per series asked of main (about the chart's width in pixels). */
  readonly buckets?: number;
  /** Shortest time between two chart updates from live steps (100 ms = 10/s). */
  readonly flushIntervalMs?: number;
  /** While live, how often the event log and the per-layer attention logits are re-read. */
  readonly slowRefreshMs?: number;
}

export interface RunChart {
  readonly spec: RunChartSpec;
  readonly model: ChartModel;
}

const LIVE_STATUSES: ReadonlySet<RunSummary['status']> = new Set(['queued', 'running']);

export class RunViewState {
  readonly runId: string;
  detail = $state.raw<RunDetail | null>(null);
  series = $state.raw<Readonly<Partial<Record<MetricKey, EnvelopeSeries>>>>({});
  qk = $state.raw<QkSeries | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  /** Keep the newest steps in view on every chart; zooming into a chart turns it off. */
  followTail = $state(true);
  #xAxis = $state<XAxis>('step');
  #buckets: number;

  readonly live = $derived(this.detail !== null && LIVE_STATUSES.has(this.detail.summary.status));
  readonly charts: readonly RunChart[] = $derived(RUN_CHARTS.map((spec) => ({ spec, model: this.#chartModel(spec) })));
  readonly qkModel: ChartModel = $derived(this.#qkModel());
  readonly qkReferenceLines: readonly ReferenceLine[] = $derived(this.qk?.tau != null ? [{ y: this.qk.tau, label: `τ = ${this.qk.tau}` }] : []);
  readonly qkMarkers: readonly EventMarker[] = $derived((this.qk?.clipSteps ?? []).map((x) => ({ x, label: 'QK clip' })));
  /** Steps where the AGM controller changed the lr, clip scale, p or stopped the run (step axis only: events carry steps). */
  readonly controlMarkers: readonly EventMarker[] = $derived(
    this.#xAxis === 'step' ? (this.detail?.events ?? []).filter((e) => e.kind === 'control' && e.step !== null).map((e) => ({ x: e.step!, label: 'control' })) : [],
  );
  readonly configText = $derived(this.detail ? JSON.stringify(this.detail.config, null, 2) : '');

  readonly #api: Api;
  readonly #coalescer: Coalescer<LiveStep>;
  readonly #rebucket: Debouncer;
  readonly #slowRefreshMs: number;
  #disposers: (() => void)[] = [];
  /** Steps received while a series query is in flight: re-applied on top of its answer. */
  #stepsDuringQuery: LiveStep[] | null = null;
  #seriesQuery = 0;
  #stepsSinceSlowRefresh = 0;

  constructor(api: Api, runId: string, options: RunViewOptions = {}) {
    this.#api = api;
    this.runId = runId;
    this.#buckets = options.buckets ?? 600;
    this.#slowRefreshMs = options.slowRefreshMs ?? 5000;
    this.#coalescer = createCoalescer((steps) => this.applySteps(steps), options.flushIntervalMs ?? 100);
    this.#rebucket = createDebouncer(() => void this.loadSeries(), 500);
  }

  get xAxis(): XAxis {
    return this.#xAxis;
  }

  /** Changing the x axis re-queries main (bucketing is per axis). */
  set xAxis(axis: XAxis) {
    if (axis === this.#xAxis) return;
    this.#xAxis = axis;
    this.series = {};
    void this.loadSeries();
  }

  get buckets(): number {
    return this.#buckets;
  }

  /** The charts' pixel width: re-queries main when it differs from the bucket count by over 25%. */
  setBuckets(width: number): void {
    const buckets = Math.max(50, Math.min(4000, Math.round(width)));
    if (Math.abs(buckets - this.#buckets) <= 0.25 * this.#buckets) return;
    this.#buckets = buckets;
    if (this.detail !== null) this.#rebucket.schedule();
  }

  /** Subscribes to live events; call before load() so no step falls between the two. */
  connect(): () => void {
    const offStep = this.#api.on('onDidRunStep', (event) => {
      if (event.runId !== this.runId) return;
      this.#stepsDuringQuery?.push(...event.steps);
      this.#stepsSinceSlowRefresh += event.steps.length;
      this.#coalescer.push(...event.steps);
    });
    const offRun = this.#api.on('onDidChangeRun', (summary) => this.#onRunChanged(summary));
    const timer = setInterval(() => {
      if (this.#stepsSinceSlowRefresh > 0) void this.#refreshSlow();
    }, this.#slowRefreshMs);
    const disposer = () => {
      offStep();
      offRun();
      clearInterval(timer);
    };
    this.#disposers.push(disposer);
    return disposer;
  }

  /** Loads the run, its series and its attention-logit telemetry. */
  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    await Promise.all([this.#loadDetail(), this.loadSeries(), this.#loadQk()]);
    this.loading = false;
  }

  /** (Re)queries the downsampled series of every charted metric. */
  async loadSeries(): Promise<void> {
    const query = ++this.#seriesQuery;
    this.#stepsDuringQuery = [];
    const result = await this.#api.invoke('metrics:series', { runIds: [this.runId], keys: [...RUN_CHART_KEYS], x: this.#xAxis, buckets: this.#buckets });
    if (query !== this.#seriesQuery) return;
    const missed = this.#stepsDuringQuery ?? [];
    this.#stepsDuringQuery = null;
    const value = this.#unwrap(result);
    if (value === null) return;
    this.series = seriesByKey(value, this.runId);
    this.applySteps(missed);
  }

  /**
   * Appends live steps to the series (append-only: steps at or before a series' last x are
   * skipped) and asks main for a fresh bucketing once the appended tail exceeds the bucket count.
   */
  applySteps(steps: readonly LiveStep[]): void {
    if (steps.length === 0) return;
    const points = new Map<MetricKey, LivePoint[]>();
    for (const step of steps) {
      const x = xOfStep(step, this.#xAxis);
      for (const key of RUN_CHART_KEYS) {
        const value = step.metrics[key];
        if (value === undefined) continue;
        let list = points.get(key);
        if (list === undefined) points.set(key, (list = []));
        list.push({ x, value });
      }
    }
    let next: Partial<Record<MetricKey, EnvelopeSeries>> | null = null;
    for (const [key, list] of points) {
      const before = this.series[key] ?? EMPTY_ENVELOPE;
      const after = appendPoints(before, list);
      if (after === before) continue;
      next ??= { ...this.series };
      next[key] = after;
    }
    if (next === null) return;
    this.series = next;
    if (Object.values(next).some((s) => s.appended > this.#buckets)) this.#rebucket.schedule();
  }

  /** Turns follow-tail off (a chart was zoomed) or on. */
  setFollowTail(on: boolean): void {
    this.followTail = on;
  }

  dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#coalescer.dispose();
    this.#rebucket.dispose();
    this.#seriesQuery++;
  }

  async #loadDetail(): Promise<void> {
    const value = this.#unwrap(await this.#api.invoke('runs:get', { runId: this.runId }));
    if (value !== null) this.detail = value;
  }

  async #loadQk(): Promise<void> {
    const value = this.#unwrap(await this.#api.invoke('metrics:qk', { runId: this.runId, buckets: this.#buckets }));
    if (value !== null) this.qk = value;
  }

  async #refreshSlow(): Promise<void> {
    this.#stepsSinceSlowRefresh = 0;
    await Promise.all([this.#loadDetail(), this.#loadQk()]);
  }

  #onRunChanged(summary: RunSummary): void {
    if (summary.id !== this.runId || this.detail === null) return;
    const statusChanged = summary.status !== this.detail.summary.status;
    this.detail = { ...this.detail, summary };
    if (!statusChanged) return;
    // A status change brings events (errors, the end of the run); once the run ends, its final
    // full-fidelity buckets replace the live tail.
    this.#coalescer.flush();
    void this.#refreshSlow();
    if (!LIVE_STATUSES.has(summary.status)) void this.loadSeries();
  }

  #unwrap<T>(result: Result<T>): T | null {
    if (result.ok) return result.value;
    this.error = result.error.message;
    return null;
  }

  #chartModel(spec: RunChartSpec): ChartModel {
    const colours = seriesColours(chartTheme.current);
    return envelopeModel(
      spec.metrics.map((metric, i) => ({
        series: this.series[metric.key] ?? EMPTY_ENVELOPE,
        style: { label: metric.label, colour: colours[i % colours.length]!, ...(metric.dash ? { dash: metric.dash } : {}), ...(metric.envelope === false ? { envelope: false } : {}) },
      })),
    );
  }

  #qkModel(): ChartModel {
    const qk = this.qk;
    if (qk === null || qk.maxLogitPerLayer.length === 0) return EMPTY_MODEL;
    const colours = seriesColours(chartTheme.current);
    const aligned = alignOnUnionX([{ x: qk.steps, columns: qk.maxLogitPerLayer }]);
    return {
      x: aligned.x,
      bands: [],
      lines: aligned.columns[0]!.map((values, layer) => ({ label: `layer ${layer}`, colour: colours[layer % colours.length]!, values, width: 1.5, spanGaps: true })),
    };
  }
}

function seriesByKey(series: readonly DownsampledSeries[], runId: string): Partial<Record<MetricKey, EnvelopeSeries>> {
  const byKey: Partial<Record<MetricKey, EnvelopeSeries>> = {};
  for (const s of series) if (s.runId === runId) byKey[s.key] = envelopeFromDownsampled(s);
  return byKey;
}
