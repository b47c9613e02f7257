/**
 * The quintic Newton-Schulz iteration Muon uses to approximately orthogonalise an update matrix
 * (objectives.md section 6, KellerJordan/Muon `zeropower_via_newtonschulz5`). Runs in float32 on
 * whatever tfjs backend is active; it neither scales the result nor touches any variable.
 */
import * as tf from '@tensorflow/tfjs';

/** Coefficients (a, b, c) tuned by KellerJordan to push singular values towards 1 quickly. */
const A = 3.4445;
const B = -4.775;
const C = 2.0315;
/** Keeps the Frobenius normalisation finite for an all-zero matrix. */
const NORM_EPSILON = 1e-7;

/**
 * Returns an approximately orthogonal matrix with g's singular vectors (singular values pushed into
 * roughly [0.7, 1.2], not exactly 1). The caller owns both g and the result.
 */
export function newtonSchulz(g: tf.Tensor2D, steps = 5): tf.Tensor2D {
  return tf.tidy(() => {
    // Work on the wide orientation so S = X X^T is the smaller (rows x rows) Gram matrix.
    const tall = g.shape[0] > g.shape[1];
    const oriented: tf.Tensor2D = tall ? tf.transpose(g) : g;
    let x = tf.div(oriented, tf.add(tf.norm(oriented), NORM_EPSILON)) as tf.Tensor2D;
    for (let i = 0; i < steps; i++) {
      // Explicit transposes: matMul's transpose flags are ~12x slower on the wasm backend.
      const s = tf.matMul(x, tf.transpose(x)); // (rows, rows)
      const poly = tf.add(tf.mul(s, B), tf.mul(tf.matMul(s, s), C)); // b S + c S^2
      x = tf.add(tf.mul(x, A), tf.matMul(poly, x));
    }
    return tall ? tf.transpose(x) : x;
  });
}
