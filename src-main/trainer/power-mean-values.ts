/**
 * The masked power means of power-mean.ts and the token log-ratios and GMPO clip of objectives.ts,
 * on plain row-major arrays in float64, with the gradient weights of log M_p. The fused
 * power-mean loss kernel and the batch telemetry use them: a (B, T) batch is a few hundred numbers,
 * and a JS loop over them costs less than dispatching one tfjs kernel. What this is not: the
 * reference (power-mean.ts and objectives.ts are; tests hold these to them) or differentiable.
 */
import { SERIES_THRESHOLD } from './power-mean.js';

/** A (B, T) batch of completion tokens as plain arrays. */
export interface BatchValues {
  readonly batch: number;
  readonly length: number;
  readonly logpNew: ArrayLike<number>;
  readonly logpOld: ArrayLike<number>;
  readonly mask: ArrayLike<number>;
  /** (B) */
  readonly advantages: ArrayLike<number>;
}

/** x = logpNew - logpOld where mask > 0, else 0 (B*T). */
export function tokenLogRatioValues(b: BatchValues): Float64Array {
  return Float64Array.from({ length: b.batch * b.length }, (_, i) => (b.mask[i]! > 0 ? b.logpNew[i]! - b.logpOld[i]! : 0));
}

/**
 * GMPO's sign-aware token clip (objectives.ts signAwareTokenClip): for A >= 0 tokens with x > c
 * become c, for A < 0 tokens with x < -c become -c. Returns z and the 0/1 clipped flags (B*T).
 */
export function signAwareClipValues(x: Float64Array, advantages: ArrayLike<number>, length: number, c: number): { z: Float64Array; clipped: Uint8Array } {
  const z = new Float64Array(x.length);
  const clipped = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const nonNegative = advantages[Math.floor(i / length)]! >= 0;
    const hit = nonNegative ? x[i]! > c : x[i]! < -c;
    clipped[i] = hit ? 1 : 0;
    z[i] = hit ? (nonNegative ? c : -c) : x[i]!;
  }
  return { z, clipped };
}

/** Per sequence: scored-token count, masked mean and population variance of z. */
export function maskedMomentValues(z: ArrayLike<number>, mask: ArrayLike<number>, batch: number, length: number): { n: Float64Array; mean: Float64Array; variance: Float64Array } {
  const n = new Float64Array(batch), mean = new Float64Array(batch), variance = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let count = 0, sum = 0;
    for (let t = b * length; t < (b + 1) * length; t++) if (mask[t]! > 0) { count++; sum += z[t]!; }
    const mu = sum / Math.max(count, 1);
    let squares = 0;
    for (let t = b * length; t < (b + 1) * length; t++) if (mask[t]! > 0) squares += (z[t]! - mu) ** 2;
    n[b] = count;
    mean[b] = mu;
    variance[b] = squares / Math.max(count, 1);
  }
  return { n, mean, variance };
}

/**
 * log M_p per sequence (B) and, when `weights` is given, d log M_p / d z_t into it (B*T, 0 off the
 * mask): the series mu + p var / 2 below |p| = SERIES_THRESHOLD (as power-mean.ts), else
 * mu + (1/p) log mean exp(p (z - mu)), max-shifted. A sequence with no scored token gets 0.
 */
export function logPowerMeanValues(z: ArrayLike<number>, mask: ArrayLike<number>, batch: number, length: number, p: number, weights?: Float64Array): Float64Array {
  const { n, mean, variance } = maskedMomentValues(z, mask, batch, length);
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const count = n[b]!, mu = mean[b]!, start = b * length, end = start + length;
    if (count === 0) continue;
    if (Math.abs(p) < SERIES_THRESHOLD) {
      out[b] = mu + 0.5 * p * variance[b]!;
      if (weights) for (let t = start; t < end; t++) weights[t] = mask[t]! > 0 ? (1 + p * (z[t]! - mu)) / count : 0;
      continue;
    }
    let shift = -Infinity;
    for (let t = start; t < end; t++) if (mask[t]! > 0) shift = Math.max(shift, p * (z[t]! - mu));
    let total = 0;
    for (let t = start; t < end; t++) if (mask[t]! > 0) total += Math.exp(p * (z[t]! - mu) - shift);
    out[b] = mu + (shift + Math.log(total / count)) / p;
    if (weights) for (let t = start; t < end; t++) weights[t] = mask[t]! > 0 ? Math.exp(p * (z[t]! - mu) - shift) / total : 0;
  }
  return out;
}
