/**
 * The per-step telemetry of objectives.md section 5 that a batch alone determines: log-ratio
 * statistics, A0/G0/H0 and their gaps, the ratio actually used, clip fractions, ESS of the per-token
 * gradient weights, p, loss, KL, and the fixed-bin log-ratio histogram. Rewards, entropy, grad norm,
 * QK stats and timings are the training loop's to add.
 *
 * Computed on the JS side in float64 from one readback of the batch (power-mean-values.ts): the
 * batch is a few hundred numbers, and the same statistics as tfjs ops were ~300 kernels whose
 * dispatch cost more than the step's optimizer. tfjs is still used for what a preset needs beyond
 * the fixed-p power means (the AGM iteration, the loss or its gradient when the caller has none);
 * objectives.ts and power-mean.ts stay the definitions the tests hold these values to.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedObjective } from '../../src-shared/objective-config.js';
import { LOG_RATIO_HIST_BINS, LOG_RATIO_HIST_MAX, LOG_RATIO_HIST_MIN, type MetricValues } from '../../src-shared/metrics.js';
import { arithmeticHarmonicRatio, learnableP, policyLoss, sequenceLevelLogRatios, type PolicyBatch } from './objectives.js';
import { readBack } from './kernels/kernel-io.js';
import { logPowerMeanValues, maskedMomentValues, signAwareClipValues, tokenLogRatioValues, type BatchValues } from './power-mean-values.js';

export interface BatchTelemetry {
  readonly metrics: MetricValues;
  /** Counts of scored-token log-ratios: [underflow, ...LOG_RATIO_HIST_BINS bins, overflow]. */
  readonly logRatioHistogram: number[];
}

/** Mean of `values` where mask > 0, over all scored tokens of the batch (0 when there are none). */
function maskedMeanOf(values: ArrayLike<number>, mask: ArrayLike<number>): number {
  let sum = 0, count = 0;
  for (let i = 0; i < mask.length; i++) {
    sum += values[i]! * mask[i]!;
    count += mask[i]!;
  }
  return sum / Math.max(count, 1);
}

/** Plain mean of every value (a batch mean over sequences). */
function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

function logRatioStats(x: Float64Array, mask: ArrayLike<number>, out: MetricValues): void {
  const mean = maskedMeanOf(x, mask);
  out['ratio/log_ratio_mean'] = mean;
  out['ratio/log_ratio_var'] = maskedMeanOf(x.map((v) => (v - mean) ** 2), mask);
  out['ratio/log_ratio_abs_mean'] = maskedMeanOf(x.map(Math.abs), mask);
  out['ratio/log_ratio_max_abs'] = x.reduce((max, v, i) => (mask[i]! > 0 ? Math.max(max, Math.abs(v)) : max), 0);
}

type Spectrum = [logA: Float64Array, logG: Float64Array, logH: Float64Array];

/** log M_1, log M_0, log M_-1 per sequence. */
function spectrum(z: ArrayLike<number>, v: BatchValues): Spectrum {
  return [1, 0, -1].map((p) => logPowerMeanValues(z, v.mask, v.batch, v.length, p)) as [Float64Array, Float64Array, Float64Array];
}

/** A0/G0/H0 batch means and gaps, on the log-ratios the objective's mean sees (z, whose spectrum is given). */
function meanSpectrum(z: ArrayLike<number>, [logA, logG, logH]: Spectrum, v: BatchValues, out: MetricValues): void {
  out['ratio/a0'] = meanOf(logA.map(Math.exp));
  out['ratio/g0'] = meanOf(logG.map(Math.exp));
  out['ratio/h0'] = meanOf(logH.map(Math.exp));
  out['ratio/am_gm_gap'] = meanOf(logA.map((a, i) => a - logG[i]!));
  out['ratio/half_var_log_ratio'] = meanOf(maskedMomentValues(z, v.mask, v.batch, v.length).variance.map((x) => 0.5 * x));
  out['ratio/am_hm_gap'] = meanOf(logA.map((a, i) => Math.abs(Math.exp(a) - Math.exp(logH[i]!))));
}

/**
 * AM-GM and |AM-HM| gaps of the raw token ratios (x, before any clip; its spectrum), for every preset alike: the
 * gaps above are on the log-ratios the objective's mean sees, which differ by preset (clipped for
 * sequence presets with a token clip), so they cannot be compared across presets.
 */
function rawMeanGaps([logA, logG, logH]: Spectrum, out: MetricValues): void {
  out['ratio/raw_am_gm_gap'] = meanOf(logA.map((a, i) => a - logG[i]!));
  out['ratio/raw_am_hm_gap'] = meanOf(logA.map((a, i) => Math.abs(Math.exp(a) - Math.exp(logH[i]!))));
}

function tokenClipFractions(v: BatchValues, objective: ResolvedObjective, x: Float64Array, out: MetricValues): void {
  const low = new Float64Array(x.length), high = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const adv = v.advantages[Math.floor(i / v.length)]!;
    if (objective.level === 'token') {
      // TRL: low = r < 1 - eps_low and A < 0; high = r > 1 + eps_high and A > 0.
      const r = Math.exp(x[i]!);
      low[i] = r < 1 - objective.clipLow && adv < 0 ? 1 : 0;
      high[i] = r > 1 + objective.clipHigh && adv > 0 ? 1 : 0;
    } else if (objective.tokenClip !== null) {
      low[i] = x[i]! < -objective.tokenClip && adv < 0 ? 1 : 0;
      high[i] = x[i]! > objective.tokenClip && adv >= 0 ? 1 : 0;
    }
  }
  out['clip/token_low'] = maskedMeanOf(low, v.mask);
  out['clip/token_high'] = maskedMeanOf(high, v.mask);
  out['clip/token_region'] = maskedMeanOf(low.map((l, i) => Math.max(l, high[i]!)), v.mask);
}

function sequenceClipFraction(rho: ArrayLike<number>, v: BatchValues, objective: ResolvedObjective): number {
  if (objective.seqClipLow === null || objective.seqClipHigh === null) return 0;
  let held = 0;
  for (let b = 0; b < v.batch; b++) {
    const [r, adv] = [rho[b]!, v.advantages[b]!];
    if ((r > 1 + objective.seqClipHigh && adv > 0) || (r < 1 - objective.seqClipLow && adv < 0)) held++;
  }
  return held / v.batch;
}

/** (sum |g|)^2 / sum g^2 / n over scored tokens, g = d loss / d logpNew; 0 when every weight is 0. */
function effectiveSampleSize(g: ArrayLike<number>, mask: ArrayLike<number>): number {
  let sum = 0, sumSq = 0, count = 0;
  for (let i = 0; i < mask.length; i++) {
    const w = Math.abs(g[i]!) * mask[i]!;
    sum += w;
    sumSq += w * w;
    count += mask[i]!;
  }
  return sumSq > 0 ? (sum * sum) / (Math.max(sumSq, 1e-30) * Math.max(count, 1)) : 0;
}

/** Per-sequence mean over scored tokens of the k3 estimate exp(ref - new) - (ref - new) - 1, batch mean. */
function klValue(v: BatchValues, logpRef: ArrayLike<number>): number {
  let total = 0;
  for (let b = 0; b < v.batch; b++) {
    let sum = 0, count = 0;
    for (let t = b * v.length; t < (b + 1) * v.length; t++) {
      if (!(v.mask[t]! > 0)) continue;
      const d = logpRef[t]! - v.logpNew[t]!;
      sum += Math.exp(d) - d - 1;
      count += v.mask[t]!;
    }
    total += sum / Math.max(count, 1);
  }
  return total / v.batch;
}

/** The learnable preset's current p, from its phi parameter. */
function learnablePValue(phi: tf.Scalar | undefined, objective: ResolvedObjective): number {
  if (!phi) throw new Error('the learnable preset needs its phi parameter');
  return readBack(() => learnableP(phi, objective))[0]!;
}

function histogram(x: ArrayLike<number>, mask: ArrayLike<number>): number[] {
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
  const [size, length] = batch.logpNew.shape;
  const v: BatchValues = {
    batch: size, length,
    logpNew: batch.logpNew.dataSync(), logpOld: batch.logpOld.dataSync(), mask: batch.mask.dataSync(), advantages: batch.advantages.dataSync(),
  };
  const metrics: MetricValues = {};
  const x = tokenLogRatioValues(v);
  logRatioStats(x, v.mask, metrics);
  const z = objective.level === 'sequence' && objective.tokenClip !== null ? signAwareClipValues(x, v.advantages, length, objective.tokenClip).z : x;
  const spectrumOfZ = spectrum(z, v);
  meanSpectrum(z, spectrumOfZ, v, metrics);
  // Without a token clip z is x: its spectrum is the raw one.
  rawMeanGaps(z === x ? spectrumOfZ : spectrum(x, v), metrics);
  tokenClipFractions(v, objective, x, metrics);
  let rho: ArrayLike<number>;
  if (objective.level === 'token') {
    const r = x.map(Math.exp);
    metrics['ratio/used_mean'] = maskedMeanOf(r, v.mask);
    metrics['ratio/used_min'] = r.reduce((min, value, i) => (v.mask[i]! > 0 ? Math.min(min, value) : min), Infinity);
    metrics['ratio/used_max'] = r.reduce((max, value, i) => (v.mask[i]! > 0 ? Math.max(max, value) : max), -Infinity);
    rho = new Float64Array(size).fill(1);
  } else {
    if (objective.mean.kind === 'agm') {
      let iterations: Float32Array | undefined;
      rho = readBack(() => {
        const ahm = arithmeticHarmonicRatio(sequenceLevelLogRatios(batch, objective), batch.mask, objective.agmIterations, objective.agmTolerance);
        iterations = ahm.iterations.dataSync() as Float32Array;
        return ahm.ratio;
      });
      metrics['agm/iterations'] = meanOf(iterations!);
    } else {
      const p = objective.mean.kind === 'power' ? objective.mean.p : learnablePValue(phi, objective);
      rho = logPowerMeanValues(z, v.mask, size, length, p).map(Math.exp);
      metrics['objective/p'] = p;
    }
    metrics['ratio/used_mean'] = meanOf(rho);
    metrics['ratio/used_min'] = Math.min(...Array.from(rho));
    metrics['ratio/used_max'] = Math.max(...Array.from(rho));
  }
  metrics['clip/sequence'] = sequenceClipFraction(rho, v, objective);
  const gradient = known.lossGradient ? known.lossGradient.dataSync() : readBack(() => tf.grad((logpNew: tf.Tensor) => policyLoss({ ...batch, logpNew: logpNew as tf.Tensor2D }, objective, phi))(batch.logpNew));
  metrics['objective/ess'] = effectiveSampleSize(gradient, v.mask);
  metrics['losses/policy_loss'] = known.loss ? known.loss.dataSync()[0]! : readBack(() => policyLoss(batch, objective, phi))[0]!;
  if (objective.klBeta > 0 && batch.logpRef) metrics['losses/kl'] = klValue(v, batch.logpRef.dataSync());
  return { metrics, logRatioHistogram: histogram(x, v.mask) };
}
