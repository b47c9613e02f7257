/**
 * Small differentiable building blocks the objectives need and tfjs lacks on every backend:
 * an accurate log1p (the wasm kernel computes log(1 + x) and returns 0 for x = 5e-8), and
 * branch selection on data-dependent conditions. Not a general op library.
 *
 * Why `select01` instead of tf.where: tfjs's Select gradient hands its condition a zero gradient,
 * and comparison ops (Greater, LessEqual, ...) have no gradient function, so a condition computed
 * from a differentiable tensor makes backprop throw "gradient function not found for LessEqual".
 * `tf.step` has a (zero) gradient, so indicators built from it are safe on the tape.
 */
import * as tf from '@tensorflow/tfjs';

/** 1 where x > 0, else 0; zero gradient. */
export function indicator(x: tf.Tensor): tf.Tensor {
  return tf.step(x);
}

/**
 * k * whenOne + (1 - k) * whenZero for a 0/1 indicator k. Both branches must be finite everywhere
 * (guard them), since 0 * Inf is NaN in forward and backward alike.
 */
export function select01(k: tf.Tensor, whenOne: tf.Tensor, whenZero: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(k, whenOne), tf.mul(tf.sub(1, k), whenZero));
}

/**
 * log(1 + x) accurate for tiny x (Goldberg's trick: log(w) * x / (w - 1) with w = fl(1 + x)),
 * with the exact gradient 1 / (1 + x). Requires x > -1.
 */
const log1pWithGradient = (x: tf.Tensor, save: tf.GradSaveFunc) => {
  const w = tf.add(x, 1);
  const wMinusOne = tf.sub(w, 1);
  const exactOne = tf.equal(wMinusOne, 0);
  const safeDenominator = tf.where(exactOne, tf.onesLike(x), wMinusOne);
  const value = tf.where(exactOne, x, tf.div(tf.mul(tf.log(w), x), safeDenominator));
  save([w]);
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, saved[0]!) };
};
export const log1p = tf.customGrad(log1pWithGradient as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
