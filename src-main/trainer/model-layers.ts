/**
 * The pieces of the policy transformer (nanoGPT's pre-LN shape): initialisers, LayerNorm,
 * multi-head causal Attention, the ReLU Mlp and the Block that chains them, each with its weights,
 * their optimizer routing kinds and a differentiable forward in tfjs ops: the reference path, which
 * the native backends run. Where the fused kernels run (wasm, cpu), policy-model.ts runs the whole
 * trunk as one op on these weights instead (kernels/trunk-kernel.ts). What this is not: the whole
 * model (policy-model.ts) or the KV-cached decoder (decoder.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Param } from './parameters.js';
import type { PolicyModelConfig } from './policy-model.js';
import type { Rng } from './rng.js';
import { causalSelfAttention } from './kernels/attention-kernel.js';
import { layerNorm, linear, matmul } from './tensor-ops.js';

/** Init std of every matrix (GPT-2); residual-branch outputs are further scaled by 1/sqrt(2 nLayers). */
export const INIT_STD = 0.02;
function variableFrom(data: Float32Array, shape: number[]): tf.Variable {
  const initial = tf.tensor(data, shape, 'float32');
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}

export function normalInit(rng: Rng, shape: [number, number], std: number): tf.Variable {
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = rng.truncatedNormal(std);
  return variableFrom(data, shape);
}

function constantInit(size: number, value: number): tf.Variable {
  return variableFrom(new Float32Array(size).fill(value), [size]);
}

/** LayerNorm over the last axis with a learned gain and bias. */
export class LayerNorm {
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly name: string, dim: number) {
    this.gain = constantInit(dim, 1);
    this.bias = constantInit(dim, 0);
  }

  params(): Param[] {
    return [
      { name: `${this.name}.gain`, variable: this.gain, kind: 'norm' },
      { name: `${this.name}.bias`, variable: this.bias, kind: 'norm' },
    ];
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return layerNorm(x, this.gain as tf.Tensor1D, this.bias as tf.Tensor1D); // (N, d)
  }
}

/** Multi-head causal self-attention; W_q, W_k, W_v, W_o are (d, d) without biases. */
export class Attention {
  readonly wq: tf.Variable;
  readonly wk: tf.Variable;
  readonly wv: tf.Variable;
  readonly wo: tf.Variable;
  readonly headDim: number;

  constructor(readonly name: string, rng: Rng, dModel: number, readonly nHeads: number, residualStd: number) {
    this.headDim = dModel / nHeads;
    this.wq = normalInit(rng.fork(`${name}.wq`), [dModel, dModel], INIT_STD);
    this.wk = normalInit(rng.fork(`${name}.wk`), [dModel, dModel], INIT_STD);
    this.wv = normalInit(rng.fork(`${name}.wv`), [dModel, dModel], INIT_STD);
    this.wo = normalInit(rng.fork(`${name}.wo`), [dModel, dModel], residualStd);
  }

  params(): Param[] {
    return (['wq', 'wk', 'wv', 'wo'] as const).map((w) => ({ name: `${this.name}.${w}`, variable: this[w], kind: 'hidden-matrix' }));
  }

  /**
   * x (B*T, d) already normalised -> update (B*T, d) and the max scaled logit per head (H);
   * `queryRows` (per sequence) limits the max logit to the rows training needs (see causalSelfAttention).
   */
  forward(x: tf.Tensor2D, batch: number, seqLen: number, queryRows?: readonly number[]): { y: tf.Tensor2D; maxLogit: tf.Tensor1D } {
    const q = matmul(x, this.wq as tf.Tensor2D); // (B*T, H*D)
    const k = matmul(x, this.wk as tf.Tensor2D); // (B*T, H*D)
    const v = matmul(x, this.wv as tf.Tensor2D); // (B*T, H*D)
    const { y, maxLogit } = causalSelfAttention(q, k, v, batch, seqLen, this.nHeads, queryRows); // (B*T, H*D), (H)
    return { y: matmul(y, this.wo as tf.Tensor2D), maxLogit }; // (B*T, d)
  }
}

/**
 * Two-layer MLP with ReLU. ReLU rather than GELU because the wasm backend fuses ReLU (and the bias)
 * into the matmul kernel and its gradient is a mask of the saved output; GELU has no wasm kernel,
 * so it would add about eight elementwise kernels each way on the widest activation (N, 4d).
 */
export class Mlp {
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly w2: tf.Variable;
  readonly b2: tf.Variable;

  constructor(readonly name: string, rng: Rng, dModel: number, hidden: number, residualStd: number) {
    this.w1 = normalInit(rng.fork(`${name}.w1`), [dModel, hidden], INIT_STD);
    this.b1 = constantInit(hidden, 0);
    this.w2 = normalInit(rng.fork(`${name}.w2`), [hidden, dModel], residualStd);
    this.b2 = constantInit(dModel, 0);
  }

  params(): Param[] {
    return [
      { name: `${this.name}.w1`, variable: this.w1, kind: 'hidden-matrix' },
      { name: `${this.name}.b1`, variable: this.b1, kind: 'bias' },
      { name: `${this.name}.w2`, variable: this.w2, kind: 'hidden-matrix' },
      { name: `${this.name}.b2`, variable: this.b2, kind: 'bias' },
    ];
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    const hidden = linear(x, this.w1 as tf.Tensor2D, this.b1 as tf.Tensor1D, 'relu'); // (N, 4d)
    return linear(hidden, this.w2 as tf.Tensor2D, this.b2 as tf.Tensor1D); // (N, d)
  }
}

/** Pre-LN block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
export class Block {
  readonly ln1: LayerNorm;
  readonly attn: Attention;
  readonly ln2: LayerNorm;
  readonly mlp: Mlp;

  constructor(readonly index: number, rng: Rng, config: PolicyModelConfig) {
    const name = `blocks.${index}`;
    const residualStd = INIT_STD / Math.sqrt(2 * config.nLayers);
    this.ln1 = new LayerNorm(`${name}.ln1`, config.dModel);
    this.attn = new Attention(`${name}.attn`, rng, config.dModel, config.nHeads, residualStd);
    this.ln2 = new LayerNorm(`${name}.ln2`, config.dModel);
    this.mlp = new Mlp(`${name}.mlp`, rng, config.dModel, config.mlpRatio * config.dModel, residualStd);
  }

  params(): Param[] {
    return [...this.ln1.params(), ...this.attn.params(), ...this.ln2.params(), ...this.mlp.params()];
  }

  /** x (B*T, d) -> (B*T, d); `queryRows` as in Attention.forward. */
  forward(x: tf.Tensor2D, batch: number, seqLen: number, queryRows?: readonly number[]): { x: tf.Tensor2D; maxLogit: tf.Tensor1D } {
    const { y, maxLogit } = this.attn.forward(this.ln1.apply(x), batch, seqLen, queryRows);
    const afterAttn = tf.add(x, y) as tf.Tensor2D; // (B*T, d)
    return { x: tf.add(afterAttn, this.mlp.forward(this.ln2.apply(afterAttn))), maxLogit }; // (B*T, d)
  }
}
