/**
 * Row scatter-add as a WebAssembly SIMD loop (through wasm-assembler.ts), run on the memory it is
 * instantiated with (the wasm backend's heap: wasm-heap.ts). What this is not: the tfjs kernels
 * around it (row-gather-kernel.ts, which also has the JS loop for other backends and widths that
 * are not a multiple of 4) or a general scatter.
 *
 *   scatterAdd(dst, src, index, count, dBytes): for i < count, row index[i] of dst += row i of src.
 *     Pointers are byte addresses, index points at int32s, rows hold dBytes / 4 floats (dBytes a
 *     multiple of 16). dst must already hold its starting values (zeros for a gradient).
 */
import { ADD, MUL, V_ADD, V_LOAD, V_STORE, bump, countUp, get, i32, localsOf, set, compiledLoops, type WasmFunction } from './wasm-assembler.js';

export interface RowKernels {
  scatterAdd(dst: number, src: number, index: number, count: number, dBytes: number): void;
}

const I32_LOAD = [0x28, 2, 0];

function scatterAddFunction(): WasmFunction {
  const l = localsOf(['dst', 'src', 'index', 'count', 'dB'], ['i', 'k', 'to'], []);
  const code = countUp(l.i!, i32(0), get(l.count!), i32(1), [
    ...get(l.dst!), ...get(l.index!), ...I32_LOAD, ...get(l.dB!), ...MUL, ...ADD, ...set(l.to!),
    ...countUp(l.k!, i32(0), get(l.dB!), i32(16), [
      ...get(l.to!), ...get(l.k!), ...ADD,
      ...get(l.to!), ...get(l.k!), ...ADD, ...V_LOAD,
      ...get(l.src!), ...get(l.k!), ...ADD, ...V_LOAD,
      ...V_ADD, ...V_STORE,
    ]),
    ...bump(l.src!, get(l.dB!)), ...bump(l.index!, i32(4)),
  ]);
  return { params: 5, locals: { i32: 3, v128: 0, f32: 0 }, code };
}

/** The loop bound to `memory`, or null where WebAssembly SIMD is missing. */
export const rowKernels = compiledLoops<RowKernels>(() => [{ scatterAdd: scatterAddFunction() }]);
