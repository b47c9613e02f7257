/**
 * The per-step telemetry of objectives.md section 5 that a batch alone determines: log-ratio
 * statistics, A0/G0/H0 and their gaps, the ratio actually used, clip fractions, ESS of the per-token
 * gradient weights, p, loss, KL, and the fixed-bin log-ratio histogram. One readback per call.
 * Rewards, entropy, grad norm, QK stats and timings are the training loop's to add.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedObjective } from '../../src-shared/objective-config.js';
import { LOG_RATIO_HIST_BINS, LOG_RATIO_HIST_MAX, LOG_RATIO_HIST_MIN, type MetricKey, type MetricValues } from '../../src-shared/metrics.js';
import { logPowerMean, maskedMoments } from './power-mean.js';
import {
  arithmeticHarmonicRatio,
  learnableP,
  maskedMean,
  policyLoss,
  sequenceLevelLogRatios,
  sequenceRatios,
  tokenK3,
  tokenLogRatios,
  type PolicyBatch,
} from './objectives.js';

export interface BatchTelemetry {
  readonly metrics: MetricValues;
  /** Counts of scored-token log-ratios: [underflow, ...LOG_RATIO_HIST_BINS bins, overflow]. */
  readonly logRatioHistogram: number[];
}

/** Scalar tensors keyed by metric, built inside one tidy and read back together. */
type Pending = Array<[MetricKey, tf.Scalar]>;

function logRatioStats(x: tf.Tensor2D, mask: tf.Tensor2D, out: Pending): void {
  const mean = maskedMean(x, mask);
  const on = tf.greater(mask, 0);
  out.push(['ratio/log_ratio_mean', mean]);
  out.push(['ratio/log_ratio_var', maskedMean(tf.square(tf.sub(x, mean)), mask)]);
  out.push(['ratio/log_ratio_abs_mean', maskedMean(tf.abs(x), mask)]);
  out.push(['ratio/log_ratio_max_abs', tf.max(tf.where(on, tf.abs(x), tf.zerosLike(x)))]);
}

/** A0/G0/H0 batch means and gaps, on the log-ratios the objective's mean sees (z). */
function meanSpectrum(z: tf.Tensor2D, mask: tf.Tensor2D, out: Pending): void {
  const logA = logPowerMean(z, mask, 1);
  const logG = logPowerMean(z, mask, 0);
  const logH = logPowerMean(z, mask, -1);
  const a = tf.exp(logA);
  const h = tf.exp(logH);
  out.push(['ratio/a0', tf.mean(a)]);
  out.push(['ratio/g0', tf.mean(tf.exp(logG))]);
  out.push(['ratio/h0', tf.mean(h)]);
  out.push(['ratio/am_gm_gap', tf.mean(tf.sub(logA, logG))]);
  out.push(['ratio/half_var_log_ratio', tf.mean(tf.mul(maskedMoments(z, mask).variance, 0.5))]);
  out.push(['ratio/am_hm_gap', tf.mean(tf.abs(tf.sub(a, h)))]);
}

/**
 * AM-GM and |AM-HM| gaps of the raw token ratios (x, before any clip), for every preset alike: the
 * gaps above are on the log-ratios the objective's mean sees, which differ by preset (clipped for
 * sequence presets with a token clip), so they cannot be compared across presets.
 */
function rawMeanGaps(x: tf.Tensor2D, mask: tf.Tensor2D, out: Pending): void {
  const logA = logPowerMean(x, mask, 1);
  const logG = logPowerMean(x, mask, 0);
  const logH = logPowerMean(x, mask, -1);
  out.push(['ratio/raw_am_gm_gap', tf.mean(tf.sub(logA, logG))]);
  out.push(['ratio/raw_am_hm_gap', tf.mean(tf.abs(tf.sub(tf.exp(logA), tf.exp(logH))))]);
}

function tokenClipFractions(batch: PolicyBatch, objective: ResolvedObjective, x: tf.Tensor2D, out: Pending): void {
  const adv = tf.expandDims(batch.advantages, 1); // (B, 1)
  let low: tf.Tensor;
  let high: tf.Tensor;
  if (objective.level === 'token') {
    // TRL: low = r < 1 - eps_low and A < 0; high = r > 1 + eps_high and A > 0.
    const r = tf.exp(x);
    low = tf.logicalAnd(tf.less(r, 1 - objective.clipLow), tf.less(adv, 0));
    high = tf.logicalAnd(tf.greater(r, 1 + objective.clipHigh), tf.greater(adv, 0));
  } else if (objective.tokenClip !== null) {
    const c = objective.tokenClip;
    low = tf.logicalAnd(tf.less(x, -c), tf.less(adv, 0));
    high = tf.logicalAnd(tf.greater(x, c), tf.greaterEqual(adv, 0));
  } else {
    low = tf.zerosLike(x).cast('bool');
    high = low;
  }
  const f = (b: tf.Tensor) => maskedMean(tf.cast(b, 'float32'), batch.mask);
  out.push(['clip/token_low', f(low)]);
  out.push(['clip/token_high', f(high)]);
  out.push(['clip/token_region', f(tf.logicalOr(low, high))]);
}

function sequenceClipFraction(rho: tf.Tensor1D, batch: PolicyBatch, objective: ResolvedObjective, out: Pending): void {
  if (objective.seqClipLow === null || objective.seqClipHigh === null) {
    out.push(['clip/sequence', tf.scalar(0)]);
    return;
  }
  const adv = batch.advantages;
  const held = tf.logicalOr(
    tf.logicalAnd(tf.greater(rho, 1 + objective.seqClipHigh), tf.greater(adv, 0)),
    tf.logicalAnd(tf.less(rho, 1 - objective.seqClipLow), tf.less(adv, 0)),
  );
  out.push(['clip/sequence', tf.mean(tf.cast(held, 'float32'))]);
}

/**
 * (sum |g|)^2 / sum g^2 / n over scored tokens, g = d loss / d logpNew; 0 when every weight is 0.
 * Uses the gradient the optimizer step already has when given one.
 */
function effectiveSampleSize(batch: PolicyBatch, objective: ResolvedObjective, phi: tf.Scalar | undefined, lossGradient?: tf.Tensor): tf.Scalar {
  const g = lossGradient ?? tf.grad((logpNew: tf.Tensor) => policyLoss({ ...batch, logpNew: logpNew as tf.Tensor2D }, objective, phi))(batch.logpNew);
  const w = tf.mul(tf.abs(g), batch.mask);
  const sumSq = tf.sum(tf.square(w));
  const ess = tf.div(tf.square(tf.sum(w)), tf.mul(tf.maximum(sumSq, 1e-30), tf.maximum(tf.sum(batch.mask), 1)));
  return tf.where(tf.greater(sumSq, 0), ess, tf.scalar(0)) as tf.Scalar;
}

function histogram(x: Float32Array | Int32Array | Uint8Array, mask: Float32Array | Int32Array | Uint8Array): number[] {
  const counts = new Array<number>(LOG_RATIO_HIST_BINS + 2).fill(0);
  const width = (LOG_RATIO_HIST_MAX - LOG_RATIO_HIST_MIN) / LOG_RATIO_HIST_BINS;
  for (let i = 0; i < x.length; i++) {
    if (mask[i] === 0) continue;
    const v = x[i]!;
    // min(): rounding can put a value just below the top edge at index BINS; it belongs to the last bin.
    const slot = v < LOG_RATIO_HIST_MIN ? 0 : v >= LOG_RATIO_HIST_MAX ? LOG_RATIO_HIST_BINS + 1 : 1 + Math.min(Math.floor((v - LOG_RATIO_HIST_MIN) / width), LOG_RATIO_HIST_BINS - 1);
    counts[slot]! += 1;
  }
  return counts;
}

/** What the optimizer step already computed for this batch, so telemetry need not derive it again. */
export interface KnownLoss {
  /** policyLoss of this batch (the same objective and phi). */
  readonly loss?: tf.Scalar;
  /** d loss / d logpNew (B, T) of this batch. */
  readonly lossGradient?: tf.Tensor | undefined;
}

/**
 * Every batch-determined telemetry quantity for one optimizer step. `phi` is the learnable p's
 * parameter (required for that preset); `known` passes the loss and its gradient when the caller
 * has them. Leaves no tensors behind.
 */
export function batchTelemetry(batch: PolicyBatch, objective: ResolvedObjective, phi?: tf.Scalar, known: KnownLoss = {}): BatchTelemetry {
  const { keys, values, x, mask } = tf.tidy(() => {
    const pending: Pending = [];
    const x = tokenLogRatios(batch);
    logRatioStats(x, batch.mask, pending);
    const z = objective.level === 'token' ? x : sequenceLevelLogRatios(batch, objective);
    meanSpectrum(z, batch.mask, pending);
    rawMeanGaps(x, batch.mask, pending);
    tokenClipFractions(batch, objective, x, pending);
    if (objective.level === 'token') {
      const r = tf.exp(x);
      const on = tf.greater(batch.mask, 0);
      pending.push(['ratio/used_mean', maskedMean(r, batch.mask)]);
      pending.push(['ratio/used_min', tf.min(tf.where(on, r, tf.fill(r.shape, Infinity)))]);
      pending.push(['ratio/used_max', tf.max(tf.where(on, r, tf.fill(r.shape, -Infinity)))]);
      sequenceClipFraction(tf.ones([x.shape[0]]) as tf.Tensor1D, batch, objective, pending);
    } else {
      const rho = sequenceRatios(batch, objective, phi);
      pending.push(['ratio/used_mean', tf.mean(rho)], ['ratio/used_min', tf.min(rho)], ['ratio/used_max', tf.max(rho)]);
      sequenceClipFraction(rho, batch, objective, pending);
      if (objective.mean.kind === 'agm') {
        const ahm = arithmeticHarmonicRatio(z, batch.mask, objective.agmIterations, objective.agmTolerance);
        pending.push(['agm/iterations', tf.mean(ahm.iterations)]);
      }
      if (objective.mean.kind === 'power') pending.push(['objective/p', tf.scalar(objective.mean.p)]);
      if (objective.mean.kind === 'learnable' && phi) pending.push(['objective/p', learnableP(phi, objective)]);
    }
    pending.push(['objective/ess', effectiveSampleSize(batch, objective, phi, known.lossGradient)]);
    pending.push(['losses/policy_loss', known.loss ?? policyLoss(batch, objective, phi)]);
    if (objective.klBeta > 0 && batch.logpRef) {
      const perSeq = tf.div(tf.sum(tokenK3(batch), 1), tf.maximum(tf.sum(batch.mask, 1), 1));
      pending.push(['losses/kl', tf.mean(perSeq)]);
    }
    return {
      keys: pending.map(([k]) => k),
      values: tf.stack(pending.map(([, v]) => tf.reshape(v, []))).dataSync(),
      x: x.dataSync(),
      mask: batch.mask.dataSync(),
    };
  });
  const metrics: MetricValues = {};
  keys.forEach((key, i) => (metrics[key] = values[i]!));
  return { metrics, logRatioHistogram: histogram(x, mask) };
}
