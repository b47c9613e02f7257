/**
 * How charts name a metric: a short title ("Reward mean", "AM–GM gap") and a y-axis label with the
 * unit where there is one ("Wall time (ms)"). Derived from the glossary key, with overrides where
 * the key's words would read badly. The definitions stay in metrics.ts (METRIC_DOCS).
 */
import type { MetricKey } from './metrics.js';

const TITLES: Partial<Record<MetricKey, string>> = {
  'ratio/a0': 'A₀ (arithmetic mean of ratios)',
  'ratio/g0': 'G₀ (geometric mean of ratios)',
  'ratio/h0': 'H₀ (harmonic mean of ratios)',
  'ratio/am_gm_gap': 'AM–GM gap',
  'ratio/am_hm_gap': 'AM–HM gap',
  'ratio/half_var_log_ratio': '½·Var(log r)',
  'objective/ess': 'Effective sample size',
  'objective/p': 'Power-mean exponent p',
  'losses/kl': 'KL to reference',
  'optim/qk_max_logit': 'Max attention logit',
  'optim/qk_clip_rate': 'QK-clip rate',
  'perf/tokens_per_s': 'Throughput',
  'agm/iterations': 'AGM iterations',
};

const UNITS: Partial<Record<MetricKey, string>> = {
  'charts/completion_length': 'tokens',
  'charts/success_rate': 'fraction',
  'charts/eos_fraction': 'fraction',
  'adv/frac_reward_zero_std': 'fraction',
  'clip/token_low': 'fraction',
  'clip/token_high': 'fraction',
  'clip/token_region': 'fraction',
  'clip/sequence': 'fraction',
  'objective/ess': 'fraction of n',
  'optim/qk_clip_rate': 'fraction',
  'optim/qk_heads_clipped': 'heads',
  'optim/qk_heads_monitored': 'heads',
  'optim/nonfinite_skips': 'steps',
  'agm/iterations': 'iterations',
  'perf/sample_ms': 'ms',
  'perf/update_ms': 'ms',
  'perf/tokens_per_s': 'tokens/s',
  'losses/kl': 'nats',
  'losses/entropy': 'nats',
};

/** "charts/reward_mean" -> "Reward mean"; overrides for symbols and acronyms. */
export function metricTitle(key: MetricKey): string {
  const override = TITLES[key];
  if (override) return override;
  const words = key.split('/').at(-1)!.replace(/_ms$/, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The unit of a metric ('' when it has none, e.g. rewards and ratios). */
export function metricUnit(key: MetricKey): string {
  return UNITS[key] ?? '';
}

/** The y-axis label: the title, with the unit in parentheses where there is one. */
export function metricAxisLabel(key: MetricKey): string {
  const unit = metricUnit(key);
  return unit === '' ? metricTitle(key) : `${metricTitle(key)} (${unit})`;
}

/**
 * The y-axis label of the Compare view's steps-to-target survival panel: the fraction of seeds not
 * yet at target (its legend says so in full; a longer label would be cut off by the chart's height).
 */
export const SURVIVAL_AXIS_LABEL = 'Seeds left (fraction)';

/**
 * The y-axis label of the power-mean spectrum facets: A₀, G₀, H₀ are M_1, M_0, M_-1 of the token
 * ratios (no unit, like every ratio here); short, as the facets are only 160 px high.
 */
export const SPECTRUM_AXIS_LABEL = 'Mₚ of ratios';
