/**
 * A growable block of memory with the attention loops (attention-loops.ts) bound to it, and the
 * JS softmax that runs between them (wasm has no exp). The training attention kernels share one
 * arena; each KV-cached decoder owns one for its cache. What this is not: a tensor, or anything
 * tfjs knows about; callers copy values in and out.
 */
import { jsKernels, simdKernels, type AttentionKernels } from './attention-loops.js';
import { wasmApi, type WasmMemory } from './wasm-assembler.js';

/** Stands in for WebAssembly.Memory where there is no WebAssembly at all (the JS loops use it). */
class PlainMemory implements WasmMemory {
  buffer = new ArrayBuffer(65536);

  grow(pages: number): number {
    const before = this.buffer.byteLength / 65536;
    const next = new ArrayBuffer(this.buffer.byteLength + pages * 65536);
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    return before;
  }
}

/**
 * The memory and its loops. `f32` is a view of the whole memory; take it again after `reserve`,
 * which may grow (and so detach) the memory.
 */
export class AttentionArena {
  private readonly memory: WasmMemory;
  private view: Float32Array;
  private readonly simdKernels: AttentionKernels | null;
  private readonly plainKernels: AttentionKernels;

  /** `simd: false` forces the JS loops (tests compare the two). */
  constructor(simd = true) {
    this.memory = wasmApi ? new wasmApi.Memory({ initial: 1 }) : new PlainMemory();
    this.view = new Float32Array(this.memory.buffer);
    this.simdKernels = simd && wasmApi ? simdKernels(this.memory) : null;
    this.plainKernels = jsKernels(() => this.f32);
  }

  /** The loops for rows of `headDim` floats: SIMD where available and headDim is a multiple of 4. */
  kernels(headDim: number): AttentionKernels {
    return this.simdKernels && headDim % 4 === 0 ? this.simdKernels : this.plainKernels;
  }

  /** Whether the SIMD loops are available here (tests). */
  get simd(): boolean {
    return this.simdKernels !== null;
  }

  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** Makes the memory hold at least `floats` float32 values. */
  reserve(floats: number): void {
    const missing = floats * 4 - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
  }
}

/**
 * In place over rows i < nQ of m (row i at `offset + i * stride`): logits = raw * scale on entries
 * 0..first+i become softmax probabilities; with `zeroRest`, entries after them up to `stride`
 * become 0. Repeats for `groups` such blocks, `groupStride` apart (one call for many heads: the
 * decoder's rows are short, so a call per row cost more than its exps). Returns the largest scaled
 * logit seen.
 */
export function softmaxRows(m: Float32Array, offset: number, nQ: number, stride: number, first: number, scale: number, groups = 1, groupStride = 0, zeroRest = true): number {
  let maxLogit = -Infinity;
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < nQ; i++) {
      const row = offset + g * groupStride + i * stride;
      const end = row + first + i + 1;
      let rowMax = -Infinity;
      for (let x = row; x < end; x++) {
        const logit = m[x]! * scale;
        if (logit > rowMax) rowMax = logit;
      }
      if (rowMax > maxLogit) maxLogit = rowMax;
      let total = 0;
      for (let x = row; x < end; x++) {
        const e = Math.exp(m[x]! * scale - rowMax);
        m[x] = e;
        total += e;
      }
      const inv = 1 / total;
      for (let x = row; x < end; x++) m[x] = m[x]! * inv;
      if (zeroRest) m.fill(0, end, row + stride);
    }
  }
  return maxLogit;
}
