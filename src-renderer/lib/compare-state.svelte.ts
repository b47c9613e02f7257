/**
 * CompareState: the comparison view's controls and query results. The controls' values live in a
 * CompareSettingsHome (NavigationState in the app, so the URL and Back/Forward own them; this class
 * reads and writes them there and keeps no copy). Any change of what main computes, by a control or
 * from outside (Back/Forward), re-queries main in ONE metrics:compare request (debounced; a request
 * already answered or on its way is not sent again; see query() for the opening's two); every aggregate, band, smoothing and summary
 * comes from main, this class only builds requests and chart models. Groups get their mean type's
 * palette colour and a dash for MuonClip (lib/charts/group-style.ts).
 */
import { untrack } from 'svelte';
import type { Api, BandKind, CompareGroup, CompareRequest, CompareResult, CompareSeries, HistogramSeries, RunSummary, XAxis } from '../../src-shared/contract.js';
import { isMetricKey, type MetricKey } from '../../src-shared/metrics.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import type { Result } from '../../src-shared/result.js';
import { EMPTY_MODEL, type ChartModel } from './charts/chart-model.js';
import { createDebouncer, type Debouncer } from './charts/coalesce.js';
import { groupCurvesModel, survivalModel, type GroupStyle } from './charts/group-curves.js';
import { assignGroupStyles } from './charts/group-style.js';
import { chartTheme } from './charts/theme.svelte.js';
import { MUONCLIP_DASH, SOLID } from './palette.js';
import { DEFAULT_COMPARE_SETTINGS, parseTarget, type CompareSettings } from './compare-settings.js';

/** The extra metrics of the differentiating panels (ux.md "What no tracker has" 1 and 2). */
export const PANEL_KEYS = {
  amGmGap: 'ratio/am_gm_gap',
  halfVarLogRatio: 'ratio/half_var_log_ratio',
  a0: 'ratio/a0',
  g0: 'ratio/g0',
  h0: 'ratio/h0',
} as const satisfies Record<string, MetricKey>;
export type PanelName = keyof typeof PANEL_KEYS;
const PANEL_NAMES = Object.keys(PANEL_KEYS) as PanelName[];
const PANEL_KEY_LIST: readonly MetricKey[] = Object.values(PANEL_KEYS);

/** Where the comparison's controls live (NavigationState in the app); CompareState reads and writes them there. */
export interface CompareSettingsHome {
  compareSettings: CompareSettings;
}

/** A home of its own, for a CompareState nobody else shares its controls with (tests, benchmarks). */
class OwnSettings implements CompareSettingsHome {
  compareSettings = $state.raw<CompareSettings>(DEFAULT_COMPARE_SETTINGS);
  constructor(settings: CompareSettings) {
    this.compareSettings = settings;
  }
}

export const DEFAULT_METRIC: MetricKey = 'charts/reward_mean';
export const X_AXIS_LABELS: Readonly<Record<XAxis, string>> = { step: 'step', samples: 'samples seen', wallTime: 'wall time (s)' };
export const BAND_LABELS: Readonly<Record<BandKind, string>> = { std: '± std', se: '± SE', ci95: '95% CI', minmax: 'min–max' };

export interface CompareOptions {
  /** Quiet time after a control change before main is asked (ms). */
  readonly debounceMs?: number;
  /** Aggregation grid points before the view reports its width. */
  readonly gridPoints?: number;
  /** Histogram columns per run. */
  readonly histogramBuckets?: number;
  /** While compared runs are training, re-query at most this often (ms). */
  readonly liveRefreshMs?: number;
  /** The runs' summaries the app already has (names); without them the comparison asks runs:list. */
  readonly runs?: readonly RunSummary[];
  /** Where the controls live (the app's NavigationState); without it, a home of its own starting from `settings`. */
  readonly home?: CompareSettingsHome;
  /** The controls to start from when there is no `home` (defaults otherwise). */
  readonly settings?: CompareSettings;
}

/** A spectrum facet: one group's A0, G0 and H0 over training. */
export interface SpectrumFacet {
  readonly groupKey: string;
  readonly label: string;
  readonly model: ChartModel;
}

/** A histogram facet: one chosen run of one mean type. */
export interface HistogramFacet {
  readonly preset: ObjectivePreset;
  readonly runId: string;
  readonly candidates: readonly string[];
  readonly series: HistogramSeries | null;
}

export class CompareState {
  // What main computes from besides the controls (those are in #home): setters re-query (debounced).
  #runIds = $state.raw<readonly string[]>([]);
  #gridPoints = $state(400);

  result = $state.raw<CompareResult | null>(null);
  panels = $state.raw<Partial<Record<PanelName, CompareResult>>>({});
  /** Every run's summary (names, MuonClip on/off), from runs:list. */
  runs = $state.raw<readonly RunSummary[]>([]);
  histograms = $state.raw<Readonly<Record<string, HistogramSeries>>>({});
  /** The run whose histograms are shown per mean type (default: the first run of its first group). */
  histogramChoice = $state.raw<Partial<Record<ObjectivePreset, string>>>({});
  error = $state<string | null>(null);
  loading = $state(false);

  readonly #home: CompareSettingsHome;
  readonly targetError = $derived(parseTarget(this.settings.target).error);
  readonly request: CompareRequest = $derived({
    runIds: this.#runIds,
    key: this.settings.metric,
    x: this.settings.x,
    gridPoints: this.#gridPoints,
    smoothing: this.settings.smoothing,
    band: this.settings.band,
    target: parseTarget(this.settings.target).target,
  });
  /**
   * What the panels depend on: everything but the chosen metric and the target. When it changes,
   * the panels' keys ride along with the main request (one round trip; main reads each run once).
   */
  readonly panelKey: string = $derived(JSON.stringify({ ...this.request, key: null, target: null }));
  readonly groupStyles: ReadonlyMap<string, GroupStyle> = $derived(
    assignGroupStyles(this.result?.groups ?? [], (groupKey) => this.#muonClip(groupKey), chartTheme.current),
  );
  readonly mainModel: ChartModel = $derived(
    this.result ? groupCurvesModel([{ groups: this.result.groups, seeds: this.showSeeds }], (g) => this.styleOf(g), (id) => this.runName(id)) : EMPTY_MODEL,
  );
  readonly gapModel: ChartModel = $derived(this.#gapModel());
  readonly spectrumFacets: readonly SpectrumFacet[] = $derived(this.#spectrumFacets());
  readonly survival: ChartModel = $derived(this.result ? survivalModel(this.result.survival, (key) => this.#styleOfKey(key)) : EMPTY_MODEL);
  readonly histogramFacets: readonly HistogramFacet[] = $derived(this.#histogramFacets());
  /** The legend line: smoothing as set, then main's statement of alignment, smoothing and band. */
  readonly legend = $derived(
    `EMA smoothing ${this.smoothing === 0 ? 'off' : `${this.smoothing} (debiased)`}; ${BAND_LABELS[this.band]} band` + (this.result ? ` · ${this.result.legend}` : ''),
  );

  readonly #api: Api;
  readonly #debouncer: Debouncer;
  readonly #liveRefresh: Debouncer;
  readonly #histogramBuckets: number;
  #disposers: (() => void)[] = [];
  /** Set by refresh(): reload the shown histograms (keeping the old ones on screen meanwhile). */
  #histogramsStale = false;
  /** The caller passed the runs' summaries: no runs:list of our own. */
  readonly #runsGiven: boolean;
  #generation = 0;
  /** The request whose answer is on screen, and the panel inputs of the panels on screen. */
  #shownMainKey = '';
  #shownPanelKey = '';
  /** The request on its way (its main key and whether it asks the panels), if any. */
  #inFlight: string | null = null;

  constructor(api: Api, runIds: readonly string[], options: CompareOptions = {}) {
    this.#api = api;
    this.#runIds = [...runIds];
    this.#gridPoints = options.gridPoints ?? 400;
    this.#histogramBuckets = options.histogramBuckets ?? 200;
    this.#runsGiven = options.runs !== undefined;
    if (options.runs) this.runs = options.runs;
    this.#home = options.home ?? new OwnSettings(options.settings ?? DEFAULT_COMPARE_SETTINGS);
    this.#debouncer = createDebouncer(() => void this.query(), options.debounceMs ?? 250);
    this.#liveRefresh = createDebouncer(() => void this.refresh(), options.liveRefreshMs ?? 2000);
  }

  get runIds(): readonly string[] {
    return this.#runIds;
  }
  set runIds(ids: readonly string[]) {
    if (ids.length === this.#runIds.length && ids.every((id, i) => id === this.#runIds[i])) return;
    this.#runIds = [...ids];
    this.#debouncer.schedule();
  }
  /** The controls as one value (in the home: the URL carries them, Back/Forward change them). */
  get settings(): CompareSettings {
    return this.#home.compareSettings;
  }
  get metricKey(): MetricKey {
    return this.settings.metric;
  }
  set metricKey(key: MetricKey) {
    if (!isMetricKey(key)) return;
    this.#set({ metric: key });
  }
  get xAxis(): XAxis {
    return this.settings.x;
  }
  set xAxis(axis: XAxis) {
    this.#set({ x: axis });
  }
  get smoothing(): number {
    return this.settings.smoothing;
  }
  /** Debiased EMA weight, clamped to [0, 0.99]. */
  set smoothing(weight: number) {
    this.#set({ smoothing: Number.isFinite(weight) ? Math.min(0.99, Math.max(0, weight)) : 0 });
  }
  get band(): BandKind {
    return this.settings.band;
  }
  set band(kind: BandKind) {
    this.#set({ band: kind });
  }
  get targetText(): string {
    return this.settings.target;
  }
  /** Blank = the task's default target; an unparsable value shows targetError and asks main nothing. */
  set targetText(text: string) {
    this.#set({ target: text });
  }
  // Drawing only: main is not asked.
  get showSeeds(): boolean {
    return this.settings.showSeeds;
  }
  set showSeeds(show: boolean) {
    this.#home.compareSettings = { ...this.settings, showSeeds: show };
  }
  get logY(): boolean {
    return this.settings.logY;
  }
  set logY(log: boolean) {
    this.#home.compareSettings = { ...this.settings, logY: log };
  }
  get gridPoints(): number {
    return this.#gridPoints;
  }

  /** The main chart's width in pixels: the grid follows it (one point per ~2 px, 50..1000). */
  setWidth(width: number): void {
    const points = Math.max(50, Math.min(1000, Math.round(width / 100) * 50));
    if (points === this.#gridPoints) return;
    this.#gridPoints = points;
    this.#debouncer.schedule();
  }

  /** First load: the comparison, and the runs' names unless the caller gave them (options.runs). */
  async start(): Promise<void> {
    await Promise.all([this.#runsGiven ? null : this.#loadRuns(), this.query()]);
  }

  /**
   * Asks main for whatever changed, in ONE metrics:compare request per change: the chosen metric's
   * comparison, with the five panel metrics riding along (`keys`) when their inputs (x axis,
   * smoothing, grid, band, runs) changed; then the chosen runs' histograms. Only when the view
   * opens (nothing on screen yet) do the panels come in a second request: their first read of five
   * series per run is most of a cold open's time (40 runs x 20,000 steps: ~1.6 s, against ~0.16 s
   * for the main metric), and the main chart should not wait for it (main answers in order, so it
   * is drawn first); after that every series is in main's cache and one round trip costs the main
   * chart ~70 ms. A request already on screen or on its way is not sent again; a newer one makes an
   * older answer be dropped. Nothing is asked while the target is not a number (targetError says why).
   */
  async query(): Promise<void> {
    this.#debouncer.cancel();
    if (this.#runIds.length === 0) {
      this.#generation++;
      this.#inFlight = null;
      this.result = null;
      this.panels = {};
      return;
    }
    if (this.targetError !== null) return;
    const request = this.request;
    const mainKey = JSON.stringify(request);
    const panelKey = this.panelKey;
    const askPanels = panelKey !== this.#shownPanelKey;
    const flightKey = `${mainKey}|${askPanels ? panelKey : ''}`;
    if (flightKey === this.#inFlight) return;
    if (mainKey === this.#shownMainKey && !askPanels) {
      // Back to what is on screen: whatever is on its way is stale.
      this.#generation++;
      this.#inFlight = null;
      this.loading = false;
      return;
    }
    const generation = ++this.#generation;
    this.#inFlight = flightKey;
    this.loading = true;
    this.error = null;
    const apart = askPanels && this.result === null;
    // The panels draw curves only: main answers `keys` without summary or single seeds; asked apart, the same.
    const mainAnswer = this.#api.invoke('metrics:compare', askPanels && !apart ? { ...request, keys: PANEL_KEY_LIST } : request);
    const [firstPanel, ...otherPanels] = PANEL_KEY_LIST;
    const panelAnswer = apart
      ? this.#api.invoke('metrics:compare', { ...request, key: firstPanel!, keys: otherPanels, target: null, withSummary: false, withSeeds: false })
      : null;
    const main = this.#unwrap(await mainAnswer);
    if (generation !== this.#generation) return;
    if (main) {
      this.result = main;
      this.#shownMainKey = mainKey;
      if (askPanels && !apart) this.#showPanels(main.series ?? [], panelKey);
    }
    if (panelAnswer) {
      const panels = this.#unwrap(await panelAnswer);
      if (generation !== this.#generation) return;
      if (panels) this.#showPanels([{ key: firstPanel!, groups: panels.groups, legend: panels.legend }, ...(panels.series ?? [])], panelKey);
    }
    this.#inFlight = null;
    this.loading = false;
    if (main) await this.#loadHistograms();
  }

  /**
   * Re-queries (debounced) whenever the request changes, whoever changed it: the controls here, or
   * the URL (Back/Forward put other settings in the home). Returns the teardown.
   */
  follow(): () => void {
    const stop = $effect.root(() => {
      $effect(() => {
        void this.request;
        untrack(() => this.#debouncer.schedule());
      });
    });
    this.#disposers.push(stop);
    return stop;
  }

  /**
   * Keeps the comparison current while compared runs train: a change to one of them updates its
   * summary, and re-queries everything liveRefreshMs after the first change not yet shown. Not
   * "once quiet": runs that stream steps are never quiet, and the view would stay stale until they end.
   */
  connect(): () => void {
    const off = this.#api.on('onDidChangeRun', (summary) => {
      if (!this.#runIds.includes(summary.id)) return;
      this.runs = this.runs.some((run) => run.id === summary.id) ? this.runs.map((run) => (run.id === summary.id ? summary : run)) : [...this.runs, summary];
      if (!this.#liveRefresh.scheduled) this.#liveRefresh.schedule();
    });
    const disposer = () => {
      off();
      this.#liveRefresh.cancel();
    };
    this.#disposers.push(disposer);
    return disposer;
  }

  /** Asks main again for everything, even if no control changed (new steps, new histograms). */
  async refresh(): Promise<void> {
    this.#shownMainKey = '';
    this.#shownPanelKey = '';
    this.#inFlight = null;
    this.#histogramsStale = true;
    await this.query();
  }

  /** Shows `runId`'s histograms for its mean type. */
  chooseHistogramRun(preset: ObjectivePreset, runId: string): void {
    this.histogramChoice = { ...this.histogramChoice, [preset]: runId };
    void this.#loadHistograms();
  }

  styleOf(group: Pick<CompareGroup, 'groupKey'>): GroupStyle {
    return this.#styleOfKey(group.groupKey);
  }

  /** A run's display name (its id until runs:list answered). */
  runName(runId: string): string {
    return this.runs.find((run) => run.id === runId)?.name ?? runId;
  }

  dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#debouncer.cancel();
    this.#generation++;
  }

  #showPanels(series: readonly CompareSeries[], panelKey: string): void {
    const panels: Partial<Record<PanelName, CompareResult>> = {};
    for (const name of PANEL_NAMES) {
      const curves = series.find((s) => s.key === PANEL_KEYS[name]);
      if (curves) panels[name] = { groups: curves.groups, legend: curves.legend, summary: [], survival: [], configDiff: [], configDiffRunIds: [] };
    }
    this.panels = panels;
    this.#shownPanelKey = panelKey;
  }

  /** Writes controls to the home and re-queries (debounced; query() skips what changes nothing main computes). */
  #set(patch: Partial<CompareSettings>): void {
    this.#home.compareSettings = { ...this.#home.compareSettings, ...patch };
    this.#debouncer.schedule();
  }

  #styleOfKey(groupKey: string): GroupStyle {
    return this.groupStyles.get(groupKey) ?? { colour: '#777777', dash: SOLID };
  }

  #muonClip(groupKey: string): boolean {
    return this.result?.groups.find((g) => g.groupKey === groupKey)?.qkClip ?? false;
  }

  async #loadRuns(): Promise<void> {
    const value = this.#unwrap(await this.#api.invoke('runs:list', null));
    if (value) this.runs = value;
  }

  async #loadHistograms(): Promise<void> {
    const stale = this.#histogramsStale;
    this.#histogramsStale = false;
    const wanted = this.histogramFacets.map((facet) => facet.runId).filter((id) => stale || !(id in this.histograms));
    if (wanted.length === 0) return;
    const answers = await Promise.all(wanted.map((runId) => this.#api.invoke('metrics:histograms', { runId, buckets: this.#histogramBuckets })));
    const next = { ...this.histograms };
    for (const answer of answers) {
      const value = this.#unwrap(answer);
      if (value) next[value.runId] = value;
    }
    this.histograms = next;
  }

  #unwrap<T>(result: Result<T>): T | null {
    if (result.ok) return result.value;
    this.error = result.error.message;
    return null;
  }

  #gapModel(): ChartModel {
    const gap = this.panels.amGmGap;
    if (!gap) return EMPTY_MODEL;
    const halfVar = this.panels.halfVarLogRatio;
    return groupCurvesModel(
      [{ groups: gap.groups }, ...(halfVar ? [{ groups: halfVar.groups, suffix: ' ½·Var(log r)', band: false, dash: [1, 3], width: 1.5 }] : [])],
      (g) => this.styleOf(g),
    );
  }

  #spectrumFacets(): SpectrumFacet[] {
    const { a0, g0, h0 } = this.panels;
    if (!a0 || !g0 || !h0) return [];
    return a0.groups.map((group) => {
      const pick = (result: CompareResult) => result.groups.filter((g) => g.groupKey === group.groupKey);
      const colour = this.styleOf(group).colour;
      const style = (dash: readonly number[]) => () => ({ colour, dash });
      // Means only, one dash per exponent: A0 (p = 1) solid, G0 (p = 0) dashed, H0 (p = -1) dotted.
      const model = groupCurvesModel(
        [
          { groups: pick(a0), suffix: ' A₀ (p = 1)', band: false, dash: SOLID },
          { groups: pick(g0), suffix: ' G₀ (p = 0)', band: false, dash: MUONCLIP_DASH },
          { groups: pick(h0), suffix: ' H₀ (p = −1)', band: false, dash: [1, 3] },
        ],
        style(SOLID),
      );
      return { groupKey: group.groupKey, label: group.label, model };
    });
  }

  #histogramFacets(): HistogramFacet[] {
    const byPreset = new Map<ObjectivePreset, string[]>();
    for (const group of this.result?.groups ?? []) {
      const ids = byPreset.get(group.preset) ?? [];
      byPreset.set(group.preset, [...ids, ...group.runIds]);
    }
    return [...byPreset].map(([preset, candidates]) => {
      const chosen = this.histogramChoice[preset];
      const runId = chosen !== undefined && candidates.includes(chosen) ? chosen : candidates[0]!;
      return { preset, runId, candidates, series: this.histograms[runId] ?? null };
    });
  }
}
