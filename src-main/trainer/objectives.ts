/**
 * The policy losses of objectives.md sections 3 and 4 as pure, differentiable tfjs functions:
 * the token-level GRPO surrogate (four aggregations, clip-higher, two-sided cap, dual clip), the
 * sequence-level power-mean family (GMPO sign-aware token clip, GSPO sequence clip, learnable p,
 * arithmetic-harmonic iteration) and the k3 KL penalty. "Loss" is minimised (= -objective).
 * Callers own the tidy scope. Telemetry lives in batch-telemetry.ts, advantages in advantages.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedObjective } from '../../src-shared/objective-config.js';
import { fusedKernelsOn } from './kernels/kernel-io.js';
import { fusedPowerMeanLoss } from './kernels/power-mean-loss-kernel.js';
import { logPowerMean } from './power-mean.js';
import { indicator, select01 } from './stable-ops.js';

/** One (mini)batch of B sequences padded to T completion tokens. */
export interface PolicyBatch {
  /** log pi_theta of each completion token (B, T); the tensor gradients are taken with respect to. */
  readonly logpNew: tf.Tensor2D;
  /** log pi_old from the sampling policy (B, T), no gradient. */
  readonly logpOld: tf.Tensor2D;
  /** log pi_ref of a frozen reference policy (B, T); needed only when klBeta > 0. */
  readonly logpRef?: tf.Tensor2D;
  /** 1 for a scored completion token, 0 for padding (B, T). */
  readonly mask: tf.Tensor2D;
  /** One advantage per sequence (B,). */
  readonly advantages: tf.Tensor1D;
}

export class MissingReferenceLogProbsError extends Error {
  override readonly name = 'MissingReferenceLogProbsError';
}

/** The learnable p: p = pMin + (pMax - pMin) * sigmoid(phi) (objectives.md section 4). */
export function learnableP(phi: tf.Scalar, objective: ResolvedObjective): tf.Scalar {
  return tf.add(objective.pMin, tf.mul(objective.pMax - objective.pMin, tf.sigmoid(phi))) as tf.Scalar;
}

/** The phi at which the learnable p equals pInit (0 for the default bounds [-2, 2]). */
export function initialPhi(objective: ResolvedObjective): number {
  const fraction = (objective.pInit - objective.pMin) / (objective.pMax - objective.pMin);
  return Math.log(fraction / (1 - fraction));
}

/** Token log-ratios x = logpNew - logpOld, zeroed on padding so that no padding value can reach a gradient. */
export function tokenLogRatios(batch: PolicyBatch): tf.Tensor2D {
  return tf.where(tf.greater(batch.mask, 0), tf.sub(batch.logpNew, batch.logpOld), tf.zerosLike(batch.logpNew)) as tf.Tensor2D;
}

/** Per-token k3 KL estimate exp(ref - new) - (ref - new) - 1 (B, T), zero on padding. */
export function tokenK3(batch: PolicyBatch): tf.Tensor2D {
  if (!batch.logpRef) throw new MissingReferenceLogProbsError('klBeta > 0 needs reference log-probs (logpRef) for every sequence');
  const on = tf.greater(batch.mask, 0);
  const d = tf.where(on, tf.sub(batch.logpRef, batch.logpNew), tf.zerosLike(batch.logpNew)); // (B, T)
  return tf.sub(tf.sub(tf.exp(d), d), 1) as tf.Tensor2D;
}

/** Mean of `values` over the positions where `mask` is 1, the whole batch at once (0 when none is). */
export function maskedMean(values: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(values, mask)), tf.maximum(tf.sum(mask), 1));
}

/** Masked mean over tokens of each sequence (B,). */
function sequenceTokenMean(values: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.div(tf.sum(tf.mul(values, mask), 1), tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor1D;
}

// ---------------------------------------------------------------------------------------------
// Token level (GRPO family), objectives.md section 3.
// ---------------------------------------------------------------------------------------------

/** Per-token GRPO loss l_{i,t} (B, T) before aggregation, KL term included when klBeta > 0. */
export function grpoTokenLosses(batch: PolicyBatch, objective: ResolvedObjective): tf.Tensor2D {
  const x = tokenLogRatios(batch);
  const ratio = tf.exp(x); // (B, T)
  const adv = tf.expandDims(batch.advantages, 1); // (B, 1)
  const capped = objective.twoSidedCap === null ? ratio : tf.minimum(ratio, objective.twoSidedCap);
  const unclipped = tf.mul(capped, adv);
  const clipped = tf.mul(tf.clipByValue(ratio, 1 - objective.clipLow, 1 + objective.clipHigh), adv);
  // tf.minimum sends the gradient to its first argument on ties, i.e. to the unclipped branch.
  let loss: tf.Tensor = tf.neg(tf.minimum(unclipped, clipped));
  if (objective.dualClip !== null) {
    const negative = tf.broadcastTo(tf.less(adv, 0), loss.shape as [number, number]);
    loss = tf.where(negative, tf.minimum(loss, tf.mul(tf.neg(adv), objective.dualClip)), loss);
  }
  if (objective.klBeta > 0) loss = tf.add(loss, tf.mul(objective.klBeta, tokenK3(batch)));
  return tf.mul(loss, batch.mask) as tf.Tensor2D;
}

/** Batch loss from per-token losses (already zero on padding) by the named aggregation. */
export function aggregateTokenLosses(losses: tf.Tensor2D, mask: tf.Tensor2D, objective: ResolvedObjective): tf.Scalar {
  const [batchSize, paddedLength] = losses.shape;
  switch (objective.aggregation) {
    case 'seq-mean-token-mean':
      return tf.mean(tf.div(tf.sum(losses, 1), tf.maximum(tf.sum(mask, 1), 1)));
    case 'token-mean':
      return tf.div(tf.sum(losses), tf.maximum(tf.sum(mask), 1));
    case 'dr-grpo':
      return tf.div(tf.sum(losses), batchSize * (objective.maxCompletionLength ?? paddedLength));
    case 'seq-mean-token-sum':
      return tf.mean(tf.sum(losses, 1));
  }
}

// ---------------------------------------------------------------------------------------------
// Sequence level (power-mean family), objectives.md section 4.
// ---------------------------------------------------------------------------------------------

/**
 * GMPO's sign-aware token clip in log space: for A >= 0, z = min(x, clamp(x, -c, c)) (only x > c is
 * clipped, to c); for A < 0, z = max(x, clamp(x, -c, c)) (only x < -c is clipped, to -c). Clipped
 * tokens get no gradient. Returns z and the 0/1 clipped indicator, both (B, T).
 */
export function signAwareTokenClip(x: tf.Tensor2D, advantages: tf.Tensor1D, c: number): { z: tf.Tensor2D; clipped: tf.Tensor2D } {
  const nonNegative = tf.expandDims(tf.cast(tf.greaterEqual(advantages, 0), 'float32'), 1); // (B, 1), from data: no gradient
  const above = indicator(tf.sub(x, c)); // x > c
  const below = indicator(tf.sub(-c, x)); // x < -c
  const clipped = tf.add(tf.mul(nonNegative, above), tf.mul(tf.sub(1, nonNegative), below)) as tf.Tensor2D;
  const bound = tf.sub(tf.mul(nonNegative, 2 * c), c); // +c for A >= 0, -c for A < 0
  return { z: select01(clipped, tf.broadcastTo(bound, x.shape), x) as tf.Tensor2D, clipped };
}

/** The token log-ratios the sequence mean sees: after the token clip when one is set. */
export function sequenceLevelLogRatios(batch: PolicyBatch, objective: ResolvedObjective): tf.Tensor2D {
  const x = tokenLogRatios(batch);
  return objective.tokenClip === null ? x : signAwareTokenClip(x, batch.advantages, objective.tokenClip).z;
}

/** Result of the arithmetic-harmonic iteration per sequence. */
export interface AhmResult {
  /** (a_K + h_K) / 2, the sequence ratio (B,). */
  readonly ratio: tf.Tensor1D;
  /** Pre-iteration a0 = M_1 and h0 = M_-1 (B,): the "AGM histories" the controllers read. */
  readonly a0: tf.Tensor1D;
  readonly h0: tf.Tensor1D;
  /** Iterations each sequence actually took before |a - h| <= tol * a (B,). */
  readonly iterations: tf.Tensor1D;
}

/**
 * Arithmetic-harmonic iteration: a <- (a + h)/2, h <- 2ah/(a + h) for K steps, each sequence
 * frozen once |a - h| <= tol * a. a*h is invariant, so the limit is sqrt(a0 * h0), which for more
 * than two tokens is not the geometric mean.
 */
export function arithmeticHarmonicRatio(z: tf.Tensor2D, mask: tf.Tensor2D, iterations: number, tolerance: number): AhmResult {
  const a0 = tf.exp(logPowerMean(z, mask, 1));
  const h0 = tf.exp(logPowerMean(z, mask, -1));
  let a: tf.Tensor = a0;
  let h: tf.Tensor = h0;
  let used: tf.Tensor = tf.zerosLike(a0);
  for (let k = 0; k < iterations; k++) {
    const active = indicator(tf.sub(tf.abs(tf.sub(a, h)), tf.mul(tolerance, a))); // 1 while |a - h| > tol * a
    const sum = tf.add(a, h);
    const nextA = tf.div(sum, 2);
    const nextH = tf.div(tf.mul(tf.mul(a, h), 2), sum);
    a = select01(active, nextA, a);
    h = select01(active, nextH, h);
    used = tf.add(used, active);
  }
  return { ratio: tf.div(tf.add(a, h), 2) as tf.Tensor1D, a0: a0 as tf.Tensor1D, h0: h0 as tf.Tensor1D, iterations: used as tf.Tensor1D };
}

/** The sequence ratio rho_i (B,) for the objective's mean; `phi` is required for the learnable p. */
export function sequenceRatios(batch: PolicyBatch, objective: ResolvedObjective, phi?: tf.Scalar): tf.Tensor1D {
  const z = sequenceLevelLogRatios(batch, objective);
  switch (objective.mean.kind) {
    case 'power':
      return tf.exp(logPowerMean(z, batch.mask, objective.mean.p));
    case 'learnable': {
      if (!phi) throw new Error('the learnable preset needs its phi parameter');
      return tf.exp(logPowerMean(z, batch.mask, learnableP(phi, objective)));
    }
    case 'agm':
      return arithmeticHarmonicRatio(z, batch.mask, objective.agmIterations, objective.agmTolerance).ratio;
  }
}

/** Per-sequence loss (B,): -A * rho, or the PPO min form when a sequence clip is set; plus beta * KL. */
export function sequenceLosses(batch: PolicyBatch, objective: ResolvedObjective, phi?: tf.Scalar): tf.Tensor1D {
  const rho = sequenceRatios(batch, objective, phi);
  const adv = batch.advantages;
  let loss: tf.Tensor;
  if (objective.seqClipLow !== null && objective.seqClipHigh !== null) {
    const clippedRho = tf.clipByValue(rho, 1 - objective.seqClipLow, 1 + objective.seqClipHigh);
    loss = tf.neg(tf.minimum(tf.mul(rho, adv), tf.mul(clippedRho, adv)));
  } else {
    loss = tf.neg(tf.mul(rho, adv));
  }
  if (objective.klBeta > 0) loss = tf.add(loss, tf.mul(objective.klBeta, sequenceTokenMean(tokenK3(batch), batch.mask)));
  return loss as tf.Tensor1D;
}

// ---------------------------------------------------------------------------------------------
// The one entry point the training loop calls.
// ---------------------------------------------------------------------------------------------

/**
 * The batch loss for any preset. Differentiable with respect to logpNew (and through it the model)
 * and, for the learnable preset, phi.
 */
export function policyLoss(batch: PolicyBatch, objective: ResolvedObjective, phi?: tf.Scalar): tf.Scalar {
  if (objective.level === 'token') {
    return aggregateTokenLosses(grpoTokenLosses(batch, objective), batch.mask, objective);
  }
  if (objective.mean.kind === 'power' && objective.klBeta === 0 && fusedKernelsOn()) {
    // The same loss in one kernel each way (kernels/power-mean-loss-kernel.ts); the composition below is its reference.
    return fusedPowerMeanLoss(batch.logpNew, batch.logpOld, batch.mask, batch.advantages, { ...objective, p: objective.mean.p });
  }
  return tf.mean(sequenceLosses(batch, objective, phi));
}

/**
 * The entropy bonus (CleanRL `ent_coef`): loss - entCoef * mean entropy over scored tokens. The
 * gradient pushes the policy towards higher entropy, which keeps it from collapsing before the mean
 * types can be told apart. `meanEntropy` is maskedMean of the (B, T) per-token entropy,
 * differentiable (the step computes it once, for this and for its telemetry); 0 returns `loss`.
 */
export function withEntropyBonus(loss: tf.Scalar, meanEntropy: tf.Scalar, entCoef: number): tf.Scalar {
  if (entCoef === 0) return loss;
  return tf.sub(loss, tf.mul(entCoef, meanEntropy)) as tf.Scalar;
}
