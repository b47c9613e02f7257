/**
 * The transformer's MLP, relu(x W1 + b1) W2 + b2, as one kernel each way. Forward: two fused
 * matmul calls straight to the backend (bias and ReLU fused, no engine dispatch between them), the
 * hidden activation kept for the backward. Backward: dW2, db2, the ReLU mask, dW1, db1 and dx in one
 * kernel, four products (dense-products.ts: the weight gradients read x transposed in place, the
 * input gradients take explicitly transposed weights). The tfjs
 * reference is tensor-ops.ts `linear` twice (two customGrads, about ten kernels backward).
 */
import * as tf from '@tensorflow/tfjs';
import { biasGradient, productInfo, reluBackwardInPlace, transposeInfo, weightGradient } from './dense-products.js';
import { ensureKernel, type KernelArgs } from './kernel-io.js';

const MLP = 'HmpoMlp';
const MLP_GRAD = 'HmpoMlpGrad';

export function mlpKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const hidden = productInfo(be, inputs.x!, inputs.w1!, inputs.b1!, 'relu'); // (N, 4d)
  const y = productInfo(be, hidden, inputs.w2!, inputs.b2!); // (N, d)
  return [y, hidden];
}

export function mlpGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  // Everything stays in backend memory.
  const dW2 = weightGradient(be, inputs.hidden!, inputs.dy!); // (4d, d)
  const w2T = transposeInfo(be, inputs.w2!); // (d, 4d)
  const dz = productInfo(be, inputs.dy!, w2T); // (N, 4d): d hidden, then d pre-activation in place
  const w1T = transposeInfo(be, inputs.w1!); // (4d, d)
  reluBackwardInPlace(be, dz, inputs.hidden!); // ReLU'(z) from the saved output
  const db1 = biasGradient(be, dz);
  const db2 = biasGradient(be, inputs.dy!);
  const dW1 = weightGradient(be, inputs.x!, dz); // (d, 4d)
  const dx = productInfo(be, dz, w1T); // (N, d)
  for (const t of [w1T, w2T, dz]) be.disposeData(t.dataId);
  return [dx, dW1, db1, dW2, db2];
}

/**
 * The differentiable MLP as a custom gradient rather than a registered one: the hidden activation
 * is saved for the backward without being an output of the op. An output that no gradient reaches
 * gets a zeros tensor of its size in the backward (tfjs fills every null dy), and for the (N, 4d)
 * hidden that was the largest allocation of the step.
 */
const mlpWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w1, b1, w2, b2] = args as tf.Tensor[];
  const save = args[5] as tf.GradSaveFunc;
  const [y, hidden] = tf.engine().runKernel(MLP, { x: x!, w1: w1!, b1: b1!, w2: w2!, b2: b2! }) as tf.Tensor[];
  save([x!, w1!, w2!, hidden!]);
  return {
    value: y!,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw1, sw2, sHidden] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.engine().runKernel(MLP_GRAD, { x: sx, w1: sw1, w2: sw2, hidden: sHidden, dy }) as tf.Tensor[]; // dx, dW1, db1, dW2, db2: the inputs' order
    },
  };
});

/** relu(x W1 + b1) W2 + b2 for x (N, d) -> (N, d); differentiable in x and every weight. */
export function fusedMlp(x: tf.Tensor2D, w1: tf.Tensor2D, b1: tf.Tensor1D, w2: tf.Tensor2D, b2: tf.Tensor1D): tf.Tensor2D {
  ensureKernel(MLP, mlpKernel);
  ensureKernel(MLP_GRAD, mlpGradKernel);
  return mlpWithGradient(x, w1, b1, w2, b2) as tf.Tensor2D;
}
