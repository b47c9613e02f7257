/**
 * The incremental, KV-cached pass that sampling.ts drives: a snapshot of a PolicyModel's weights
 * with the layer norms folded into the products after them, prompts run once per distinct prompt,
 * then one position per sequence per step against the cache. Logits come back as plain
 * Float32Arrays for sampling on the JS side. What this is not: differentiable (no gradient flows
 * here), or the teacher-forced pass that training scores with (policy-model.ts `forward`).
 */
import * as tf from '@tensorflow/tfjs';
import { AttentionArena, softmaxRows } from './kernels/attention-arena.js';
import { productInfo } from './kernels/dense-products.js';
import { floatsOf, readBack } from './kernels/kernel-io.js';
import type { LayerNorm } from './model-layers.js';
import type { PolicyModel } from './policy-model.js';

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
 * The decoder's dense products, run as the backend's _FusedMatMul kernel called directly
 * (kernels/dense-products.ts): no engine tensors, scopes or bookkeeping around each of the ~150
 * small products of a rollout (that overhead was about a third of their cost). Weights are passed
 * by dataId, so XNNPACK keeps its packed copy of each. Where the backend has no _FusedMatMul
 * kernel, the same products go through tf ops in a tidy scope.
 */
class DenseProducts {
  private readonly backend = tf.backend();
  private readonly fused = tf.getKernel('_FusedMatMul', tf.getBackend()) !== undefined;

  /**
   * activation(x (N, dIn) @ w (dIn, dOut) + b) -> (N, dOut), handed to `use`: a view of the
   * backend's memory where it has one (wasm), valid only until `use` returns.
   */
  affine(x: Float32Array, w: tf.Tensor2D, b: tf.Tensor1D | null, activation: 'linear' | 'relu', use: (values: Float32Array) => void): void {
    if (!this.fused) {
      use(readBack(() => tf.fused.matMul({ a: tf.tensor2d(x, [x.length / w.shape[0], w.shape[0]]), b: w, ...(b ? { bias: b } : {}), activation })));
      return;
    }
    this.consume(productInfo(this.backend, { values: x, rows: x.length / w.shape[0], cols: w.shape[0] }, w, b, activation), use);
  }

  /** relu(x W1 + b1) W2 + b2 (the MLP), one upload and one readback, handed to `use` as above. */
  mlp(x: Float32Array, layer: FoldedLayer, use: (values: Float32Array) => void): void {
    const width = layer.w1.shape[0];
    if (!this.fused) {
      use(readBack(() => {
        const hidden = tf.fused.matMul({ a: tf.tensor2d(x, [x.length / width, width]), b: layer.w1, bias: layer.b1, activation: 'relu' }); // (N, 4d)
        return tf.fused.matMul({ a: hidden, b: layer.w2, bias: layer.b2 }); // (N, d)
      }));
      return;
    }
    const hidden = productInfo(this.backend, { values: x, rows: x.length / width, cols: width }, layer.w1, layer.b1, 'relu'); // (N, 4d)
    const out = productInfo(this.backend, hidden, layer.w2, layer.b2, 'linear'); // (N, d)
    this.backend.disposeData(hidden.dataId);
    this.consume(out, use);
  }

  /** Hands the output's values to `use` (no copy on wasm), then frees it. */
  private consume(out: tf.TensorInfo, use: (values: Float32Array) => void): void {
    use(floatsOf(this.backend, out));
    this.backend.disposeData(out.dataId);
  }
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
 * norms and attention stay on the JS side, attention on the SIMD loops of kernels/attention-loops.ts over a KV
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
