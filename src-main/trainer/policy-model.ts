/**
 * The policy: a small pre-LN causal transformer (nanoGPT's shape) built from the layers in
 * model-layers.ts. `forward` is the teacher-forced, differentiable pass (it also records the
 * per-head max attention logit QK-clip needs); `trunk` is the same without the output head;
 * `startDecoding` hands out the KV-cached decoder (decoder.ts) that sampling drives. Weights go in
 * and out as checkpoint tensors. This file does not sample, score or train, and owns no optimizer
 * state.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointTensor } from '../../src-shared/checkpoint.js';
import { Decoder } from './decoder.js';
import { fusedKernelsOn } from './kernels/kernel-io.js';
import { sharedPrefixRows } from './kernels/row-gather-kernel.js';
import { fusedTrunk, type TrunkWeights } from './kernels/trunk-kernel.js';
import { Block, INIT_STD, LayerNorm, normalInit } from './model-layers.js';
import type { AttentionProjections, Param, ParamKind } from './parameters.js';
import { Rng } from './rng.js';
import { matmul, oneHotFloat } from './tensor-ops.js';

/** Model shape; the run's `model` block plus what the task and the run fix. */
export interface PolicyModelConfig {
  readonly vocabSize: number;
  /** Longest sequence (prompt + completion) the learned positional embedding covers. */
  readonly maxSeqLen: number;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  /** MLP hidden width = mlpRatio * dModel. */
  readonly mlpRatio: number;
  /** Initialisation seed: the same config and seed give bit-identical weights. */
  readonly seed: number;
}

/** Output of the teacher-forced pass. */
export interface ForwardResult {
  /** (B, T, V): position t predicts token t + 1. */
  readonly logits: tf.Tensor3D;
  /**
   * (nLayers, nHeads): max over the batch and the causal positions of the pre-softmax logit
   * q·k / sqrt(headDim), scale included (objectives.md section 6). Not meant to be differentiated.
   */
  readonly attnMaxLogits: tf.Tensor2D;
}

/** The policy network. Create with a config, free with `dispose()`. */
export class PolicyModel {
  readonly tokenEmbedding: tf.Variable;
  readonly positionEmbedding: tf.Variable;
  readonly blocks: readonly Block[];
  readonly lnFinal: LayerNorm;
  readonly head: tf.Variable;

  constructor(readonly config: PolicyModelConfig) {
    const { vocabSize, maxSeqLen, dModel, nLayers, nHeads, mlpRatio, seed } = config;
    for (const [key, value] of Object.entries({ vocabSize, maxSeqLen, dModel, nLayers, nHeads, mlpRatio })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`PolicyModel: ${key} must be a positive integer, got ${value}`);
    }
    if (dModel % nHeads !== 0) throw new Error(`PolicyModel: dModel ${dModel} is not divisible by nHeads ${nHeads}`);
    const rng = new Rng(seed);
    this.tokenEmbedding = normalInit(rng.fork('tokenEmbedding'), [vocabSize, dModel], INIT_STD);
    this.positionEmbedding = normalInit(rng.fork('positionEmbedding'), [maxSeqLen, dModel], INIT_STD);
    this.blocks = Array.from({ length: nLayers }, (_, i) => new Block(i, rng, config));
    this.lnFinal = new LayerNorm('lnFinal', dModel);
    this.head = normalInit(rng.fork('head'), [dModel, vocabSize], INIT_STD);
  }

  /** Every trainable tensor, in a fixed order, with its optimizer routing kind. */
  params(): Param[] {
    const kinded = (name: string, variable: tf.Variable, kind: ParamKind): Param => ({ name, variable, kind });
    return [
      kinded('tokenEmbedding', this.tokenEmbedding, 'embedding'),
      kinded('positionEmbedding', this.positionEmbedding, 'embedding'),
      ...this.blocks.flatMap((b) => b.params()),
      ...this.lnFinal.params(),
      kinded('head', this.head, 'output-head'),
    ];
  }

  /** Per-layer W_q / W_k handles for QK-clip, in head-column layout. */
  attentionProjections(): AttentionProjections[] {
    return this.blocks.map((b) => ({ layer: b.index, wq: b.attn.wq, wk: b.attn.wk, nHeads: b.attn.nHeads, headDim: b.attn.headDim }));
  }

  /**
   * Teacher-forced pass over int32 tokens (B, T), T <= maxSeqLen. Differentiable w.r.t. every
   * variable; call inside tf.tidy (or tf.variableGrads). `rowsNeeded` as in `trunk`.
   */
  forward(tokens: tf.Tensor2D, rowsNeeded?: readonly number[]): ForwardResult {
    const [batch, seqLen] = tokens.shape;
    const { hidden, attnMaxLogits } = this.trunk(tokens, rowsNeeded);
    const logits = matmul(hidden, this.head as tf.Tensor2D); // (B*T, V)
    return { logits: tf.reshape(logits, [batch, seqLen, this.config.vocabSize]), attnMaxLogits }; // (B, T, V)
  }

  /**
   * Everything but the output head: the final layer-normalised hidden state of each position
   * (B*T, d) and the per-head max attention logits. Sampling's scorer puts its own fused head on
   * this (kernels/head-kernel.ts), computing logits only where a completion token is predicted.
   * `rowsNeeded` (B): the leading rows of each sequence the caller reads; the hidden state of a
   * later row is unspecified (with the fused kernels, a copy of the last needed row: the dense
   * layers skip those rows), and the max logits cover the needed rows only, on every path.
   */
  trunk(tokens: tf.Tensor2D, rowsNeeded?: readonly number[]): { hidden: tf.Tensor2D; attnMaxLogits: tf.Tensor2D } {
    const [batch, seqLen] = tokens.shape;
    if (rowsNeeded !== undefined && (rowsNeeded.length !== batch || rowsNeeded.some((n) => !Number.isInteger(n) || n < 1 || n > seqLen))) {
      throw new Error(`PolicyModel.trunk: rowsNeeded must hold ${batch} counts in 1..${seqLen}`);
    }
    const { vocabSize, dModel, maxSeqLen } = this.config;
    if (seqLen > maxSeqLen) throw new Error(`PolicyModel.forward: ${seqLen} tokens exceed maxSeqLen ${maxSeqLen}`);
    if (fusedKernelsOn()) {
      // A GRPO group repeats its prompt: the dense layers run once per distinct prefix, and not at all past rowsNeeded.
      const rows = sharedPrefixRows(tokens.dataSync() as Int32Array, batch, seqLen, rowsNeeded);
      return fusedTrunk(tokens, this.trunkWeights(), this.config.nHeads, rows.compress.length < batch * seqLen ? rows : undefined, rowsNeeded);
    }
    // Embedding as one-hot x E: tf.gather has no gradient on the wasm backend.
    const oneHot = oneHotFloat(tf.reshape(tokens, [batch * seqLen]), vocabSize) as tf.Tensor2D; // (B*T, V)
    const tokenRows = tf.reshape(matmul(oneHot, this.tokenEmbedding as tf.Tensor2D), [batch, seqLen, dModel]); // (B, T, d)
    const positions = tf.slice(this.positionEmbedding, [0, 0], [seqLen, dModel]); // (T, d)
    let x = tf.reshape(tf.add(tokenRows, positions), [batch * seqLen, dModel]) as tf.Tensor2D; // (B*T, d)
    const maxLogits: tf.Tensor1D[] = [];
    for (const block of this.blocks) {
      const out = block.forward(x, batch, seqLen, rowsNeeded);
      x = out.x;
      maxLogits.push(out.maxLogit);
    }
    return { hidden: this.lnFinal.apply(x), attnMaxLogits: tf.stack(maxLogits) as tf.Tensor2D }; // (B*T, d), (nLayers, nHeads)
  }

  /** The weights in the fused trunk's input order (kernels/trunk-kernel.ts). */
  private trunkWeights(): TrunkWeights {
    const t1 = (v: tf.Variable) => v as tf.Tensor1D, t2 = (v: tf.Variable) => v as tf.Tensor2D;
    return {
      tokenTable: t2(this.tokenEmbedding), positionTable: t2(this.positionEmbedding),
      blocks: this.blocks.map((b) => ({
        ln1Gain: t1(b.ln1.gain), ln1Bias: t1(b.ln1.bias), wq: t2(b.attn.wq), wk: t2(b.attn.wk), wv: t2(b.attn.wv), wo: t2(b.attn.wo),
        ln2Gain: t1(b.ln2.gain), ln2Bias: t1(b.ln2.bias), w1: t2(b.mlp.w1), b1: t1(b.mlp.b1), w2: t2(b.mlp.w2), b2: t1(b.mlp.b2),
      })),
      finalGain: t1(this.lnFinal.gain), finalBias: t1(this.lnFinal.bias),
    };
  }

  /** Copies every weight out as plain data, keyed by `Param.name`. */
  getWeights(): Map<string, CheckpointTensor> {
    // Copy: on the cpu backend dataSync hands out the live buffer.
    return new Map(this.params().map((p) => [p.name, { shape: [...p.variable.shape], data: (p.variable.dataSync() as Float32Array).slice() }]));
  }

  /** Overwrites every weight from `getWeights()` output; names and shapes must match exactly. */
  setWeights(weights: ReadonlyMap<string, CheckpointTensor>): void {
    const params = this.params();
    const problems: string[] = [];
    for (const p of params) {
      const w = weights.get(p.name);
      if (w === undefined) problems.push(`missing ${p.name}`);
      else if (w.shape.join('x') !== p.variable.shape.join('x') || w.data.length !== p.variable.size) {
        problems.push(`${p.name} has shape [${w.shape.join(', ')}], expected [${p.variable.shape.join(', ')}]`);
      }
    }
    const known = new Set(params.map((p) => p.name));
    for (const name of weights.keys()) if (!known.has(name)) problems.push(`unknown weight ${name}`);
    if (problems.length > 0) throw new Error(`PolicyModel.setWeights: ${problems.join('; ')}`);
    for (const p of params) {
      const w = weights.get(p.name)!;
      tf.tidy(() => p.variable.assign(tf.tensor(w.data, [...w.shape], 'float32')));
    }
  }

  /** A new model with the same config and a copy of these weights (a frozen reference or old policy). */
  clone(): PolicyModel {
    const copy = new PolicyModel(this.config);
    copy.setWeights(this.getWeights());
    return copy;
  }

  /** Starts an incremental, KV-cached pass over a batch (see `Decoder`). Dispose it when done. */
  startDecoding(batchSize: number, temperature: number): Decoder {
    return new Decoder(this, batchSize, temperature);
  }

  /** Frees every variable; decoders already started keep their own snapshot until disposed. */
  dispose(): void {
    for (const p of this.params()) p.variable.dispose();
  }
}
