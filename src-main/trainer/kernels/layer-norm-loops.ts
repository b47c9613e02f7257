/**
 * Layer normalisation forward and backward as WebAssembly SIMD loops (through wasm-assembler.ts),
 * run on the memory they are instantiated with (the wasm backend's heap: wasm-heap.ts), float32
 * throughout with 4-lane partial sums. What this is not: the tfjs kernels around them
 * (layer-norm-kernel.ts, which keeps a float64 JS path for other backends and widths that are not
 * a multiple of 4) or the decoder's plain normalisation (attention-loops.ts `norm`).
 *
 * Pointers are byte addresses; rows hold dB / 4 floats; stats holds (mean, rstd) per row.
 *   forward(x, gain, bias, y, stats, rows, dB):
 *     mean = sum x / d; rstd = 1 / sqrt(sum (x - mean)^2 / d + eps); y = (x - mean) rstd gain + bias
 *   backward(x, gain, stats, dy, dx, dGain, dBias, rows, dB): with xh = (x - mean) rstd, g = dy gain,
 *     dx = rstd (g - mean(g) - xh mean(g xh)); dGain = sum over rows of dy xh; dBias = sum of dy.
 */
import { LAYER_NORM_EPS } from '../tensor-ops.js';
import {
  ADD, F32_ADD, F32_DIV, F32_FROM_I32, F32_SQRT, SHR_S, SPLAT, V_ADD, V_LOAD, V_MUL, V_STORE, V_SUB, V_ZERO,
  bump, compiledLoops, countUp, f32, f32LoadAt, f32StoreAt, get, i32, laneSum, localsOf, overColumns, set, type WasmFunction,
} from './wasm-assembler.js';

export interface LayerNormKernels {
  forward(x: number, gain: number, bias: number, y: number, stats: number, rows: number, dBytes: number): void;
  backward(x: number, gain: number, stats: number, dy: number, dx: number, dGain: number, dBias: number, rows: number, dBytes: number): void;
}

/** Pushes the address pointer local `p` + k. */
const at = (l: Record<string, number>, p: string) => [...get(l[p]!), ...get(l.k!), ...ADD];
const load = (l: Record<string, number>, p: string) => [...at(l, p), ...V_LOAD];

function forwardFunction(): WasmFunction {
  const l = localsOf(['x', 'gain', 'bias', 'y', 'stats', 'rows', 'dB'], ['r', 'k'], ['acc', 'meanV', 'rstdV', 'c'], ['dF', 'mean', 'rstd']);
  const code = [
    ...get(l.dB!), ...i32(2), ...SHR_S, ...F32_FROM_I32, ...set(l.dF!),
    ...countUp(l.r!, i32(0), get(l.rows!), i32(1), [
      ...V_ZERO, ...set(l.acc!),
      ...overColumns(l, [...get(l.acc!), ...load(l, 'x'), ...V_ADD, ...set(l.acc!)]),
      ...laneSum(l.acc!), ...get(l.dF!), ...F32_DIV, ...set(l.mean!),
      ...get(l.mean!), ...SPLAT, ...set(l.meanV!),
      ...V_ZERO, ...set(l.acc!),
      ...overColumns(l, [...load(l, 'x'), ...get(l.meanV!), ...V_SUB, ...set(l.c!), ...get(l.acc!), ...get(l.c!), ...get(l.c!), ...V_MUL, ...V_ADD, ...set(l.acc!)]),
      ...f32(1), ...laneSum(l.acc!), ...get(l.dF!), ...F32_DIV, ...f32(LAYER_NORM_EPS), ...F32_ADD, ...F32_SQRT, ...F32_DIV, ...set(l.rstd!),
      ...get(l.rstd!), ...SPLAT, ...set(l.rstdV!),
      ...get(l.stats!), ...get(l.mean!), ...f32StoreAt(0),
      ...get(l.stats!), ...get(l.rstd!), ...f32StoreAt(4),
      ...overColumns(l, [
        ...at(l, 'y'),
        ...load(l, 'x'), ...get(l.meanV!), ...V_SUB, ...get(l.rstdV!), ...V_MUL,
        ...get(l.gain!), ...get(l.k!), ...ADD, ...V_LOAD, ...V_MUL,
        ...get(l.bias!), ...get(l.k!), ...ADD, ...V_LOAD, ...V_ADD,
        ...V_STORE,
      ]),
      ...bump(l.x!, get(l.dB!)), ...bump(l.y!, get(l.dB!)), ...bump(l.stats!, i32(8)),
    ]),
  ];
  return { params: 7, locals: { i32: 2, v128: 4, f32: 3 }, code };
}

function backwardFunction(): WasmFunction {
  const l = localsOf(['x', 'gain', 'stats', 'dy', 'dx', 'dGain', 'dBias', 'rows', 'dB'], ['r', 'k'],
    ['meanV', 'rstdV', 'xh', 'g', 'accG', 'accGx', 'meanGV', 'meanGxV'], ['dF']);
  /** xh = (x - mean) rstd and g = dy gain at column block k */
  const xhAndG = [
    ...load(l, 'x'), ...get(l.meanV!), ...V_SUB, ...get(l.rstdV!), ...V_MUL, ...set(l.xh!),
    ...load(l, 'dy'), ...load(l, 'gain'), ...V_MUL, ...set(l.g!),
  ];
  const code = [
    ...get(l.dB!), ...i32(2), ...SHR_S, ...F32_FROM_I32, ...set(l.dF!),
    ...overColumns(l, [...at(l, 'dGain'), ...V_ZERO, ...V_STORE, ...at(l, 'dBias'), ...V_ZERO, ...V_STORE]),
    ...countUp(l.r!, i32(0), get(l.rows!), i32(1), [
      ...get(l.stats!), ...f32LoadAt(0), ...SPLAT, ...set(l.meanV!),
      ...get(l.stats!), ...f32LoadAt(4), ...SPLAT, ...set(l.rstdV!),
      ...V_ZERO, ...set(l.accG!), ...V_ZERO, ...set(l.accGx!),
      ...overColumns(l, [
        ...xhAndG,
        ...get(l.accG!), ...get(l.g!), ...V_ADD, ...set(l.accG!),
        ...get(l.accGx!), ...get(l.g!), ...get(l.xh!), ...V_MUL, ...V_ADD, ...set(l.accGx!),
        ...at(l, 'dGain'), ...load(l, 'dGain'), ...load(l, 'dy'), ...get(l.xh!), ...V_MUL, ...V_ADD, ...V_STORE,
        ...at(l, 'dBias'), ...load(l, 'dBias'), ...load(l, 'dy'), ...V_ADD, ...V_STORE,
      ]),
      ...laneSum(l.accG!), ...get(l.dF!), ...F32_DIV, ...SPLAT, ...set(l.meanGV!),
      ...laneSum(l.accGx!), ...get(l.dF!), ...F32_DIV, ...SPLAT, ...set(l.meanGxV!),
      ...overColumns(l, [
        ...xhAndG,
        ...at(l, 'dx'),
        ...get(l.g!), ...get(l.meanGV!), ...V_SUB, ...get(l.xh!), ...get(l.meanGxV!), ...V_MUL, ...V_SUB, ...get(l.rstdV!), ...V_MUL,
        ...V_STORE,
      ]),
      ...bump(l.x!, get(l.dB!)), ...bump(l.dy!, get(l.dB!)), ...bump(l.dx!, get(l.dB!)), ...bump(l.stats!, i32(8)),
    ]),
  ];
  return { params: 9, locals: { i32: 2, v128: 8, f32: 1 }, code };
}

/** The loops bound to `memory`, or null where WebAssembly SIMD is missing. */
export const layerNormKernels = compiledLoops<LayerNormKernels>(() => [{ forward: forwardFunction(), backward: backwardFunction() }]);
