/**
 * Rows of a matrix picked by index, y[i] = x[index[i]], as one kernel each way (the backward
 * scatter-adds dy rows into dx), and the prefix-sharing row maps the teacher-forced pass uses it
 * with: sequences of a GRPO group share their prompt (and often their first completion tokens),
 * and a causal model computes the same activations for the same prefix, so the dense layers run
 * once per distinct prefix. On wasm, rows are copied inside the heap and the scatter-add is the
 * SIMD loop of row-loops.ts. What this is not: tf.gather (no gradient on wasm) or any attention math.
 * The fused trunk (trunk-kernel.ts) calls these kernel functions; test-support/kernel-ops.ts wraps
 * them as tfjs ops for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { floatsOf, outputOf, type KernelArgs } from './kernel-io.js';
import { rowKernels, type RowKernels } from './row-loops.js';
import { boundTo, heapOf } from './wasm-heap.js';

export interface GatherAttrs {
  index: number[];
  /** Rows of the source (the gradient's shape). */
  sourceRows: number;
}

export function gatherKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as tf.KernelBackend;
  const { index } = attrs as unknown as GatherAttrs;
  const d = inputs.x!.shape[1]!;
  const heap = heapOf(be);
  if (heap) {
    // Row copies inside the heap (copyWithin: no views per row, no JS array, no upload).
    const out = heap.empty([index.length, d]);
    const [from, to, all] = [heap.addressOf(inputs.x!) >> 2, heap.addressOf(out) >> 2, heap.f32()];
    for (let i = 0; i < index.length; i++) all.copyWithin(to + i * d, from + index[i]! * d, from + (index[i]! + 1) * d);
    return out;
  }
  const x = floatsOf(be, inputs.x!);
  const y = new Float32Array(index.length * d);
  for (let i = 0; i < index.length; i++) y.set(x.subarray(index[i]! * d, (index[i]! + 1) * d), i * d);
  return outputOf(be, y, [index.length, d]);
}

const bound = new WeakMap<object, RowKernels | null>();

export function scatterAddKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as tf.KernelBackend;
  const { index, sourceRows } = attrs as unknown as GatherAttrs;
  const d = inputs.dy!.shape[1]!;
  const onHeap = d % 4 === 0 ? boundTo(be, bound, rowKernels) : null;
  if (onHeap) {
    const { heap, loops } = onHeap;
    const out = heap.empty([sourceRows, d]);
    const indexInfo: tf.TensorInfo = { dataId: be.write(Int32Array.from(index), [index.length], 'int32'), shape: [index.length], dtype: 'int32' };
    floatsOf(be, out).fill(0);
    loops.scatterAdd(heap.addressOf(out), heap.addressOf(inputs.dy!), heap.addressOf(indexInfo), index.length, 4 * d);
    be.disposeData(indexInfo.dataId);
    return out;
  }
  const dy = floatsOf(be, inputs.dy!);
  const dx = new Float32Array(sourceRows * d);
  for (let i = 0; i < index.length; i++) {
    const [from, to] = [i * d, index[i]! * d];
    for (let c = 0; c < d; c++) dx[to + c] = dx[to + c]! + dy[from + c]!;
  }
  return outputOf(be, dx, [sourceRows, d]);
}

/**
 * How the rows (b, t) of a (B, T) token batch map onto the distinct rows the dense layers compute:
 * row (b, t) depends on tokens[b, 0..t] only, so rows with the same prefix are one row. With
 * `rowsNeeded`, the rows t >= rowsNeeded[b] of sequence b (padding after its last scored token:
 * no loss term reads them, and causally nothing before them does) are computed nowhere: they
 * take the distinct row of that sequence's last needed row, so that every index stays valid
 * (attention, told the same counts, neither reads them nor sends them gradient).
 * `expand` (B*T) gives each row's distinct row; `compress` (distinct count) gives each distinct
 * row's first full row.
 */
export interface SharedPrefixRows {
  readonly expand: number[];
  readonly compress: number[];
}

export function sharedPrefixRows(tokens: Int32Array, batch: number, seqLen: number, rowsNeeded?: ArrayLike<number>): SharedPrefixRows {
  const ids = new Map<string, number>();
  const expand = new Array<number>(batch * seqLen);
  const compress: number[] = [];
  for (let b = 0; b < batch; b++) {
    const needed = rowsNeeded === undefined ? seqLen : rowsNeeded[b]!;
    if (!Number.isInteger(needed) || needed < 1 || needed > seqLen) throw new Error(`sharedPrefixRows: sequence ${b} needs ${needed} rows, expected 1..${seqLen}`);
    let parent = -1;
    for (let t = 0; t < seqLen; t++) {
      if (t >= needed) {
        expand[b * seqLen + t] = parent; // a copy of the last needed row
        continue;
      }
      const key = `${parent},${tokens[b * seqLen + t]}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = compress.length;
        ids.set(key, id);
        compress.push(b * seqLen + t);
      }
      expand[b * seqLen + t] = id;
      parent = id;
    }
  }
  return { expand, compress };
}
