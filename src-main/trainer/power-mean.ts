/**
 * Masked power means of token ratios, in log space (objectives.md section 4): log M_p per sequence
 * from token log-ratios z (B, T) and a 0/1 mask. Differentiable in z and in p (for the learnable p).
 * Pure tfjs functions; callers own tidy scopes. No clipping or loss logic lives here.
 *
 * Numerics: the textbook (1/p)(LSE(p z) - log n) cancels catastrophically in float32 as p -> 0
 * (about 1e-4 absolute error at p = 1e-3). We use the equivalent
 *   log M_p = mu + (1/p) log mean exp(p (z - mu)),
 * evaluated as log1p(mean(expm1(u))) while |u| <= 1 (no cancellation) and as a max-shifted
 * log-mean-exp beyond (no overflow), and the spec's series mu + p sigma^2 / 2 for |p| < 1e-3.
 */
import * as tf from '@tensorflow/tfjs';
import { indicator, log1p, select01 } from './stable-ops.js';

/** Below this |p| the second-order series is used (objectives.md section 4). */
export const SERIES_THRESHOLD = 1e-3;
/** Largest |p (z - mu)| for which the expm1/log1p form is used. */
const EXPM1_RANGE = 1;

/** Masked moments of z per sequence: count n (B,), mean mu (B,), centred d (B,T), population var (B,). */
export interface MaskedMoments {
  readonly n: tf.Tensor1D;
  readonly mean: tf.Tensor1D;
  readonly centred: tf.Tensor2D;
  readonly variance: tf.Tensor1D;
}

export function maskedMoments(z: tf.Tensor2D, mask: tf.Tensor2D): MaskedMoments {
  const on = tf.greater(mask, 0); // (B, T) bool
  const n = tf.sum(mask, 1) as tf.Tensor1D; // (B,)
  const nSafe = tf.maximum(n, 1);
  const zeros = tf.zerosLike(z);
  const mean = tf.div(tf.sum(tf.where(on, z, zeros), 1), nSafe) as tf.Tensor1D; // (B,)
  const centred = tf.where(on, tf.sub(z, tf.expandDims(mean, 1)), zeros) as tf.Tensor2D; // (B, T)
  const variance = tf.div(tf.sum(tf.square(centred), 1), nSafe) as tf.Tensor1D; // (B,)
  return { n, mean, centred, variance };
}

/**
 * (1/p) log mean_t exp(p d_t) over masked tokens, for |p| >= SERIES_THRESHOLD (p may be a tensor;
 * values of |p| below the threshold are replaced so that 1/p stays finite in an unused branch).
 */
function scaledLogMeanExp(m: MaskedMoments, mask: tf.Tensor2D, p: tf.Scalar): tf.Tensor1D {
  const on = tf.greater(mask, 0);
  const nSafe = tf.maximum(m.n, 1);
  // Where |p| is below the threshold this branch is unused; move p to the threshold so 1/p is finite.
  const tiny = indicator(tf.sub(SERIES_THRESHOLD, tf.abs(p)));
  const pSafe = tf.add(p, tf.mul(tiny, tf.sub(SERIES_THRESHOLD, p))) as tf.Scalar;
  const u = tf.mul(pSafe, m.centred) as tf.Tensor2D; // (B, T), 0 where masked
  const zeros = tf.zerosLike(u);
  // Small branch: log1p(mean(expm1(u))). The clip only guards the unused branch against overflow.
  const em1 = tf.where(on, tf.expm1(tf.clipByValue(u, -30, 30)), zeros);
  const small = log1p(tf.maximum(tf.div(tf.sum(em1, 1), nSafe), -0.999)); // (B,)
  // Large branch: max-shifted log-mean-exp; minimum(., 0) keeps masked slots from overflowing.
  const shift = tf.max(tf.where(on, u, tf.fill(u.shape, -1e30)), 1); // (B,)
  const shifted = tf.minimum(tf.sub(u, tf.expandDims(shift, 1)), 0);
  const large = tf.add(shift, tf.log(tf.div(tf.sum(tf.where(on, tf.exp(shifted), zeros), 1), nSafe))); // (B,)
  const useSmall = tf.sub(1, indicator(tf.sub(tf.max(tf.abs(u), 1), EXPM1_RANGE))); // (B,) 1 where |u| <= 1
  return tf.div(select01(useSmall, small, large), pSafe) as tf.Tensor1D;
}

/**
 * log M_p(i) per sequence (B,). `p` is a number (fixed preset) or a scalar tensor (learnable p,
 * differentiable). A sequence with no scored token gets log M = 0 (ratio 1).
 */
export function logPowerMean(z: tf.Tensor2D, mask: tf.Tensor2D, p: number | tf.Scalar): tf.Tensor1D {
  const m = maskedMoments(z, mask);
  const pT = typeof p === 'number' ? tf.scalar(p) : p;
  const series = tf.add(m.mean, tf.mul(tf.mul(pT, 0.5), m.variance)); // mu + p sigma^2 / 2
  let result: tf.Tensor;
  if (typeof p === 'number') {
    result = Math.abs(p) < SERIES_THRESHOLD ? series : tf.add(m.mean, scaledLogMeanExp(m, mask, pT));
  } else {
    const exact = tf.add(m.mean, scaledLogMeanExp(m, mask, pT));
    result = select01(indicator(tf.sub(SERIES_THRESHOLD, tf.abs(pT))), series, exact);
  }
  return tf.where(tf.greater(m.n, 0), result, tf.zerosLike(result)) as tf.Tensor1D;
}

/** Per-sequence population variance of the masked z (B,): the AM-GM gap's second-order term is var/2. */
export function maskedVariance(z: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return maskedMoments(z, mask).variance;
}
