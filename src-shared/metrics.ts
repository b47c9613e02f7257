/**
 * The metric glossary (house rule 8): every per-step scalar the trainer records, as a closed union
 * of namespaced keys, each with one line of documentation. Storage, export, charts and the CLI's
 * `--json` lines all use these names. The README links here. Definitions follow objectives.md
 * section 5; "batch mean" is over the sequences of the optimizer step's minibatch.
 */

export const METRIC_DOCS = {
  // charts/: what the policy achieves
  'charts/reward_mean': 'Mean reward of the rollout the step trained on.',
  'charts/reward_std': 'Standard deviation of those rewards (population).',
  'charts/reward_min': 'Smallest reward in the rollout.',
  'charts/reward_max': 'Largest reward in the rollout.',
  'charts/success_rate': 'Fraction of completions that reached the task optimum.',
  'charts/eval_reward': 'Mean reward of greedy completions on held-out prompts (when evaluated).',
  'charts/completion_length': 'Mean number of scored completion tokens.',
  'charts/eos_fraction': 'Fraction of completions that ended with EOS before the length limit.',
  // adv/: advantages
  'adv/mean': 'Mean advantage over the rollout (0 for group z-scores).',
  'adv/var': 'Variance of the advantages.',
  'adv/frac_reward_zero_std': 'Fraction of groups whose rewards were all equal (advantage 0, no learning signal).',
  'adv/groups_nonzero_sum': 'Groups with |sum of advantages| > 1e-3; should stay 0 for centred modes.',
  // ratio/: importance ratios (how off-policy the step was)
  'ratio/log_ratio_mean': 'Mean token log-ratio x = log pi_theta - log pi_old over scored tokens.',
  'ratio/log_ratio_var': 'Variance of the token log-ratios.',
  'ratio/log_ratio_abs_mean': 'Mean |x|: how far off-policy the step was (0 on the first minibatch of a rollout).',
  'ratio/log_ratio_max_abs': 'Largest |x| over scored tokens.',
  'ratio/a0': 'Batch mean of the per-sequence arithmetic mean M_1 of token ratios (after the token clip, if any).',
  'ratio/g0': 'Batch mean of the per-sequence geometric mean M_0.',
  'ratio/h0': 'Batch mean of the per-sequence harmonic mean M_-1.',
  'ratio/am_gm_gap': 'Batch mean of log M_1 - log M_0 per sequence (the AM-GM gap).',
  'ratio/half_var_log_ratio': 'Batch mean of Var(z)/2 per sequence: the second-order estimate of the AM-GM gap.',
  'ratio/am_hm_gap': 'Batch mean of |M_1 - M_-1| per sequence.',
  'ratio/raw_am_gm_gap': 'Batch mean of log M_1 - log M_0 per sequence of the raw token ratios (no clip, every preset alike): the AM-GM gap on one basis for comparing presets.',
  'ratio/raw_am_hm_gap': 'Batch mean of |M_1 - M_-1| per sequence of the raw token ratios (no clip, every preset alike).',
  'ratio/used_mean': 'Mean of the ratio the objective actually used (sequence ratio, or token ratio for grpo).',
  'ratio/used_min': 'Smallest ratio the objective used.',
  'ratio/used_max': 'Largest ratio the objective used.',
  'agm/iterations': 'Mean arithmetic-harmonic iterations per sequence (agm preset).',
  // clip/: trust regions
  'clip/token_low': 'Token clip fraction, low side: grpo r < 1 - eps_low with A < 0; sequence presets x < -c with A < 0.',
  'clip/token_high': 'Token clip fraction, high side: grpo r > 1 + eps_high with A > 0; sequence presets x > c with A >= 0.',
  'clip/token_region': 'Token clip fraction, either side.',
  'clip/sequence': 'Fraction of sequences whose ratio the sequence clip held (GSPO).',
  // objective/
  'objective/ess': 'Effective sample size of per-token gradient weights |dL/dx|, (sum w)^2 / sum w^2 / n, in (0, 1].',
  'objective/p': 'Power-mean exponent in force (the learnable p\'s current value).',
  // losses/
  'losses/policy_loss': 'The minimised policy loss (-objective) of the step.',
  'losses/kl': 'Mean k3 KL to the reference policy (when klBeta > 0).',
  'losses/entropy': 'Mean per-token entropy of the policy on scored tokens.',
  // optim/
  'optim/grad_norm': 'Global gradient norm before clipping.',
  'optim/nonfinite_skips': 'Optimizer steps skipped so far because the loss or a gradient was NaN/Inf.',
  'optim/learning_rate': 'Learning rate in force.',
  'optim/qk_max_logit': 'Largest pre-softmax attention logit (scaled, causal positions) over layers and heads.',
  'optim/qk_heads_monitored': 'Attention heads QK-clip watches.',
  'optim/qk_heads_clipped': 'Heads QK-clip rescaled this step.',
  'optim/qk_clip_rate': 'Heads clipped / heads monitored.',
  // perf/
  'perf/sample_ms': 'Wall time of sampling and scoring the rollout (rewards, advantages), amortised per step.',
  'perf/update_ms': 'Wall time of the optimizer step (forward, backward, update).',
  'perf/tokens_per_s': 'Completion tokens processed per second, end to end.',
  // control/: the AGM controllers in the loop (only in runs with a RunConfig `controller` switch on)
  'control/lr_multiplier': 'Learning-rate multiplier the controller had in force this step (1 = the run\'s own learningRate).',
  'control/eps_multiplier': 'Clip-epsilon multiplier in force this step (scales every clip knob of the objective).',
  'control/convergence_rate': 'AGM convergence rate 1 - mean |A0 - H0| / (A0 + H0) over the history window, as the controller suite computed it.',
  'control/changes': 'Changes the controller decided after this step (0 on most steps; each one is also a control event).',
} as const satisfies Record<string, string>;

export type MetricKey = keyof typeof METRIC_DOCS;
export const METRIC_KEYS = Object.keys(METRIC_DOCS) as MetricKey[];

export function isMetricKey(key: string): key is MetricKey {
  return Object.hasOwn(METRIC_DOCS, key);
}

/** A partial set of per-step scalars; absent keys were not measured this step. */
export type MetricValues = Partial<Record<MetricKey, number>>;

/**
 * The fixed bins of the per-step log-ratio histogram (ux.md differentiator 3): counts of scored
 * token log-ratios in [LOG_RATIO_HIST_MIN, LOG_RATIO_HIST_MAX) split into equal bins, plus one
 * underflow and one overflow count at the ends (so the array has LOG_RATIO_HIST_BINS + 2 entries).
 */
export const LOG_RATIO_HIST_MIN = -1;
export const LOG_RATIO_HIST_MAX = 1;
export const LOG_RATIO_HIST_BINS = 40;
