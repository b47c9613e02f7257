/**
 * The transformer's MLP, relu(x W1 + b1) W2 + b2, as one kernel each way. Forward: two fused
 * matmul calls straight to the backend (bias and ReLU fused, no engine dispatch between them), the
 * hidden activation kept for the backward. Backward: dW2, db2, the ReLU mask, dW1, db1 and dx in one
 * kernel, four products (dense-products.ts: the weight gradients read x transposed in place, the
 * input gradients take explicitly transposed weights). The tfjs
 * reference is tensor-ops.ts `linear` twice (two customGrads, about ten kernels backward).
 * The fused trunk (trunk-kernel.ts) calls these kernel functions; test-support/kernel-ops.ts wraps
 * them as tfjs ops for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { biasGradient, productInfo, reluBackwardInPlace, transposeInfo, weightGradient } from './dense-products.js';
import type { KernelArgs } from './kernel-io.js';

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
