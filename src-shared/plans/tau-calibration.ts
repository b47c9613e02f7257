/**
 * How a QK-clip tau that fires at the model size in use is measured (`hmpo-lab calibrate-tau`):
 * train the config once with AdamW and QK-clip OFF, record the max pre-softmax attention logit of
 * every optimizer step (`optim/qk_max_logit`), and set tau at a quantile of those per-step maxima
 * (default the median). With the median, an unclipped AdamW run would exceed tau on about half of
 * its steps, so the "+ QK-clip" arms of the optimizer/clip axis really clip. Kimi K2's tau = 100
 * never fires here: at the default config the calibration measured tau 7.08 (max 13.1). Pure.
 */
import type { RunConfigInput } from '../run-config.js';
import { deepMerge } from '../sweep.js';

export const DEFAULT_TAU_QUANTILE = 0.5;

/** The calibration run: the user's config with AdamW and no QK-clip (what the clip would act on). */
export function calibrationConfig(base: RunConfigInput): RunConfigInput {
  return deepMerge(base as Record<string, unknown>, { optimizer: { name: 'adamw' }, qkClip: { enabled: false } }) as RunConfigInput;
}

export type TauResult = { readonly ok: true; readonly tau: number; readonly steps: number; readonly max: number } | { readonly ok: false; readonly message: string };

/**
 * Tau at quantile `q` (linear interpolation) of the per-step max QK logits, rounded to 3
 * significant digits so it reads well in labels. Non-finite values (skipped steps) are ignored.
 */
export function tauFromMaxLogits(maxLogits: readonly number[], q: number = DEFAULT_TAU_QUANTILE): TauResult {
  if (!(q > 0 && q < 1)) return { ok: false, message: `the quantile must be between 0 and 1 (exclusive), got ${q}` };
  const values = maxLogits.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (values.length < 2) return { ok: false, message: `the calibration run recorded ${values.length} finite max QK logits; it needs at least 2 steps` };
  const position = q * (values.length - 1);
  const low = Math.floor(position);
  const value = values[low]! + (values[Math.min(low + 1, values.length - 1)]! - values[low]!) * (position - low);
  if (!(value > 0)) return { ok: false, message: `the max QK logits of the calibration run are not positive (quantile ${q}: ${value}); train longer` };
  return { ok: true, tau: Number(value.toPrecision(3)), steps: values.length, max: values.at(-1)! };
}
