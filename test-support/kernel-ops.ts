/**
 * The trainer's kernel functions as differentiable tfjs ops, for tests only: each forward kernel
 * registered for the active backend with its gradient kernel behind it (the MLP as a custom
 * gradient), so that a test can hold every kernel to the tfjs reference composition in value and
 * in the gradient of every input. The model never runs these ops: the fused trunk
 * (src-main/trainer/kernels/trunk-kernel.ts) calls the same kernel functions directly.
 */
import * as tf from '@tensorflow/tfjs';
import { embedGradKernel, embedKernel } from '../src-main/trainer/kernels/embedding-kernel.js';
import { ensureKernel } from '../src-main/trainer/kernels/kernel-io.js';
import { layerNormGradKernel, layerNormKernel } from '../src-main/trainer/kernels/layer-norm-kernel.js';
import { mlpGradKernel, mlpKernel } from '../src-main/trainer/kernels/mlp-kernel.js';
import { projectGradKernel, projectKernel, weightNames } from '../src-main/trainer/kernels/projection-kernel.js';
import { gatherKernel, scatterAddKernel, type GatherAttrs } from '../src-main/trainer/kernels/row-gather-kernel.js';

const EMBED = 'HmpoEmbedding';
const EMBED_GRAD = 'HmpoEmbeddingGrad';
const GATHER = 'HmpoGatherRows';
const SCATTER_ADD = 'HmpoScatterAddRows';
const LAYER_NORM = 'HmpoLayerNorm';
const LAYER_NORM_GRAD = 'HmpoLayerNormGrad';
const MLP = 'HmpoMlp';
const MLP_GRAD = 'HmpoMlpGrad';

tf.registerGradient({
  kernelName: EMBED,
  inputsToSave: ['tokens', 'tokenTable', 'positionTable'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [tokens, tokenTable, positionTable] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [dTable, dPositions] = tf.engine().runKernel(EMBED_GRAD, { tokens, tokenTable, positionTable, dy: Array.isArray(dy) ? dy[0]! : dy }) as tf.Tensor[];
    return { tokens: () => tf.zeros(tokens.shape), tokenTable: () => dTable!, positionTable: () => dPositions! };
  },
});

/** int32 tokens (B, T) -> rows (B*T, d) of E[token] + P[position]; differentiable in E (V, d) and P (L >= T, d). */
export function fusedEmbedding(tokens: tf.Tensor2D, tokenTable: tf.Tensor2D, positionTable: tf.Tensor2D): tf.Tensor2D {
  ensureKernel(EMBED, embedKernel);
  ensureKernel(EMBED_GRAD, embedGradKernel);
  return tf.engine().runKernel(EMBED, { tokens, tokenTable, positionTable }) as tf.Tensor2D;
}

tf.registerGradient({
  kernelName: GATHER,
  gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const upstream = Array.isArray(dy) ? dy[0]! : dy;
    return { x: () => tf.engine().runKernel(SCATTER_ADD, { dy: upstream }, attrs) as tf.Tensor };
  },
});

/** x (N, d) -> (index.length, d) with row i = x[index[i]]; differentiable in x. */
export function gatherRows(x: tf.Tensor2D, index: readonly number[]): tf.Tensor2D {
  ensureKernel(GATHER, gatherKernel);
  ensureKernel(SCATTER_ADD, scatterAddKernel);
  const attrs: GatherAttrs = { index: index as number[], sourceRows: x.shape[0] };
  return tf.engine().runKernel(GATHER, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

tf.registerGradient({
  kernelName: LAYER_NORM,
  inputsToSave: ['x', 'gain'],
  outputsToSave: [false, true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x, gain, stats] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const dOut = Array.isArray(dy) ? dy[0]! : dy;
    const [dx, dGain, dBias] = tf.engine().runKernel(LAYER_NORM_GRAD, { x, gain, stats, dy: dOut }) as tf.Tensor[];
    return { x: () => dx!, gain: () => dGain!, bias: () => dBias! };
  },
});

/** Layer norm of each row of x (N, d) with gain and bias (d) -> (N, d); differentiable in all three. */
export function fusedLayerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D): tf.Tensor2D {
  ensureKernel(LAYER_NORM, layerNormKernel);
  ensureKernel(LAYER_NORM_GRAD, layerNormGradKernel);
  const [y] = tf.engine().runKernel(LAYER_NORM, { x, gain, bias }) as tf.Tensor[];
  return y as tf.Tensor2D;
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

/** One forward kernel name per weight count (1: W_o, 3: Q, K, V): a gradient config saves a fixed list of inputs. */
const COUNTS = [1, 3] as const;
const forwardName = (count: number) => `HmpoProjections${count}`;
const PROJECT_GRAD = 'HmpoProjectionsGrad';

for (const count of COUNTS) {
  tf.registerGradient({
    kernelName: forwardName(count),
    inputsToSave: ['x', ...weightNames(count)],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dys = Array.isArray(dy) ? dy : [dy];
      const [x, ...weights] = saved as [tf.Tensor, ...tf.Tensor[]];
      // An output nothing used has no gradient (null): it contributes zeros.
      const filled = weights.map((w, i) => dys[i] ?? tf.zeros([x.shape[0]!, w.shape[1]!]));
      const named = Object.fromEntries([...weights.map((w, i) => [`w${i}`, w]), ...filled.map((d, i) => [`dy${i}`, d])]) as tf.NamedTensorMap;
      const grads = tf.engine().runKernel(PROJECT_GRAD, { x, ...named }, attrs) as tf.Tensor[];
      return Object.fromEntries([['x', () => grads[0]!], ...grads.slice(1).map((g, i) => [`w${i}`, () => g])]) as Record<string, () => tf.Tensor>;
    },
  });
}

/** x (N, dIn) times each of `weights` (dIn, dOut_i) -> one (N, dOut_i) per weight; differentiable. */
export function fusedProjections(x: tf.Tensor2D, weights: tf.Tensor2D[]): tf.Tensor2D[] {
  if (!(COUNTS as readonly number[]).includes(weights.length)) throw new Error(`fusedProjections: ${weights.length} weights; supported counts are ${COUNTS.join(', ')}`);
  for (const count of COUNTS) ensureKernel(forwardName(count), projectKernel);
  ensureKernel(PROJECT_GRAD, projectGradKernel);
  const named = Object.fromEntries(weights.map((w, i) => [`w${i}`, w]));
  return tf.engine().runKernel(forwardName(weights.length), { x, ...named }, { count: weights.length }) as tf.Tensor2D[];
}
