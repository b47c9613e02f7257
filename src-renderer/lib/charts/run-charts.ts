/**
 * The charts of the live run view (ux.md "Run view (live)"), as data: which metrics each chart
 * draws, in what order and style. RunViewState queries exactly these keys; the components only
 * lay the list out. The per-layer attention-logit chart comes from metrics:qk and is not listed.
 */
import { METRIC_DOCS, type MetricKey } from '../../../src-shared/metrics.js';
import { metricAxisLabel, metricTitle, metricUnit } from '../../../src-shared/metric-labels.js';

export interface RunChartMetric {
  readonly key: MetricKey;
  readonly label: string;
  /** Overlays (e.g. an estimate drawn over the measured value) are dashed. */
  readonly dash?: readonly number[];
  /** Draw the bucket min-max band (default true). */
  readonly envelope?: boolean;
}

export interface RunChartSpec {
  readonly id: string;
  readonly title: string;
  readonly metrics: readonly RunChartMetric[];
  /** Start with a logarithmic y-axis (heavy-tailed quantities). */
  readonly logY?: boolean;
  /** One line under the chart: what is drawn (from the glossary where it is one metric). */
  readonly description: string;
  /** The y-axis label, where `runChartAxisLabel`'s rule would read badly. */
  readonly yLabel?: string;
  /** Why the chart can be empty, where the glossary line does not say it. */
  readonly emptyText?: string;
}

/**
 * A run chart's y-axis label from the glossary (metric-labels.ts): one metric's label with its
 * unit; several metrics: the chart's title, with their unit when they share one.
 */
export function runChartAxisLabel(spec: RunChartSpec): string {
  if (spec.yLabel) return spec.yLabel;
  if (spec.metrics.length === 1) return metricAxisLabel(spec.metrics[0]!.key);
  const units = new Set(spec.metrics.map((m) => metricUnit(m.key)));
  const [unit] = units;
  return units.size === 1 && unit ? `${spec.title} (${unit})` : spec.title;
}

const OVERLAY_DASH = [5, 4];

function single(id: string, title: string, key: MetricKey, extra: Partial<RunChartSpec> = {}): RunChartSpec {
  return { id, title, metrics: [{ key, label: metricTitle(key) }], description: METRIC_DOCS[key], ...extra };
}

export const RUN_CHARTS: readonly RunChartSpec[] = [
  {
    id: 'reward',
    title: 'Reward',
    metrics: [
      { key: 'charts/reward_mean', label: 'rollout mean' },
      { key: 'charts/eval_reward', label: 'eval (greedy)', envelope: false },
    ],
    description: 'Mean reward of each rollout, and of greedy completions on held-out prompts when evaluated.',
  },
  single('policy-loss', 'Policy loss', 'losses/policy_loss'),
  {
    id: 'clip',
    title: 'Clip fractions',
    metrics: [
      { key: 'clip/token_low', label: 'token low' },
      { key: 'clip/token_high', label: 'token high' },
      { key: 'clip/token_region', label: 'token region' },
      { key: 'clip/sequence', label: 'sequence' },
    ],
    description: 'Share of tokens (or sequences, for the GSPO sequence clip) the trust region held.',
    yLabel: 'Share clipped (fraction)',
  },
  {
    id: 'power-means',
    title: 'Power means A₀ / G₀ / H₀',
    metrics: [
      { key: 'ratio/a0', label: 'A₀ (arithmetic)' },
      { key: 'ratio/g0', label: 'G₀ (geometric)' },
      { key: 'ratio/h0', label: 'H₀ (harmonic)' },
    ],
    description: 'Batch means of the per-sequence power means of the token ratios, p = 1, 0, -1.',
  },
  {
    id: 'am-gm-gap',
    title: 'AM–GM gap',
    metrics: [
      { key: 'ratio/am_gm_gap', label: 'log A − log G' },
      { key: 'ratio/half_var_log_ratio', label: '½·Var(log r)', dash: OVERLAY_DASH, envelope: false },
    ],
    description: 'The measured AM–GM gap with its second-order estimate ½·Var(log r) overlaid (dashed).',
  },
  single('am-hm-gap', 'AM–HM gap', 'ratio/am_hm_gap'),
  {
    id: 'ratio-range',
    title: 'Ratio range',
    metrics: [
      { key: 'ratio/used_min', label: 'min', envelope: false },
      { key: 'ratio/used_mean', label: 'mean', envelope: false },
      { key: 'ratio/used_max', label: 'max', envelope: false },
    ],
    description: 'Smallest, mean and largest ratio the objective used.',
  },
  single('ess', 'Effective sample size', 'objective/ess'),
  single('p', 'Power-mean exponent p', 'objective/p'),
  single('kl', 'KL to reference', 'losses/kl'),
  single('entropy', 'Entropy', 'losses/entropy'),
  single('grad-norm', 'Gradient norm', 'optim/grad_norm', { logY: true }),
  single('completion-length', 'Completion length', 'charts/completion_length'),
  single('tokens-per-s', 'Tokens per second', 'perf/tokens_per_s'),
  {
    id: 'control',
    title: 'AGM controller',
    metrics: [
      { key: 'control/lr_multiplier', label: 'lr ×', envelope: false },
      { key: 'control/eps_multiplier', label: 'clip ε ×', envelope: false },
    ],
    description: 'Learning-rate and clip multipliers the AGM controller had in force (runs with a controller switch on); vertical marks on every chart: control events.',
    yLabel: 'Multiplier (×)',
    emptyText: 'No controller multipliers: this run trains with every AGM controller switch off.',
  },
];

/** Every metric the run view draws (the metrics:series request's keys), without repeats. */
export const RUN_CHART_KEYS: readonly MetricKey[] = [...new Set(RUN_CHARTS.flatMap((chart) => chart.metrics.map((m) => m.key)))];

/** The Run view's chart height: a third of the window, 220 px from a 660 px window up, never under 120 px. */
export function runChartHeight(windowHeight: number): number {
  return Math.round(Math.min(220, Math.max(120, windowHeight / 3)));
}
