/**
 * The one contract between the renderer and the main process (house rule 2): every request with
 * its argument and result types, and every event. The Electron preload and the browser-mode HTTP
 * client are both derived from it; main registers exactly one handler per channel. Argument
 * schemas (runtime validation in main: the renderer is untrusted) live in contract-schemas.ts.
 */
import type { MetricKey, MetricValues } from './metrics.js';
import type { OutcomeKey } from './analysis/outcomes.js';
import type { Verdict } from './analysis/verdict.js';
import type { ObjectivePreset } from './objective-config.js';
import type { RunConfig, RunConfigInput } from './run-config.js';
import type { Result } from './result.js';
import type { TaskName } from './tasks.js';

/** Every run status, in lifecycle order. */
export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'stopped', 'crashed'] as const;
/** queued, running, then one of the end states: finished, failed (with reason), stopped (by the user), crashed (process died). */
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Whether a run with this status has not ended yet (queued or running). */
export const isActiveStatus = (status: RunStatus): boolean => status === 'queued' || status === 'running';

/** One row of the runs table. Times are milliseconds since the epoch. */
export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  /** Why a run failed or crashed (null otherwise). */
  readonly reason: string | null;
  readonly task: TaskName;
  readonly preset: ObjectivePreset;
  readonly seed: number;
  /** Hash of the config without its seed: runs with the same key are seeds of one experiment. */
  readonly groupKey: string;
  readonly optimizer: 'adamw' | 'muon';
  readonly qkClip: boolean;
  readonly tags: readonly string[];
  readonly notes: string;
  readonly sweepId: string | null;
  readonly stepsDone: number;
  readonly totalSteps: number;
  readonly lastReward: number | null;
  readonly bestReward: number | null;
  readonly evalReward: number | null;
  readonly backend: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Seconds of training so far (or in total, once ended). */
  readonly wallTime: number | null;
  /** Where it trained: a remote worker's name, or absent/null for this machine. */
  readonly worker?: string | null;
  /** The config's leaves that differ from DEFAULT_RUN_CONFIG, by dotted key (config-cells.ts); absent: all defaults. */
  readonly config?: Readonly<Record<string, ConfigCell>>;
}

/** One config leaf as a table cell (arrays as JSON text). */
export type ConfigCell = string | number | boolean | null;

/** A run's summary of one metric: its last value and the extremes over the run (null: all NaN). */
export interface RunMetricSummary {
  readonly runId: string;
  readonly key: MetricKey;
  readonly last: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** What the runs table's metric columns read: the keys any run has logged, and the asked keys' summaries. */
export interface RunMetricSummaries {
  readonly available: readonly MetricKey[];
  readonly values: readonly RunMetricSummary[];
}

export interface RunEventRow {
  readonly at: number;
  readonly step: number | null;
  readonly kind: string;
  readonly message: string;
}

export interface RunDetail {
  readonly summary: RunSummary;
  readonly config: RunConfig;
  readonly events: readonly RunEventRow[];
}

/** A sweep: base config x the product of the axes x seeds (the same seeds in every cell, so comparisons are paired). */
export interface SweepSpec {
  readonly name?: string;
  readonly base: RunConfigInput;
  /**
   * Dotted config paths and their values; the first axis is usually `objective.preset` (or
   * `objective` with whole objective objects, to vary p too). The path '' merges each value (a
   * partial config) into the root, for axes that set several fields at once, e.g. MuonClip on =
   * {optimizer: {name: 'muon'}, qkClip: {enabled: true}}. `labels` names the values in run names.
   */
  readonly axes: readonly SweepAxis[];
  readonly seeds: readonly number[];
}

/** One axis of a sweep's grid: a dotted RunConfig path and its values; `labels` names object values (MuonClip off / on). */
export interface SweepAxis {
  readonly path: string;
  readonly values: readonly unknown[];
  readonly labels?: readonly string[];
}

export interface SweepPreview {
  readonly count: number;
  readonly cells: readonly { readonly label: string; readonly overrides: Readonly<Record<string, unknown>> }[];
  readonly seeds: readonly number[];
}

export interface SweepSummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly runIds: readonly string[];
  /** The one display name, the same in the CLI, the UI and exports: "sweep 3" or "sweep 3 · lr grid" (sweep-label.ts). */
  readonly label: string;
  /** The grid's axes as launched (labels name object values, e.g. MuonClip off / on). */
  readonly axes: readonly SweepAxis[];
  readonly seeds: readonly number[];
}

export type XAxis = 'step' | 'samples' | 'wallTime';
export type BandKind = 'std' | 'se' | 'ci95' | 'minmax';

/** Full-fidelity downsampling: per x-bucket min, max and last value; the final point always included. */
export interface DownsampledSeries {
  readonly runId: string;
  readonly key: MetricKey;
  readonly x: readonly number[];
  readonly min: readonly number[];
  readonly max: readonly number[];
  readonly last: readonly number[];
}

export interface CompareRequest {
  readonly runIds: readonly string[];
  readonly key: MetricKey;
  readonly x: XAxis;
  readonly gridPoints: number;
  /** Debiased EMA weight in [0, 1), applied per seed before aggregation. */
  readonly smoothing: number;
  readonly band: BandKind;
  /** Reward target for steps-to-target; null uses the task's default target (analysis/outcomes.ts defaultTarget). */
  readonly target: number | null;
  /**
   * Whether to compute the reward summary, survival curves and config diff (default true). Panels
   * that draw only the curves ask without them, which halves their cost.
   */
  readonly withSummary?: boolean;
  /** Fraction of each run's last steps averaged for the final reward and end entropy, in (0, 1] (default 0.1). */
  readonly finalWindow?: number;
  /** Entropy (nats per token) below which a run counts as collapsed (default 0.05). */
  readonly collapseEntropy?: number;
  /**
   * More metrics, answered in the same round trip as curves only (no summary, no single seeds) on
   * the same x axis, grid, smoothing and band, in `CompareResult.series`. Main reads each run's record, x axis and
   * summary once for all of them.
   */
  readonly keys?: readonly MetricKey[];
  /**
   * Whether each group carries its seeds' smoothed curves (default true). Panels that never draw
   * single seeds ask without them: 40 seeds x 5 metrics were ~80% of their answer.
   */
  readonly withSeeds?: boolean;
}

export interface CompareGroup {
  readonly groupKey: string;
  readonly label: string;
  readonly preset: ObjectivePreset;
  /** True when the group trains with QK-clip (MuonClip with Muon): drawn dashed. */
  readonly qkClip: boolean;
  /** The group's whole config minus seed and name, one "path: value" per line (shown on hover). */
  readonly configText?: string;
  readonly runIds: readonly string[];
  readonly x: readonly number[];
  readonly mean: readonly (number | null)[];
  readonly lower: readonly (number | null)[];
  readonly upper: readonly (number | null)[];
  readonly n: readonly number[];
  /** Each seed's smoothed series on the same grid (drawn faintly on request). */
  readonly seeds: readonly { readonly runId: string; readonly y: readonly (number | null)[] }[];
}

export interface GroupSummaryRow {
  readonly groupKey: string;
  readonly label: string;
  readonly preset: ObjectivePreset;
  readonly seeds: number;
  readonly finalReward: { readonly mean: number; readonly lower: number; readonly upper: number } | null;
  readonly bestReward: number | null;
  readonly auc: number | null;
  /** Median over seeds (unsolved seeds count as never); null when at least half never reached the target. */
  readonly stepsToTarget: { readonly median: number | null; readonly lower: number | null; readonly upper: number | null; readonly unsolved: number };
  readonly nonFiniteEvents: number;
  readonly qkClipStepFraction: number;
  readonly meanAmHmGap: number | null;
}

/** One run's outcomes in a comparison (analysis/outcomes.ts), enough to recompute every verdict elsewhere. */
export interface RunOutcomeRow {
  readonly runId: string;
  readonly groupKey: string;
  /** The arm's label, as in the verdicts' `a` and `b`. */
  readonly label: string;
  readonly seed: number;
  /** The reward target this run's steps-to-target and collapse used. */
  readonly target: number;
  readonly solved: boolean;
  readonly offPolicySteps: number;
  readonly values: Readonly<Record<OutcomeKey, number | null>>;
}

export interface CompareResult {
  readonly groups: readonly CompareGroup[];
  readonly summary: readonly GroupSummaryRow[];
  /** Steps-to-target survival: fraction of each group's seeds not yet at target, by step. */
  readonly survival: readonly { readonly groupKey: string; readonly label: string; readonly steps: readonly number[]; readonly fractionUnsolved: readonly number[] }[];
  /** How the curves were aligned, smoothed and banded, for the legend. */
  readonly legend: string;
  readonly configDiff: readonly { readonly path: string; readonly values: readonly unknown[] }[];
  /** The runs configDiff's values belong to, in the same order (the runs with at least one step, by id; not the request's order). */
  readonly configDiffRunIds: readonly string[];
  /** Per-run outcomes; main always sends them (empty without the summary). Optional only so older mocks still type-check. */
  readonly outcomes?: readonly RunOutcomeRow[];
  /** One verdict per pair of groups and outcome, outcome-major; main always sends them (empty without the summary or with one group). */
  readonly verdicts?: readonly Verdict[];
  /** The curves of each of the request's `keys`, in its order (absent when it asked for none). */
  readonly series?: readonly CompareSeries[];
}

/** One extra metric of a comparison: its groups' curves and legend line. */
export interface CompareSeries {
  readonly key: MetricKey;
  readonly groups: readonly CompareGroup[];
  readonly legend: string;
}

/** Log-ratio histograms of one run over steps (binned counts; steps downsampled to at most `buckets` columns). */
export interface HistogramSeries {
  readonly runId: string;
  readonly steps: readonly number[];
  /** counts[i] has LOG_RATIO_HIST_BINS + 2 entries: [underflow, bins..., overflow] at steps[i]. */
  readonly counts: readonly (readonly number[])[];
}

/** Attention-logit telemetry of one run: max logit per layer over steps and the steps where QK-clip fired. */
export interface QkSeries {
  readonly runId: string;
  readonly tau: number | null;
  readonly steps: readonly number[];
  /** maxLogitPerLayer[layer][i] at steps[i]. */
  readonly maxLogitPerLayer: readonly (readonly number[])[];
  readonly clipSteps: readonly number[];
}

export type ExportFormat = 'agm' | 'csv' | 'jsonl';

export interface AppInfo {
  readonly version: string;
  readonly databasePath: string;
  readonly concurrency: number;
  readonly mode: 'electron' | 'browser' | 'cli';
  /** Browser mode: the folder every export must go inside (`serve --export-root`). */
  readonly exportRoot?: string;
}

/** Every request: argument and result. Channels are `domain:verb`. */
export interface Requests {
  'app:info': { req: null; res: AppInfo };
  'runs:list': { req: null; res: RunSummary[] };
  'runs:get': { req: { runId: string }; res: RunDetail };
  'runs:start': { req: { config: RunConfigInput; seeds: number[]; name?: string }; res: { runIds: string[] } };
  /** Stops after the current step; `now` ends a trainer this app runs at once (a second Ctrl-C). */
  'runs:stop': { req: { runId: string; now?: boolean }; res: null };
  'runs:delete': { req: { runIds: string[] }; res: null };
  'runs:setTags': { req: { runId: string; tags: string[] }; res: null };
  'runs:setNotes': { req: { runId: string; notes: string }; res: null };
  'sweeps:preview': { req: SweepSpec; res: SweepPreview };
  'sweeps:start': { req: SweepSpec; res: { sweepId: string; runIds: string[] } };
  'sweeps:list': { req: null; res: SweepSummary[] };
  /** Gives the sweep a name of its own ('' clears it, leaving "sweep N"). */
  'sweeps:rename': { req: { sweepId: string; name: string }; res: SweepSummary };
  'metrics:series': { req: { runIds: string[]; keys: MetricKey[]; x: XAxis; buckets: number }; res: DownsampledSeries[] };
  'metrics:compare': { req: CompareRequest; res: CompareResult };
  'metrics:histograms': { req: { runId: string; buckets: number }; res: HistogramSeries };
  'metrics:qk': { req: { runId: string; buckets: number }; res: QkSeries };
  'export:start': { req: { runIds: string[]; format: ExportFormat; outDir: string }; res: { exportId: string } };
  'export:cancel': { req: { exportId: string }; res: null };
  'workers:list': { req: null; res: WorkersStatus };
  /** Saves (after checking it) or, with '', clears the desktop app's Redis URL; answers host:port or null. */
  'workers:setRedis': { req: { url: string }; res: { saved: string | null } };
  /** The runs table's metric columns: summaries of `keys` for every run (or just `runIds`). */
  'runs:metricSummaries': { req: { keys: MetricKey[]; runIds?: string[] }; res: RunMetricSummaries };
}

/** Events main pushes to the renderer. */
export interface Events {
  /** A run was created or its status, progress or metadata changed (throttled per run). */
  onDidChangeRun: RunSummary;
  /** New steps of a live run (at most 10 updates per second per run). */
  onDidRunStep: { readonly runId: string; readonly steps: readonly { readonly step: number; readonly samples: number; readonly wallTime: number; readonly metrics: MetricValues }[] };
  onDidRemoveRuns: { readonly runIds: readonly string[] };
  onDidExportProgress: { readonly exportId: string; readonly done: number; readonly total: number; readonly state: 'running' | 'finished' | 'failed' | 'cancelled'; readonly message?: string; readonly outDir: string };
}

/** A remote training worker as the Workers view shows it (hmpo-lab worker; README "Workers"). */
export interface WorkerSummary {
  readonly name: string;
  readonly host: string;
  readonly backend: string;
  readonly concurrency: number;
  readonly runs: readonly { readonly runId: string; readonly name: string }[];
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

/** The Redis this app queues runs on (host:port, never the password), or null when runs train locally. */
export interface WorkersStatus {
  readonly redis: string | null;
  readonly workers: readonly WorkerSummary[];
  /** The desktop app's saved Redis (host:port), applied at its next start; null when none. */
  readonly saved?: string | null;
}

export type Channel = keyof Requests;
export type EventName = keyof Events;
export type RequestOf<C extends Channel> = Requests[C]['req'];
export type ResponseOf<C extends Channel> = Requests[C]['res'];

/** What the renderer sees as `window.api` (Electron preload) or the HTTP client (browser mode). */
export interface Api {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

export const CHANNELS: readonly Channel[] = [
  'app:info',
  'runs:list',
  'runs:get',
  'runs:start',
  'runs:stop',
  'runs:delete',
  'runs:setTags',
  'runs:setNotes',
  'sweeps:preview',
  'sweeps:start',
  'sweeps:list',
  'sweeps:rename',
  'metrics:series',
  'metrics:compare',
  'metrics:histograms',
  'metrics:qk',
  'export:start',
  'export:cancel',
  'workers:list',
  'workers:setRedis',
  'runs:metricSummaries',
];
export const EVENT_NAMES: readonly EventName[] = ['onDidChangeRun', 'onDidRunStep', 'onDidRemoveRuns', 'onDidExportProgress'];
