/**
 * The sequence-level power-mean loss with a fixed p (gspo, gmpo, hmpo, amp, power presets, KL off)
 * as one kernel each way: token log-ratios, the GMPO token clip, log M_p per sequence, the
 * sequence ratio, the optional GSPO sequence clip and the batch mean, in float64 on the JS side;
 * backward gives d loss / d logpNew in closed form. The tfjs composition it replaces
 * (objectives.ts sequenceLosses) is about 150 kernels forward and 300 backward on a (16, 16) batch,
 * each costing more in dispatch than its arithmetic. What this is not: the learnable-p or AGM
 * presets, or a KL penalty (those keep the tfjs path, which is also the reference in the tests).
 */
import * as tf from '@tensorflow/tfjs';
import { logPowerMeanValues, signAwareClipValues, tokenLogRatioValues, type BatchValues } from '../power-mean-values.js';
import { ensureKernel, floatsOf, outputOf, type KernelArgs } from './kernel-io.js';

const LOSS = 'HmpoPowerMeanLoss';
const LOSS_GRAD = 'HmpoPowerMeanLossGrad';

/** The objective's knobs as kernel attributes; null is passed as -1 (every real value is >= 0). */
interface LossAttrs {
  p: number;
  tokenClip: number;
  seqClipLow: number;
  seqClipHigh: number;
}

function valuesOf(be: tf.KernelBackend, inputs: tf.NamedTensorInfoMap): BatchValues {
  const [batch, length] = inputs.logpNew!.shape as [number, number];
  // Copies: the gradient kernel allocates its output after reading, which may move the wasm heap.
  return {
    batch, length,
    logpNew: floatsOf(be, inputs.logpNew!).slice(), logpOld: floatsOf(be, inputs.logpOld!).slice(),
    mask: floatsOf(be, inputs.mask!).slice(), advantages: floatsOf(be, inputs.advantages!).slice(),
  };
}

/** Per-sequence losses and d loss_i / d z_t (B*T, before the batch mean's 1/B). */
function lossAndGradient(v: BatchValues, attrs: LossAttrs, withGradient: boolean): { losses: Float64Array; dz: Float64Array | null } {
  const { batch, length, advantages, mask } = v;
  const x = tokenLogRatioValues(v);
  const { z, clipped } = attrs.tokenClip >= 0 ? signAwareClipValues(x, advantages, length, attrs.tokenClip) : { z: x, clipped: null };
  const weights = withGradient ? new Float64Array(batch * length) : undefined;
  const logM = logPowerMeanValues(z, mask, batch, length, attrs.p, weights);
  const losses = new Float64Array(batch);
  const dz = weights ?? null;
  const seqClip = attrs.seqClipLow >= 0 && attrs.seqClipHigh >= 0;
  for (let b = 0; b < batch; b++) {
    const rho = Math.exp(logM[b]!), a = advantages[b]!;
    let dRho = -a; // d loss_b / d rho
    if (seqClip) {
      const [lo, hi] = [1 - attrs.seqClipLow, 1 + attrs.seqClipHigh];
      const unclipped = rho * a, held = Math.min(Math.max(rho, lo), hi) * a;
      losses[b] = -Math.min(unclipped, held);
      // tf.minimum sends the gradient to its first argument on ties; clipByValue passes it inside [lo, hi].
      dRho = unclipped <= held ? -a : rho >= lo && rho <= hi ? -a : 0;
    } else {
      losses[b] = -rho * a;
    }
    if (dz) for (let t = b * length; t < (b + 1) * length; t++) dz[t] = clipped?.[t] ? 0 : dRho * rho * dz[t]!;
  }
  return { losses, dz };
}

function lossKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as tf.KernelBackend;
  const { losses } = lossAndGradient(valuesOf(be, inputs), attrs as unknown as LossAttrs, false);
  const mean = losses.reduce((s, l) => s + l, 0) / losses.length;
  return outputOf(be, Float32Array.of(mean), []);
}

function lossGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as tf.KernelBackend;
  const values = valuesOf(be, inputs);
  const dy = floatsOf(be, inputs.dy!)[0]!;
  const { dz } = lossAndGradient(values, attrs as unknown as LossAttrs, true);
  const scale = dy / values.batch;
  // x = logpNew - logpOld on the mask, so d loss / d logpNew = d loss / d z there (the clip's zeros included).
  return outputOf(be, Float32Array.from(dz!, (g, i) => (values.mask[i]! > 0 ? g * scale : 0)), [values.batch, values.length]);
}

tf.registerGradient({
  kernelName: LOSS,
  inputsToSave: ['logpNew', 'logpOld', 'mask', 'advantages'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [logpNew, logpOld, mask, advantages] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const upstream = Array.isArray(dy) ? dy[0]! : dy;
    const zeros = (t: tf.Tensor) => () => tf.zerosLike(t); // constants in training: never asked for
    return {
      logpNew: () => tf.engine().runKernel(LOSS_GRAD, { dy: upstream, logpNew, logpOld, mask, advantages }, attrs) as tf.Tensor,
      logpOld: zeros(logpOld), mask: zeros(mask), advantages: zeros(advantages),
    };
  },
});

/** The objective settings this kernel computes; anything else takes the tfjs path. */
export interface FusedPowerMeanObjective {
  readonly p: number;
  readonly tokenClip: number | null;
  readonly seqClipLow: number | null;
  readonly seqClipHigh: number | null;
}

/**
 * mean_i loss_i with loss_i = -A_i rho_i (or the PPO min form under a sequence clip), rho_i the
 * power mean M_p of the (clipped) token ratios of sequence i: objectives.ts policyLoss for a
 * fixed-p sequence preset without KL. Differentiable w.r.t. logpNew only.
 */
export function fusedPowerMeanLoss(logpNew: tf.Tensor2D, logpOld: tf.Tensor2D, mask: tf.Tensor2D, advantages: tf.Tensor1D, objective: FusedPowerMeanObjective): tf.Scalar {
  ensureKernel(LOSS, lossKernel);
  ensureKernel(LOSS_GRAD, lossGradKernel);
  const attrs: LossAttrs = { p: objective.p, tokenClip: objective.tokenClip ?? -1, seqClipLow: objective.seqClipLow ?? -1, seqClipHigh: objective.seqClipHigh ?? -1 };
  return tf.engine().runKernel(LOSS, { logpNew, logpOld, mask, advantages }, attrs as unknown as tf.NamedAttrMap) as tf.Scalar;
}
