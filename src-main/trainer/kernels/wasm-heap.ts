/**
 * The wasm backend's heap as the hand-written SIMD loops see it: its WebAssembly.Memory (the loops
 * are instantiated on it, so they read and write tensors where they live, with no copies), a
 * tensor's byte address, and uninitialised output tensors. What this is not: the loops themselves
 * (gemm-loops.ts, optimizer-loops.ts) or anything for the other backends (heapOf gives null there).
 */
import type * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm used here (not in its public typings). */
interface WasmHeapBackend {
  wasm: { asm: { memory: object } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** A backend's heap: its memory, tensor addresses and new tensors on it. */
export interface WasmHeap {
  readonly memory: object;
  /** The byte address of a tensor's first value. */
  addressOf(t: tf.TensorInfo): number;
  /** A new float32 tensor of `shape`, uninitialised (malloc'd). */
  empty(shape: number[]): tf.TensorInfo;
  /** The whole heap as floats (index = address / 4); take it again after any allocation (growth detaches it). */
  f32(): Float32Array;
}

const heaps = new WeakMap<object, WasmHeap | null>();

/** `be`'s heap where it is the wasm backend, else null. */
export function heapOf(be: tf.KernelBackend): WasmHeap | null {
  let heap = heaps.get(be);
  if (heap === undefined) {
    const wasm = be as unknown as Partial<WasmHeapBackend>;
    const memory = wasm.wasm?.asm?.memory;
    heap = memory && typeof wasm.makeOutput === 'function' && typeof wasm.typedArrayFromHeap === 'function'
      ? {
        memory,
        addressOf: (t) => wasm.dataIdMap!.get(t.dataId)!.memoryOffset,
        empty: (shape) => wasm.makeOutput!(shape, 'float32'),
        f32: () => new Float32Array((memory as { buffer: ArrayBuffer }).buffer),
      }
      : null;
    heaps.set(be, heap);
  }
  return heap;
}

/**
 * Loops compiled once per heap: `bind(memory)` instantiates them on it (null where they cannot
 * run). Returns null where the backend has no heap.
 */
export function boundTo<T>(be: tf.KernelBackend, cache: WeakMap<object, T | null>, bind: (memory: object) => T | null): { heap: WasmHeap; loops: T } | null {
  const heap = heapOf(be);
  if (!heap) return null;
  let loops = cache.get(heap);
  if (loops === undefined) {
    loops = bind(heap.memory);
    cache.set(heap, loops);
  }
  return loops ? { heap, loops } : null;
}
