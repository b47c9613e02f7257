/**
 * Debiased exponential moving average for metric curves (ux.md complaint 3). Apply it per seed, to
 * the full-resolution series, BEFORE interpolation onto a grid, aggregation over seeds and any
 * downsampling: smoothing a downsampled series makes the curve depend on the point count. This file
 * does no ordering itself; the caller (see seed-band.ts) owns the pipeline.
 */

/**
 * Debiased EMA, as in Adam's bias correction: s_t = w s_{t-1} + (1 - w) x_t with s_0 = 0, reported
 * as s_t / (1 - w^t). The first output equals the first input and a constant series stays constant
 * (exactly, not just to rounding), whatever the weight.
 *
 * Computed in the equivalent incremental form m_t = m_{t-1} + a_t (x_t - m_{t-1}) with
 * a_t = (1 - w) / (1 - w^t), which needs no division of two small numbers near the start.
 *
 * Non-finite values (NaN, +-Infinity) are passed through unchanged at their index and do not enter
 * the average (t counts finite values only), the same rule as TensorBoard's smoother, so one NaN
 * does not erase the rest of the curve.
 *
 * @param values the series, in x order
 * @param weight smoothing weight in [0, 1); 0 returns a copy of the input
 * @throws RangeError when the weight is outside [0, 1) (a caller bug: the slider bounds it)
 */
export function debiasedEma(values: readonly number[], weight: number): number[] {
  assertSmoothingWeight(weight);
  const out = new Array<number>(values.length);
  let mean = 0;
  let decay = 1; // w^t over the finite values seen so far
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (!Number.isFinite(x)) {
      out[i] = x;
      continue;
    }
    decay *= weight;
    const alpha = (1 - weight) / (1 - decay); // 1 on the first finite value
    mean += alpha * (x - mean);
    out[i] = mean;
  }
  return out;
}

/** Largest weight the UI should offer: 0.999 already averages over ~1,000 points. */
export const MAX_SMOOTHING_WEIGHT = 0.999;

/**
 * The legend's description of the smoothing in force, e.g. "debiased EMA, weight 0.9, per seed
 * before aggregation" or "no smoothing".
 */
export function describeSmoothing(weight: number): string {
  assertSmoothingWeight(weight);
  if (weight === 0) return 'no smoothing';
  return `debiased EMA, weight ${weight}, per seed before aggregation`;
}

/** Throws a RangeError unless 0 <= weight < 1. */
export function assertSmoothingWeight(weight: number): void {
  if (!(weight >= 0 && weight < 1)) {
    throw new RangeError(`smoothing weight must be in [0, 1) (0 = no smoothing), got ${weight}`);
  }
}
