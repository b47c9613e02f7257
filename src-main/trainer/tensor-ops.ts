/**
 * Tensor ops with hand-written gradients, tuned for the tfjs WebAssembly backend: matrix products,
 * the fused linear layer and layer normalisation, plus a float one-hot. This is the tfjs reference
 * path the fused kernels (kernels/) are tested against and the fallback where those do not run.
 * Pure functions over tensors; callers own tidy scopes. What this is not: a general linear-algebra
 * layer (2-D float32 only) or attention (kernels/attention-kernel.ts).
 *
 * Why (measured on tfjs-backend-wasm 4.22, one core, see bench/trainer-bench.ts):
 * - Only an untransposed 2-D product reaches XNNPACK (~13-18 GMAC/s); a transposeA/transposeB flag
 *   on a 2-D product falls back to a naive loop (~1.3 GMAC/s, 12x slower). tf.matMul's own
 *   gradient uses those flags, so we transpose explicitly instead.
 * - XNNPACK packs the right-hand operand and caches the pack per tensor: weights pack once per
 *   update, but a freshly computed right operand is packed on every call (~3 ns per element).
 *   The weight gradient therefore puts the smaller activation on the right (see `weightGrad`).
 * - Every batched (3-D) product takes a scalar loop (~0.5-1 GMAC/s), so attention does not use
 *   them (kernels/attention-loops.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** Activation fused into `linear`; ReLU is the only non-linear one wasm's fused matmul offers. */
export type LinearActivation = 'linear' | 'relu';

/**
 * dW = xᵀ dz for x (N, dIn) and dz (N, dOut), computed so that the operand XNNPACK must pack
 * (the right one) is the smaller of the two activations. Also returns the column sums of dz (the
 * bias gradient) when asked, from the transposed dz when there is one (a row reduction is cheap,
 * a column reduction costs tf a transpose).
 */
function weightGrad(x: tf.Tensor2D, dz: tf.Tensor2D, withBias = false): { dw: tf.Tensor2D; db: tf.Tensor1D | null } {
  const [, dIn] = x.shape;
  const [, dOut] = dz.shape;
  if (dOut > dIn) {
    const dzT = tf.transpose(dz); // (dOut, N)
    return {
      dw: tf.transpose(tf.matMul(dzT, x) as tf.Tensor2D), // (dOut, N) @ (N, dIn) -> (dOut, dIn) -> (dIn, dOut)
      db: withBias ? (tf.sum(dzT, 1) as tf.Tensor1D) : null, // (dOut)
    };
  }
  return {
    dw: tf.matMul(tf.transpose(x), dz), // (dIn, N) @ (N, dOut) -> (dIn, dOut)
    db: withBias ? (tf.sum(dz, 0) as tf.Tensor1D) : null, // (dOut)
  };
}

const matmulWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b), // (M, K) @ (K, N) -> (M, N)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), weightGrad(sa, g).dw]; // (M, N) @ (N, K); (K, N)
    },
  };
});

/** a (M, K) @ b (K, N) -> (M, N). Forward and backward stay on the fast untransposed 2-D path. */
export function matmul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matmulWithGrad(a, b) as tf.Tensor2D;
}

/**
 * The fused matmul + bias + activation kernel, always. Workaround: tf.fused.matMul falls back to
 * matMul + add + relu while a gradient tape is recording (tfjs-core fused_util `shouldFuse`), which
 * rounds differently, so the training forward and the no-grad scoring forward of the same weights
 * disagreed by ~5e-7 and an on-policy ratio was not exactly 1. Our customGrad supplies the gradient,
 * so calling the kernel directly is safe. Exit condition: tfjs fuses under a tape.
 */
function fusedLinear(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, activation: LinearActivation): tf.Tensor2D {
  const [n, dIn] = x.shape;
  const dOut = w.shape[1];
  const inputs = { a: tf.reshape(x, [1, n, dIn]), b: tf.reshape(w, [1, dIn, dOut]), bias }; // the kernel is batched: (1, N, dIn), (1, dIn, dOut)
  const y = tf.engine().runKernel('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 }) as tf.Tensor3D;
  return tf.reshape(y, [n, dOut]); // (N, dOut)
}

function makeLinear(activation: LinearActivation) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = fusedLinear(x, w, bias, activation); // (N, dIn) @ (dIn, dOut) + (dOut) -> (N, dOut)
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // ReLU'(z) is 1 where the output is positive: step(y) reads it off the saved output.
        const dz = (activation === 'relu' ? tf.mul(dy, tf.step(sy)) : dy) as tf.Tensor2D;
        const { dw, db } = weightGrad(sx, dz, true);
        return [tf.matMul(dz, tf.transpose(sw)), dw, db!]; // (N, dOut) @ (dOut, dIn); (dIn, dOut); (dOut)
      },
    };
  });
}

const linearByActivation: Record<LinearActivation, (...t: tf.Tensor[]) => tf.Tensor> = {
  linear: makeLinear('linear'),
  relu: makeLinear('relu'),
};

/**
 * activation(x (N, dIn) @ w (dIn, dOut) + bias (dOut)) -> (N, dOut) in one fused wasm kernel, with
 * a gradient that stays on the fast 2-D path like `matmul`.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, activation: LinearActivation = 'linear'): tf.Tensor2D {
  return linearByActivation[activation](x, w, bias) as tf.Tensor2D;
}

/** Epsilon added to the variance in layer normalisation (PyTorch's default). */
export const LAYER_NORM_EPS = 1e-5;

const layerNormWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, gain, bias, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
  const mean = tf.mean(x, 1, true); // (N, 1)
  const centered = tf.sub(x, mean); // (N, d)
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), LAYER_NORM_EPS)); // (N, 1)
  const xhat = tf.mul(centered, rstd); // (N, d)
  save([xhat, rstd, gain]);
  return {
    value: tf.add(tf.mul(xhat, gain), bias), // (N, d)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sxhat, srstd, sgain] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gain, per row.
      const g = tf.mul(dy, sgain); // (N, d)
      const meanG = tf.mean(g, 1, true); // (N, 1)
      const meanGx = tf.mean(tf.mul(g, sxhat), 1, true); // (N, 1)
      const dx = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(sxhat, meanGx)), srstd); // (N, d)
      return [dx, tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)];
    },
  };
});

/**
 * Layer normalisation of each row of x (N, d) with gain and bias (d) -> (N, d). The closed-form
 * gradient takes about half the kernels tf's autodiff of the composed ops would.
 */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D): tf.Tensor2D {
  return layerNormWithGrad(x, gain, bias) as tf.Tensor2D;
}

/**
 * One-hot rows as float32: int32 ids (...) -> (..., depth). Workaround: the wasm OneHot kernel
 * ignores `dtype` and writes int32 bit patterns into a float32 tensor (1 reads as 1.4e-45;
 * tfjs-backend-wasm 4.22, kernels/OneHot), so we build int32 and cast. Remove the cast once
 * tensor-ops.test.ts shows tf.oneHot(..., 'float32') correct on wasm.
 */
export function oneHotFloat(ids: tf.Tensor, depth: number): tf.Tensor {
  return tf.cast(tf.oneHot(ids, depth), 'float32');
}
