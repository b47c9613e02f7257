/**
 * The policy: a small pre-LN causal transformer (nanoGPT's shape) as a short stack of small classes
 * with shape comments. `forward` is the teacher-forced, differentiable pass (it also records the
 * per-head max attention logit QK-clip needs); `Decoder` is the incremental KV-cached pass that
 * sampling.ts drives. This file does not sample, score or train, and owns no optimizer state.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionProjections, Param, ParamKind } from './parameters.js';
import { Rng } from './rng.js';
import { fusedEmbedding } from './kernels/embedding-kernel.js';
import { fusedKernelsOn } from './kernels/kernel-io.js';
import { fusedLayerNorm } from './kernels/layer-norm-kernel.js';
import { fusedMlp } from './kernels/mlp-kernel.js';
import { fusedProjections } from './kernels/projection-kernel.js';
import { AttentionArena, causalSelfAttention, layerNorm, linear, matmul, oneHotFloat, softmaxRows } from './tensor-ops.js';

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

/** One weight as plain data, for checkpoints and for copying a policy. */
export interface WeightArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Init std of every matrix (GPT-2); residual-branch outputs are further scaled by 1/sqrt(2 nLayers). */
const INIT_STD = 0.02;
function variableFrom(data: Float32Array, shape: number[]): tf.Variable {
  const initial = tf.tensor(data, shape, 'float32');
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}

function normalInit(rng: Rng, shape: [number, number], std: number): tf.Variable {
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = rng.truncatedNormal(std);
  return variableFrom(data, shape);
}

function constantInit(size: number, value: number): tf.Variable {
  return variableFrom(new Float32Array(size).fill(value), [size]);
}

/** LayerNorm over the last axis with a learned gain and bias. */
class LayerNorm {
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
    const norm = fusedKernelsOn() ? fusedLayerNorm : layerNorm;
    return norm(x, this.gain as tf.Tensor1D, this.bias as tf.Tensor1D); // (N, d)
  }
}

/** Multi-head causal self-attention; W_q, W_k, W_v, W_o are (d, d) without biases. */
class Attention {
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

  /** x (B*T, d) already normalised -> update (B*T, d) and the max scaled logit per head (H). */
  forward(x: tf.Tensor2D, batch: number, seqLen: number): { y: tf.Tensor2D; maxLogit: tf.Tensor1D } {
    if (fusedKernelsOn()) {
      const [q, k, v] = fusedProjections(x, [this.wq, this.wk, this.wv] as tf.Tensor2D[]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]; // (B*T, H*D) each
      const { y, maxLogit } = causalSelfAttention(q, k, v, batch, seqLen, this.nHeads); // (B*T, H*D), (H)
      return { y: fusedProjections(y, [this.wo as tf.Tensor2D])[0]!, maxLogit }; // (B*T, d)
    }
    const q = matmul(x, this.wq as tf.Tensor2D); // (B*T, H*D)
    const k = matmul(x, this.wk as tf.Tensor2D); // (B*T, H*D)
    const v = matmul(x, this.wv as tf.Tensor2D); // (B*T, H*D)
    const { y, maxLogit } = causalSelfAttention(q, k, v, batch, seqLen, this.nHeads); // (B*T, H*D), (H)
    return { y: matmul(y, this.wo as tf.Tensor2D), maxLogit }; // (B*T, d)
  }
}

/**
 * Two-layer MLP with ReLU. ReLU rather than GELU because the wasm backend fuses ReLU (and the bias)
 * into the matmul kernel and its gradient is a mask of the saved output; GELU has no wasm kernel,
 * so it would add about eight elementwise kernels each way on the widest activation (N, 4d).
 */
class Mlp {
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
    if (fusedKernelsOn()) return fusedMlp(x, this.w1 as tf.Tensor2D, this.b1 as tf.Tensor1D, this.w2 as tf.Tensor2D, this.b2 as tf.Tensor1D); // (N, d)
    const hidden = linear(x, this.w1 as tf.Tensor2D, this.b1 as tf.Tensor1D, 'relu'); // (N, 4d)
    return linear(hidden, this.w2 as tf.Tensor2D, this.b2 as tf.Tensor1D); // (N, d)
  }
}

/** Pre-LN block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
class Block {
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

  forward(x: tf.Tensor2D, batch: number, seqLen: number): { x: tf.Tensor2D; maxLogit: tf.Tensor1D } {
    const { y, maxLogit } = this.attn.forward(this.ln1.apply(x), batch, seqLen);
    const afterAttn = tf.add(x, y) as tf.Tensor2D; // (B*T, d)
    return { x: tf.add(afterAttn, this.mlp.forward(this.ln2.apply(afterAttn))), maxLogit }; // (B*T, d)
  }
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
   * variable; call inside tf.tidy (or tf.variableGrads).
   */
  forward(tokens: tf.Tensor2D): ForwardResult {
    const [batch, seqLen] = tokens.shape;
    const { hidden, attnMaxLogits } = this.trunk(tokens);
    const logits = matmul(hidden, this.head as tf.Tensor2D); // (B*T, V)
    return { logits: tf.reshape(logits, [batch, seqLen, this.config.vocabSize]), attnMaxLogits }; // (B, T, V)
  }

  /**
   * Everything but the output head: the final layer-normalised hidden state of each position
   * (B*T, d) and the per-head max attention logits. Sampling's scorer puts its own fused head on
   * this (kernels/head-kernel.ts), computing logits only where a completion token is predicted.
   */
  trunk(tokens: tf.Tensor2D): { hidden: tf.Tensor2D; attnMaxLogits: tf.Tensor2D } {
    const [batch, seqLen] = tokens.shape;
    const { vocabSize, dModel, maxSeqLen } = this.config;
    if (seqLen > maxSeqLen) throw new Error(`PolicyModel.forward: ${seqLen} tokens exceed maxSeqLen ${maxSeqLen}`);
    let x: tf.Tensor2D;
    if (fusedKernelsOn()) {
      x = fusedEmbedding(tokens, this.tokenEmbedding as tf.Tensor2D, this.positionEmbedding as tf.Tensor2D); // (B*T, d)
    } else {
      // Embedding as one-hot x E: tf.gather has no gradient on the wasm backend.
      const oneHot = oneHotFloat(tf.reshape(tokens, [batch * seqLen]), vocabSize) as tf.Tensor2D; // (B*T, V)
      const tokenRows = tf.reshape(matmul(oneHot, this.tokenEmbedding as tf.Tensor2D), [batch, seqLen, dModel]); // (B, T, d)
      const positions = tf.slice(this.positionEmbedding, [0, 0], [seqLen, dModel]); // (T, d)
      x = tf.reshape(tf.add(tokenRows, positions), [batch * seqLen, dModel]) as tf.Tensor2D; // (B*T, d)
    }
    const maxLogits: tf.Tensor1D[] = [];
    for (const block of this.blocks) {
      const out = block.forward(x, batch, seqLen);
      x = out.x;
      maxLogits.push(out.maxLogit);
    }
    return { hidden: this.lnFinal.apply(x), attnMaxLogits: tf.stack(maxLogits) as tf.Tensor2D }; // (B*T, d), (nLayers, nHeads)
  }

  /** Copies every weight out as plain data, keyed by `Param.name`. */
  getWeights(): Map<string, WeightArray> {
    // Copy: on the cpu backend dataSync hands out the live buffer.
    return new Map(this.params().map((p) => [p.name, { shape: [...p.variable.shape], data: (p.variable.dataSync() as Float32Array).slice() }]));
  }

  /** Overwrites every weight from `getWeights()` output; names and shapes must match exactly. */
  setWeights(weights: ReadonlyMap<string, WeightArray>): void {
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

/** One layer's weights with the layer norms' gains and biases folded in, for the decoder. */
type FoldedLayer = {
  /** [W_q / sqrt(D) | W_k | W_v] (d, 3d) with LN1's gain folded in, and LN1's bias through them (3d). */
  readonly wqkv: tf.Tensor2D; readonly bqkv: tf.Tensor1D;
  readonly wo: tf.Tensor2D;
  readonly w1: tf.Tensor2D; readonly b1: tf.Tensor1D;
  readonly w2: tf.Tensor2D; readonly b2: tf.Tensor1D;
};

/** A weight's current values (a copy: the model may train while a decoder holds its snapshot). */
const valuesOf = (v: tf.Variable): Float32Array => (v.dataSync() as Float32Array).slice(); // slice: ~5x faster than Float32Array.from

/**
 * LN(x) W = normalize(x) (diag(gain) W) + bias W: folds a layer norm into the product after it,
 * times `scale`, on plain data (a few dozen small tf ops per layer cost more than these loops).
 * Returns W' (d, dOut) and b' (dOut).
 */
function foldNorm(ln: LayerNorm, w: tf.Variable, scale = 1): { w: Float32Array; b: Float32Array } {
  const [gain, bias, weights] = [valuesOf(ln.gain), valuesOf(ln.bias), valuesOf(w)];
  const [d, dOut] = w.shape as [number, number];
  const folded = new Float32Array(d * dOut);
  const through = new Float64Array(dOut);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < dOut; j++) {
      const wij = weights[i * dOut + j]!;
      folded[i * dOut + j] = wij * gain[i]! * scale;
      through[j] = through[j]! + bias[i]! * wij;
    }
  }
  return { w: folded, b: Float32Array.from(through, (x) => x * scale) };
}

/** Side by side: rows (d, a) | (d, b) | ... -> (d, a + b + ...), as tf.concat(parts, 1) would. */
function concatColumns(parts: Float32Array[], rows: number): Float32Array {
  const widths = parts.map((p) => p.length / rows);
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let at = r * total;
    parts.forEach((p, i) => {
      out.set(p.subarray(r * widths[i]!, (r + 1) * widths[i]!), at);
      at += widths[i]!;
    });
  }
  return out;
}

/** The distinct rows of a row-major (B, width) array, and for each row the index of its distinct row. */
function uniqueRows(data: Int32Array, width: number): { rows: Int32Array; source: Int32Array } {
  const seen = new Map<string, number>();
  const batch = data.length / width;
  const source = new Int32Array(batch);
  const kept: number[] = [];
  for (let b = 0; b < batch; b++) {
    const row = data.subarray(b * width, (b + 1) * width);
    const key = row.join(',');
    let index = seen.get(key);
    if (index === undefined) {
      index = seen.size;
      seen.set(key, index);
      kept.push(b);
    }
    source[b] = index;
  }
  const rows = new Int32Array(kept.length * width);
  kept.forEach((b, i) => rows.set(data.subarray(b * width, (b + 1) * width), i * width));
  return { rows, source };
}

/**
 * The decoder's dense products, run as the backend's _FusedMatMul kernel called directly: no
 * engine tensors, scopes or bookkeeping around each of the ~150 small products of a rollout (that
 * overhead was about a third of their cost). Inputs are uploaded with backend.write, outputs read
 * with readSync and freed with disposeData; weights are passed by dataId, so XNNPACK keeps its
 * packed copy of each. Where the backend has no _FusedMatMul kernel, the same products go through
 * tf ops in a tidy scope.
 */
class DenseProducts {
  private readonly backend = tf.backend();
  private readonly fused = tf.getKernel('_FusedMatMul', tf.getBackend())?.kernelFunc;

  /**
   * activation(x (N, dIn) @ w (dIn, dOut) + b) -> (N, dOut), handed to `use`: a view of the
   * backend's memory where it has one (wasm), valid only until `use` returns.
   */
  affine(x: Float32Array, w: tf.Tensor2D, b: tf.Tensor1D | null, activation: 'linear' | 'relu', use: (values: Float32Array) => void): void {
    if (!this.fused) {
      use(readBack(() => tf.fused.matMul({ a: tf.tensor2d(x, [x.length / w.shape[0], w.shape[0]]), b: w, ...(b ? { bias: b } : {}), activation })));
      return;
    }
    const input = this.upload(x, w.shape[0]);
    const out = this.product(input, w, b, activation);
    this.backend.disposeData(input.dataId);
    this.consume(out, use);
  }

  /** relu(x W1 + b1) W2 + b2 (the MLP), one upload and one readback, handed to `use` as above. */
  mlp(x: Float32Array, layer: FoldedLayer, use: (values: Float32Array) => void): void {
    if (!this.fused) {
      use(readBack(() => {
        const hidden = tf.fused.matMul({ a: tf.tensor2d(x, [x.length / layer.w1.shape[0], layer.w1.shape[0]]), b: layer.w1, bias: layer.b1, activation: 'relu' }); // (N, 4d)
        return tf.fused.matMul({ a: hidden, b: layer.w2, bias: layer.b2 }); // (N, d)
      }));
      return;
    }
    const input = this.upload(x, layer.w1.shape[0]);
    const hidden = this.product(input, layer.w1, layer.b1, 'relu'); // (N, 4d)
    this.backend.disposeData(input.dataId);
    const out = this.product(hidden, layer.w2, layer.b2, 'linear'); // (N, d)
    this.backend.disposeData(hidden.dataId);
    this.consume(out, use);
  }

  /** x as a (1, N, width) float32 tensor of the backend's own (the kernel is batched). */
  private upload(x: Float32Array, width: number): tf.TensorInfo {
    const shape = [1, x.length / width, width];
    return { dataId: this.backend.write(x, shape, 'float32'), shape, dtype: 'float32' };
  }

  private product(a: tf.TensorInfo, w: tf.Tensor2D, b: tf.Tensor1D | null, activation: 'linear' | 'relu'): tf.TensorInfo {
    const weights: tf.TensorInfo = { dataId: w.dataId, shape: [1, ...w.shape], dtype: 'float32' };
    const inputs: tf.NamedTensorInfoMap = { a, b: weights, ...(b ? { bias: { dataId: b.dataId, shape: b.shape, dtype: 'float32' as const } } : {}) };
    return this.fused!({ inputs, backend: this.backend, attrs: { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 } }) as tf.TensorInfo;
  }

  /** Hands the output's values to `use` (no copy on wasm), then frees it. */
  private consume(out: tf.TensorInfo, use: (values: Float32Array) => void): void {
    const heap = this.backend as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
    use(heap.typedArrayFromHeap ? heap.typedArrayFromHeap(out) : (this.backend.readSync(out.dataId) as Float32Array));
    this.backend.disposeData(out.dataId);
  }
}

/**
 * Runs `f` in a tidy scope and returns the data it reads back. The array is handed out through a
 * variable, not as tidy's result: tidy walks its result looking for tensors, element by element
 * for a typed array (that walk cost more than the matmuls).
 */
function readBack(f: () => tf.Tensor): Float32Array {
  let out: Float32Array | undefined;
  tf.tidy(() => {
    out = f().dataSync() as Float32Array;
  });
  return out!;
}

/** Cache memory of disposed decoders, reused by the next ones (a rollout starts one decoder). */
const arenaPool: AttentionArena[] = [];

/**
 * Incremental pass with a KV cache: `prefill` runs the prompts once, then each `step` runs one new
 * position per sequence against the cached keys and values, so a token costs one position's work.
 * Weights are snapshotted at creation with the layer norms folded into the next matmul, the
 * 1/sqrt(headDim) folded into W_q and 1/temperature folded into the head; logits come back as one
 * Float32Array (B, V) per call so the caller samples on the JS side. No gradient flows here.
 *
 * Where the work runs (measured on wasm, see bench/trainer-bench.ts): the dense products go to
 * tfjs (XNNPACK), three uploads and three readbacks per layer; the residual stream, the layer
 * norms and attention stay on the JS side, attention on the SIMD loops of tensor-ops.ts over a KV
 * cache preallocated in the decoder's own memory (B*H, maxSeqLen, D) per layer, so a step writes
 * one row per head instead of concatenating the whole cache.
 */
export class Decoder {
  private readonly layers: FoldedLayer[];
  private readonly head: { w: tf.Tensor2D; b: tf.Tensor1D };
  private readonly tokenRows: Float32Array;
  private readonly positionRows: Float32Array;
  private readonly arena = arenaPool.pop() ?? new AttentionArena();
  private readonly dense = new DenseProducts();
  private position = 0;
  private readonly finished: Uint8Array;

  constructor(private readonly model: PolicyModel, readonly batchSize: number, temperature: number) {
    this.finished = new Uint8Array(batchSize);
    if (!(temperature > 0)) throw new Error(`Decoder: temperature must be > 0, got ${temperature}`);
    this.tokenRows = valuesOf(model.tokenEmbedding); // (V, d), a snapshot
    this.positionRows = valuesOf(model.positionEmbedding); // (L, d)
    const { dModel: d, vocabSize } = model.config;
    this.layers = model.blocks.map((b): FoldedLayer => {
      const q = foldNorm(b.ln1, b.attn.wq, 1 / Math.sqrt(b.attn.headDim));
      const k = foldNorm(b.ln1, b.attn.wk);
      const v = foldNorm(b.ln1, b.attn.wv);
      const fc1 = foldNorm(b.ln2, b.mlp.w1);
      const hidden = b.mlp.w1.shape[1]!;
      const b1 = valuesOf(b.mlp.b1);
      return {
        wqkv: tf.tensor2d(concatColumns([q.w, k.w, v.w], d), [d, 3 * d]), bqkv: tf.tensor1d(concatColumns([q.b, k.b, v.b], 1)),
        wo: tf.tensor2d(valuesOf(b.attn.wo), [d, d]),
        w1: tf.tensor2d(fc1.w, [d, hidden]), b1: tf.tensor1d(fc1.b.map((x, j) => x + b1[j]!)),
        w2: tf.tensor2d(valuesOf(b.mlp.w2), [hidden, d]), b2: tf.tensor1d(valuesOf(b.mlp.b2)),
      };
    });
    const head = foldNorm(model.lnFinal, model.head, 1 / temperature);
    this.head = { w: tf.tensor2d(head.w, [d, vocabSize]), b: tf.tensor1d(head.b) };
    this.arena.reserve(this.cacheOffset(2 * this.layers.length));
  }

  /** Tokens decoded so far (prompt included). */
  get length(): number {
    return this.position;
  }

  /**
   * Runs the prompts (B, P) flattened row-major; returns next-token logits / temperature (B, V).
   * Identical prompts (a GRPO group repeats each one G times) run once and share their cache rows.
   */
  prefill(prompts: Int32Array, promptLength: number): Float32Array {
    if (this.position !== 0) throw new Error('Decoder.prefill: already started; create a new decoder');
    if (prompts.length !== this.batchSize * promptLength) {
      throw new Error(`Decoder.prefill: expected ${this.batchSize} x ${promptLength} tokens, got ${prompts.length}`);
    }
    const { rows, source } = uniqueRows(prompts, promptLength);
    const uniqueCount = rows.length / promptLength;
    const logits = this.advance(rows, promptLength, Int32Array.from({ length: uniqueCount }, (_, u) => u)); // (U, V)
    if (uniqueCount === this.batchSize) return logits;
    // Sequence b takes the cache rows of its distinct prompt source[b] <= b; going down, no source is overwritten before it is read.
    const { maxSeqLen, dModel, vocabSize } = this.model.config;
    const m = this.arena.f32;
    const block = maxSeqLen * dModel; // one sequence's cache rows, of which the prompt fills the first promptLength
    for (let l = 0; l < 2 * this.layers.length; l++) {
      const cache = this.cacheOffset(l);
      for (let b = this.batchSize - 1; b >= 0; b--) {
        const from = cache + source[b]! * block;
        if (source[b] !== b) m.copyWithin(cache + b * block, from, from + promptLength * dModel);
      }
    }
    const expanded = new Float32Array(this.batchSize * vocabSize); // (B, V)
    source.forEach((u, b) => expanded.set(logits.subarray(u * vocabSize, (u + 1) * vocabSize), b * vocabSize));
    return expanded;
  }

  /**
   * Appends one token per sequence (B); returns next-token logits / temperature (B, V). Sequences
   * with finished[b] = 1 are not computed (their logits row is 0) and their cache row stays
   * unwritten, so a finished sequence must stay finished: sampling sets it once a sequence has
   * emitted EOS, after which its tokens are padding and never scored.
   */
  step(tokens: Int32Array, finished?: ArrayLike<number>): Float32Array {
    if (this.position === 0) throw new Error('Decoder.step: call prefill first');
    if (tokens.length !== this.batchSize) throw new Error(`Decoder.step: expected ${this.batchSize} tokens, got ${tokens.length}`);
    const live: number[] = [];
    for (let b = 0; b < this.batchSize; b++) {
      const done = finished !== undefined && finished[b] === 1;
      if (this.finished[b] === 1 && !done) throw new Error(`Decoder.step: sequence ${b} was finished and cannot be resumed`);
      this.finished[b] = done ? 1 : 0;
      if (!done) live.push(b);
    }
    const vocab = this.model.config.vocabSize;
    const logits = new Float32Array(this.batchSize * vocab); // (B, V)
    if (live.length === 0) {
      this.position += 1;
      return logits;
    }
    const rows = Int32Array.from(live);
    const computed = this.advance(Int32Array.from(rows, (b) => tokens[b]!), 1, rows); // (live, V)
    rows.forEach((b, i) => logits.set(computed.subarray(i * vocab, (i + 1) * vocab), b * vocab));
    return logits;
  }

  /** Float offset of cache `index` (layer l's keys at 2l, values at 2l + 1): (B, L, d) each, heads side by side. */
  private cacheOffset(index: number): number {
    const { maxSeqLen, dModel } = this.model.config;
    return index * this.batchSize * maxSeqLen * dModel;
  }

  /** Embeds on the JS side (no gather kernel needed): row (b, t) = E[token] + P[position + t]. */
  private embed(tokens: Int32Array, tNew: number): Float32Array {
    const { dModel, vocabSize, maxSeqLen } = this.model.config;
    if (this.position + tNew > maxSeqLen) throw new Error(`Decoder: sequence would exceed maxSeqLen ${maxSeqLen}`);
    const rows = new Float32Array(tokens.length * dModel);
    for (let r = 0; r < tokens.length; r++) {
      const token = tokens[r]!;
      if (!(token >= 0 && token < vocabSize)) throw new Error(`Decoder: token ${token} is outside the vocabulary [0, ${vocabSize})`);
      const tOffset = (this.position + (r % tNew)) * dModel;
      for (let c = 0; c < dModel; c++) rows[r * dModel + c] = this.tokenRows[token * dModel + c]! + this.positionRows[tOffset + c]!;
    }
    return rows; // (B*tNew, d)
  }

  /**
   * Causal attention of the new rows: qkv (B*tNew, 3d) = [q / sqrt(D) | k | v]. Writes k and v
   * into layer l's cache at positions t0..t0+tNew-1, then each new query attends the cache rows
   * 0..its own position. Returns (B*tNew, d), heads side by side.
   */
  private attend(l: number, qkv: Float32Array, tNew: number, sequences: Int32Array): Float32Array {
    const { nHeads, maxSeqLen: L, dModel: d } = this.model.config;
    const D = d / nHeads;
    const t0 = this.position;
    const batch = sequences.length;
    const rows = batch * tNew;
    const keys = this.cacheOffset(2 * l), values = this.cacheOffset(2 * l + 1);
    const scratch = this.cacheOffset(2 * this.layers.length) + 2 * rows * d; // after the caches and advance's stream
    const [QKV, Y, S] = [scratch, scratch + rows * 3 * d, scratch + rows * 4 * d];
    const block = tNew * L; // one head's scores: tNew rows of L
    this.arena.reserve(S + batch * nHeads * block);
    const m = this.arena.f32;
    m.set(qkv, QKV);
    for (let r = 0; r < rows; r++) {
      const at = (sequences[Math.floor(r / tNew)]! * L + t0 + (r % tNew)) * d; // cache row of the sequence, position t
      const row = r * 3 * d;
      for (let c = 0; c < d; c++) { // a plain loop: 2 copyWithin calls per row cost more than the copy
        m[keys + at + c] = qkv[row + d + c]!;
        m[values + at + c] = qkv[row + 2 * d + c]!;
      }
    }
    const { qk, pv } = this.arena.kernels(D);
    const dB = D * 4; // head h: D floats further along each row, one score block further
    for (let b = 0; b < batch; b++) {
      const cache = sequences[b]! * L * d;
      qk(nHeads, (QKV + b * tNew * 3 * d) * 4, dB, 3 * d * 4, (keys + cache) * 4, dB, d * 4, (S + b * nHeads * block) * 4, block * 4, L * 4, tNew, dB, t0); // scaled logits (1/sqrt(D) is in W_q)
    }
    softmaxRows(m, S, tNew, L, t0, 1, batch * nHeads, block, false); // every head of every sequence in one pass
    for (let b = 0; b < batch; b++) {
      const cache = sequences[b]! * L * d;
      pv(nHeads, (S + b * nHeads * block) * 4, block * 4, L * 4, (values + cache) * 4, dB, d * 4, (Y + b * tNew * d) * 4, dB, d * 4, tNew, dB, t0);
    }
    return m.subarray(Y, Y + rows * d); // a view: valid until the arena grows (the caller uploads it at once)
  }

  /**
   * Runs tNew positions for the cache rows `sequences` (tokens row-major, (S, tNew)) against the
   * cache; returns last-position logits (S, V).
   */
  private advance(tokens: Int32Array, tNew: number, sequences: Int32Array): Float32Array {
    const batch = sequences.length;
    const { dModel: d, nHeads, maxSeqLen } = this.model.config;
    const rows = batch * tNew;
    // The residual stream X and its normalised copy N live in the arena after the caches (then attend's scratch).
    const X = this.cacheOffset(2 * this.layers.length), N = X + rows * d;
    this.arena.reserve(N + rows * 5 * d + batch * nHeads * tNew * maxSeqLen);
    this.arena.f32.set(this.embed(tokens, tNew), X); // (B*tNew, d)
    const { norm } = this.arena.kernels(d);
    const normalized = () => { // layer norm without gain and bias (folded into the weights)
      norm(X * 4, N * 4, rows, d * 4);
      return this.arena.f32.subarray(N, N + rows * d);
    };
    const addToStream = (update: Float32Array) => {
      const m = this.arena.f32;
      for (let i = 0; i < update.length; i++) m[X + i] = m[X + i]! + update[i]!;
    };
    this.layers.forEach((layer, l) => {
      let attended: Float32Array | undefined;
      this.dense.affine(normalized(), layer.wqkv, layer.bqkv, 'linear', (qkv) => {
        attended = this.attend(l, qkv, tNew, sequences); // (B*tNew, d) from qkv (B*tNew, 3d)
      });
      this.dense.affine(attended!, layer.wo, null, 'linear', addToStream); // + attention (B*tNew, d)
      this.dense.mlp(normalized(), layer, addToStream); // + MLP (B*tNew, d)
    });
    let last = normalized(); // (B, d): each sequence's last new position, normalised
    if (tNew > 1) {
      const all = last;
      last = new Float32Array(batch * d);
      for (let b = 0; b < batch; b++) last.set(all.subarray(((b + 1) * tNew - 1) * d, (b + 1) * tNew * d), b * d);
    }
    this.position += tNew;
    let logits: Float32Array | undefined;
    this.dense.affine(last, this.head.w, this.head.b, 'linear', (values) => {
      logits = values.slice(); // (B, V), the caller's own
    });
    return logits!;
  }

  /** Frees the folded weight snapshot and hands the cache memory on to the next decoder. */
  dispose(): void {
    tf.dispose([this.head.w, this.head.b]);
    for (const l of this.layers) tf.dispose(Object.values(l));
    if (!arenaPool.includes(this.arena)) arenaPool.push(this.arena);
  }
}
