/**
 * The inner loops of causal attention on small per-head matrices, and a row normalisation for the
 * KV-cached decoder: each written twice, as WebAssembly SIMD bytecode (through wasm-assembler.ts)
 * and as plain JS over a Float32Array (where SIMD is missing or a row is not a multiple of 4
 * floats). What this is not: the memory they run on (attention-arena.ts), softmax (wasm has no
 * exp; it stays in JS) or the tfjs kernels built from them (attention-kernel.ts).
 *
 * Why (measured, tfjs-backend-wasm 4.22, see bench/trainer-bench.ts): attention multiplies many
 * tiny per-(sequence, head) matrices (T <= maxSeqLen rows of D = headDim). tfjs-wasm runs every
 * batched product in a scalar loop (~0.5-1 GMAC/s) and needs a dozen glue kernels around it
 * (split/merge heads, mask, softmax, max, their gradients); plain JS loops are no faster. These
 * loops are emitted as WebAssembly bytecode with 128-bit SIMD (no toolchain, ~1 KB).
 *
 * Pointers and strides are in bytes; a row holds D floats:
 *   qk (a, aStride, b, bStride, c, cStride, n, dBytes, first): c[i][j] = a_i . b_j, i < n, j <= first + i
 *   pv (p, pStride, b, bStride, y, yStride, n, dBytes, first): y_i = sum_{j <= first + i} p[i][j] b_j
 *   ptb(p, pStride, b, bStride, y, yStride, n, dBytes):        y_j = sum_{j <= i < n} p[i][j] b_i
 * Each takes a leading `groups` and, after each pointer, a group stride: the loop runs `groups`
 * times, moving every pointer by its group stride (the heads of one sequence, in one call).
 */
import { LAYER_NORM_EPS } from '../tensor-ops.js';
import {
  ADD, MUL, F32_ADD, F32_DIV, F32_FROM_I32, F32_LOAD, F32_SQRT, F32_STORE, SHR_S, SPLAT, V_ADD, V_LOAD, V_MUL, V_STORE, V_SUB, V_ZERO,
  bump, compiledLoops, countUp, f32, fma, get, i32, laneSum, localsOf, overColumns, rowAddress, set, type WasmFunction,
} from './wasm-assembler.js';

/** The four loops; see above. */
export interface AttentionKernels {
  qk(groups: number, a: number, aGroup: number, aStride: number, b: number, bGroup: number, bStride: number, c: number, cGroup: number, cStride: number, n: number, dBytes: number, first: number): void;
  pv(groups: number, p: number, pGroup: number, pStride: number, b: number, bGroup: number, bStride: number, y: number, yGroup: number, yStride: number, n: number, dBytes: number, first: number): void;
  ptb(groups: number, p: number, pGroup: number, pStride: number, b: number, bGroup: number, bStride: number, y: number, yGroup: number, yStride: number, n: number, dBytes: number): void;
  /** out row = (x row - mean) / sqrt(var + LAYER_NORM_EPS) for `rows` rows of dBytes / 4 floats. */
  norm(x: number, out: number, rows: number, dBytes: number): void;
}

/** for (g = 0; g < groups; g++) { body; each pointer param += its group stride } */
function overGroups(l: Record<string, number>, pointers: [string, string][], body: number[]): number[] {
  return countUp(l.g!, i32(0), get(l.groups!), i32(1), [...body, ...pointers.flatMap(([ptr, stride]) => bump(l[ptr]!, get(l[stride]!)))]);
}

/** jEnd = first + i + 1: the causal row i sees columns j < jEnd. */
const causalEnd = (l: Record<string, number>) => [...get(l.first!), ...get(l.i!), ...ADD, ...i32(1), ...ADD, ...set(l.jEnd!)];

const QK_PARAMS = ['groups', 'a', 'aG', 'aS', 'b', 'bG', 'bS', 'c', 'cG', 'cS', 'n', 'dB', 'first'];
function qkFunction(): WasmFunction {
  const i32s = ['g', 'i', 'j', 'jEnd', 'aRow', 'bRow', 'cPtr', 'k'];
  const l = localsOf(QK_PARAMS, i32s);
  const body = countUp(l.i!, i32(0), get(l.n!), i32(1), [
    ...rowAddress(l.a!, l.i!, l.aS!), ...set(l.aRow!),
    ...rowAddress(l.c!, l.i!, l.cS!), ...set(l.cPtr!),
    ...causalEnd(l),
    ...get(l.b!), ...set(l.bRow!),
    ...countUp(l.j!, i32(0), get(l.jEnd!), i32(1), [
      ...V_ZERO, ...set(l.acc!),
      ...overColumns(l, fma(l.acc!, [...get(l.aRow!), ...get(l.k!), ...ADD, ...V_LOAD], [...get(l.bRow!), ...get(l.k!), ...ADD, ...V_LOAD])),
      ...get(l.cPtr!), ...laneSum(l.acc!), ...F32_STORE,
      ...bump(l.cPtr!, i32(4)), ...bump(l.bRow!, get(l.bS!)),
    ]),
  ]);
  return { params: QK_PARAMS.length, locals: { i32: i32s.length, v128: 1, f32: 0 }, code: overGroups(l, [['a', 'aG'], ['b', 'bG'], ['c', 'cG']], body) };
}

/** acc = sum over `counter` from `start` while < `limit` of p[pPtr] * b[bPtr], stepping pPtr by `pStep`, bPtr by bS; stored at y + row * yS + k. */
function splatSum(l: Record<string, number>, counter: number, start: number[], limit: number[], pStep: number[], row: number): number[] {
  return [
    ...V_ZERO, ...set(l.acc!),
    ...countUp(counter, start, limit, i32(1), [
      ...fma(l.acc!, [...get(l.pPtr!), ...F32_LOAD, ...SPLAT], [...get(l.bPtr!), ...V_LOAD]),
      ...bump(l.pPtr!, pStep), ...bump(l.bPtr!, get(l.bS!)),
    ]),
    ...rowAddress(l.y!, row, l.yS!), ...get(l.k!), ...ADD, ...get(l.acc!), ...V_STORE,
  ];
}

const PV_PARAMS = ['groups', 'p', 'pG', 'pS', 'b', 'bG', 'bS', 'y', 'yG', 'yS', 'n', 'dB', 'first'];
function pvFunction(): WasmFunction {
  const i32s = ['g', 'i', 'jEnd', 'k', 'j', 'pPtr', 'bPtr', 'pRow'];
  const l = localsOf(PV_PARAMS, i32s);
  const body = countUp(l.i!, i32(0), get(l.n!), i32(1), [
    ...rowAddress(l.p!, l.i!, l.pS!), ...set(l.pRow!),
    ...causalEnd(l),
    ...overColumns(l, [
      ...get(l.pRow!), ...set(l.pPtr!),
      ...get(l.b!), ...get(l.k!), ...ADD, ...set(l.bPtr!),
      ...splatSum(l, l.j!, i32(0), get(l.jEnd!), i32(4), l.i!),
    ]),
  ]);
  return { params: PV_PARAMS.length, locals: { i32: i32s.length, v128: 1, f32: 0 }, code: overGroups(l, [['p', 'pG'], ['b', 'bG'], ['y', 'yG']], body) };
}

const PTB_PARAMS = ['groups', 'p', 'pG', 'pS', 'b', 'bG', 'bS', 'y', 'yG', 'yS', 'n', 'dB'];
function ptbFunction(): WasmFunction {
  const i32s = ['g', 'j', 'k', 'i', 'pPtr', 'bPtr'];
  const l = localsOf(PTB_PARAMS, i32s);
  const body = countUp(l.j!, i32(0), get(l.n!), i32(1), overColumns(l, [
    ...rowAddress(l.p!, l.j!, l.pS!), ...get(l.j!), ...i32(4), ...MUL, ...ADD, ...set(l.pPtr!),
    ...rowAddress(l.b!, l.j!, l.bS!), ...get(l.k!), ...ADD, ...set(l.bPtr!),
    ...splatSum(l, l.i!, get(l.j!), get(l.n!), get(l.pS!), l.j!),
  ]));
  return { params: PTB_PARAMS.length, locals: { i32: i32s.length, v128: 1, f32: 0 }, code: overGroups(l, [['p', 'pG'], ['b', 'bG'], ['y', 'yG']], body) };
}

/** norm(x, out, rows, dBytes): out row = (x row - mean) / sqrt(var + eps), float32, rows of dBytes / 4 floats. */
function normFunction(): WasmFunction {
  const l = localsOf(['x', 'out', 'rows', 'dB'], ['r', 'k'], ['acc', 'meanV', 'c'], ['dF']);
  const load = [...get(l.x!), ...get(l.k!), ...ADD, ...V_LOAD];
  const code = [
    ...get(l.dB!), ...i32(2), ...SHR_S, ...F32_FROM_I32, ...set(l.dF!),
    ...countUp(l.r!, i32(0), get(l.rows!), i32(1), [
      ...V_ZERO, ...set(l.acc!),
      ...overColumns(l, [...get(l.acc!), ...load, ...V_ADD, ...set(l.acc!)]),
      ...laneSum(l.acc!), ...get(l.dF!), ...F32_DIV, ...SPLAT, ...set(l.meanV!), // mean
      ...V_ZERO, ...set(l.acc!),
      ...overColumns(l, [...load, ...get(l.meanV!), ...V_SUB, ...set(l.c!), ...fma(l.acc!, get(l.c!), get(l.c!))]),
      ...f32(1), ...laneSum(l.acc!), ...get(l.dF!), ...F32_DIV, ...f32(LAYER_NORM_EPS), ...F32_ADD, ...F32_SQRT, ...F32_DIV, ...SPLAT, ...set(l.acc!), // 1 / sqrt(var + eps)
      ...overColumns(l, [...get(l.out!), ...get(l.k!), ...ADD, ...load, ...get(l.meanV!), ...V_SUB, ...get(l.acc!), ...V_MUL, ...V_STORE]),
      ...bump(l.x!, get(l.dB!)), ...bump(l.out!, get(l.dB!)),
    ]),
  ];
  return { params: 4, locals: { i32: 2, v128: 3, f32: 1 }, code };
}

/** The SIMD loops (qk, pv, ptb, norm) bound to a memory, or null where WebAssembly SIMD is unavailable. */
export const simdKernels = compiledLoops<AttentionKernels>(() => [{ qk: qkFunction(), pv: pvFunction(), ptb: ptbFunction(), norm: normFunction() }]);

/** The same loops in JS over a Float32Array view (byte pointers and strides, as above). */
export function jsKernels(view: () => Float32Array): AttentionKernels {
  return {
    qk(groups, a, aG, aS, b, bG, bS, c, cG, cS, n, dB, first) {
      const m = view(), d = dB >> 2;
      for (let g = 0; g < groups; g++, a += aG, b += bG, c += cG) {
        for (let i = 0; i < n; i++) {
          const ai = (a + i * aS) >> 2, ci = (c + i * cS) >> 2;
          for (let j = 0; j <= first + i; j++) {
            const bj = (b + j * bS) >> 2;
            let acc = 0;
            for (let x = 0; x < d; x++) acc += m[ai + x]! * m[bj + x]!;
            m[ci + j] = acc;
          }
        }
      }
    },
    pv(groups, p, pG, pS, b, bG, bS, y, yG, yS, n, dB, first) {
      const m = view(), d = dB >> 2;
      for (let g = 0; g < groups; g++, p += pG, b += bG, y += yG) {
        for (let i = 0; i < n; i++) {
          const pi = (p + i * pS) >> 2, yi = (y + i * yS) >> 2;
          for (let x = 0; x < d; x++) {
            let acc = 0;
            for (let j = 0; j <= first + i; j++) acc += m[pi + j]! * m[((b + j * bS) >> 2) + x]!;
            m[yi + x] = acc;
          }
        }
      }
    },
    norm(x, out, rows, dB) {
      const m = view(), d = dB >> 2;
      for (let r = 0; r < rows; r++) {
        const xi = (x >> 2) + r * d, oi = (out >> 2) + r * d;
        let sum = 0;
        for (let c = 0; c < d; c++) sum += m[xi + c]!;
        const mean = sum / d;
        let squares = 0;
        for (let c = 0; c < d; c++) squares += (m[xi + c]! - mean) * (m[xi + c]! - mean);
        const rstd = 1 / Math.sqrt(squares / d + LAYER_NORM_EPS);
        for (let c = 0; c < d; c++) m[oi + c] = (m[xi + c]! - mean) * rstd;
      }
    },
    ptb(groups, p, pG, pS, b, bG, bS, y, yG, yS, n, dB) {
      const m = view(), d = dB >> 2;
      for (let g = 0; g < groups; g++, p += pG, b += bG, y += yG) {
        for (let j = 0; j < n; j++) {
          const yj = (y + j * yS) >> 2;
          for (let x = 0; x < d; x++) {
            let acc = 0;
            for (let i = j; i < n; i++) acc += m[((p + i * pS) >> 2) + j]! * m[((b + i * bS) >> 2) + x]!;
            m[yj + x] = acc;
          }
        }
      }
    },
  };
}
