/**
 * The causal softmax of the training attention as a WebAssembly SIMD loop (through
 * wasm-assembler.ts), run on the memory it is instantiated with (the wasm backend's heap), with a
 * float32 exp (Cephes' expf polynomial, about 1 ulp). What this is not: the JS softmax of
 * attention-arena.ts (float64 Math.exp), which the decoder and the other backends keep using.
 *
 *   causal(p, groups, n, rowBytes, blockBytes, scaleBits, maxOut): for each of `groups` blocks of n
 *     rows of n floats at p (byte address; a row starts rowBytes after the one before, a block
 *     blockBytes after the one before: an n x n corner of larger blocks works too), row i becomes
 *     softmax(row[0..i] * scale), zeros after it up to column n; the block's largest scaled logit is
 *     folded into the float at maxOut + 4 g (max with what is there). scale is passed as its float32 bits.
 *
 *   causalBackward(p, ds, groups, n, rowBytes, blockBytes, scaleBits): the softmax's backward in
 *     place, blocks laid out as above: with dP in the lower triangle of ds, row i becomes dS_ij = P_ij
 *     (dP_ij - sum_j' P_ij' dP_ij') scale for j <= i, zeros after it up to column n (the dense
 *     products that follow multiply whole n x n corners).
 *
 * Rows of n floats are not 16-byte multiples, so the last 4-float chunk of a row reaches past its
 * column n: every store writes lanes past it back with the values it loaded (single-threaded, so
 * unchanged), and the caller keeps 12 bytes of memory after the last row.
 */
import {
  ADD, F32_DIV, F32_REINTERPRET_I32, MUL, SPLAT, V_ADD, V_AND, V_LOAD, V_MAX, V_MUL, V_STORE, V_SUB, V_ZERO,
  bump, compiledLoops, countUp, f32, f32LoadAt, f32StoreAt, get, i32, laneSum, localsOf, set, type WasmFunction,
} from './wasm-assembler.js';

export interface SoftmaxKernels {
  causal(p: number, groups: number, n: number, rowBytes: number, blockBytes: number, scaleBits: number, maxOut: number): void;
  causalBackward(p: number, ds: number, groups: number, n: number, rowBytes: number, blockBytes: number, scaleBits: number): void;
}

const F32_MAX = [0x97];
const V_NEAREST = [0xfd, 0x6a], V_BITSELECT = [0xfd, 0x52];
const I32X4_SPLAT = [0xfd, 0x11], I32X4_LT_S = [0xfd, 0x39], I32X4_ADD = [0xfd, 0xae, 0x01], I32X4_SHL = [0xfd, 0xab, 0x01], I32X4_FROM_F32 = [0xfd, 0xf8, 0x01];
const LANE = (l: number) => [0xfd, 0x1f, l];
const LANE_INDEX = [0xfd, 0x0c, ...[0, 1, 2, 3].flatMap((x) => [x, 0, 0, 0])];
const fSplat = (x: number) => [...f32(x), ...SPLAT];

/**
 * The lane masks of the 4-float chunk at column j of a row (locals j, len, n; x is scratch):
 * valid = j + lane < len (the row's causal entries), inRow = j + lane < n (lanes not past the row).
 */
const laneMasks = (l: Record<string, number>) => [
  ...get(l.j!), ...I32X4_SPLAT, ...LANE_INDEX, ...I32X4_ADD, ...set(l.x!),
  ...get(l.x!), ...get(l.len!), ...I32X4_SPLAT, ...I32X4_LT_S, ...set(l.valid!),
  ...get(l.x!), ...get(l.n!), ...I32X4_SPLAT, ...I32X4_LT_S, ...set(l.inRow!),
];

/** Pushes exp(v) for the v128 in local `x` (all lanes <= 0); uses locals r, y, nv. */
function expOf(l: Record<string, number>, x: number): number[] {
  return [
    ...get(x), ...fSplat(-87.33654), ...V_MAX, ...set(x),
    ...get(x), ...fSplat(1.44269504), ...V_MUL, ...V_NEAREST, ...set(l.nv!),
    ...get(x), ...get(l.nv!), ...fSplat(0.693359375), ...V_MUL, ...V_SUB, ...get(l.nv!), ...fSplat(-2.12194440e-4), ...V_MUL, ...V_SUB, ...set(l.r!),
    ...fSplat(1.9875691500e-4),
    ...[1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].flatMap((c) => [...get(l.r!), ...V_MUL, ...fSplat(c), ...V_ADD]),
    ...get(l.r!), ...V_MUL, ...get(l.r!), ...V_MUL, ...get(l.r!), ...V_ADD, ...fSplat(1), ...V_ADD, // y r^2 + r + 1
    ...get(l.nv!), ...I32X4_FROM_F32, ...i32(127), ...I32X4_SPLAT, ...I32X4_ADD, ...i32(23), ...I32X4_SHL, // 2^n
    ...V_MUL,
  ];
}

function causalFunction(): WasmFunction {
  const l = localsOf(['p', 'groups', 'n', 'rowBytes', 'blockBytes', 'scaleBits', 'maxOut'], ['g', 'i', 'j', 'row', 'len', 'at'],
    ['scaleV', 'mv', 'sv', 'x', 'orig', 'valid', 'inRow', 'r', 'nv', 'e'], ['rowMax', 'groupMax', 'inv']);
  const chunkAddress = [...get(l.row!), ...get(l.j!), ...i32(4), ...MUL, ...ADD, ...set(l.at!)];
  const load = [...get(l.at!), ...V_LOAD];
  const storeKeepingTail = (value: number[]) => [...get(l.at!), ...value, ...get(l.orig!), ...get(l.inRow!), ...V_BITSELECT, ...V_STORE];
  const overChunks = (limit: number[], body: number[]) => countUp(l.j!, i32(0), limit, i32(4), [...chunkAddress, ...laneMasks(l), ...load, ...set(l.orig!), ...body]);
  const laneMax = (v: number) => [...get(v), ...LANE(0), ...get(v), ...LANE(1), ...F32_MAX, ...get(v), ...LANE(2), ...F32_MAX, ...get(v), ...LANE(3), ...F32_MAX];
  const rowBody = [
    ...get(l.i!), ...i32(1), ...ADD, ...set(l.len!),
    // max of the valid scaled logits
    ...fSplat(-Infinity), ...set(l.mv!),
    ...overChunks(get(l.len!), [...get(l.mv!), ...get(l.orig!), ...get(l.scaleV!), ...V_MUL, ...fSplat(-Infinity), ...get(l.valid!), ...V_BITSELECT, ...V_MAX, ...set(l.mv!)]),
    ...laneMax(l.mv!), ...set(l.rowMax!),
    ...get(l.groupMax!), ...get(l.rowMax!), ...F32_MAX, ...set(l.groupMax!),
    // e = exp(x scale - max) on valid lanes, 0 after them; sum
    ...V_ZERO, ...set(l.sv!),
    ...overChunks(get(l.n!), [
      ...get(l.orig!), ...get(l.scaleV!), ...V_MUL, ...get(l.rowMax!), ...SPLAT, ...V_SUB, ...set(l.x!),
      ...expOf(l, l.x!), ...get(l.valid!), ...V_AND, ...set(l.e!),
      ...get(l.sv!), ...get(l.e!), ...V_ADD, ...set(l.sv!),
      ...storeKeepingTail(get(l.e!)),
    ]),
    ...f32(1), ...laneSum(l.sv!), ...F32_DIV, ...set(l.inv!),
    ...overChunks(get(l.len!), storeKeepingTail([...get(l.orig!), ...get(l.inv!), ...SPLAT, ...V_MUL])),
    ...bump(l.row!, get(l.rowBytes!)),
  ];
  const code = [
    ...get(l.scaleBits!), ...F32_REINTERPRET_I32, ...SPLAT, ...set(l.scaleV!),
    ...countUp(l.g!, i32(0), get(l.groups!), i32(1), [
      ...get(l.p!), ...set(l.row!),
      ...f32(-Infinity), ...set(l.groupMax!),
      ...countUp(l.i!, i32(0), get(l.n!), i32(1), rowBody),
      ...get(l.maxOut!), ...get(l.maxOut!), ...f32LoadAt(0), ...get(l.groupMax!), ...F32_MAX, ...f32StoreAt(0),
      ...bump(l.maxOut!, i32(4)), ...bump(l.p!, get(l.blockBytes!)),
    ]),
  ];
  return { params: 7, locals: { i32: 6, v128: 10, f32: 3 }, code };
}

function causalBackwardFunction(): WasmFunction {
  const l = localsOf(['p', 'ds', 'groups', 'n', 'rowBytes', 'blockBytes', 'scaleBits'], ['g', 'i', 'j', 'pRow', 'dsRow', 'len', 'pAt', 'at'],
    ['scaleV', 'x', 'orig', 'valid', 'inRow', 'acc', 'dotV'], []);
  const addresses = [
    ...get(l.dsRow!), ...get(l.j!), ...i32(4), ...MUL, ...ADD, ...set(l.at!),
    ...get(l.pRow!), ...get(l.j!), ...i32(4), ...MUL, ...ADD, ...set(l.pAt!),
  ];
  const overChunks = (limit: number[], body: number[]) => countUp(l.j!, i32(0), limit, i32(4), [...addresses, ...laneMasks(l), ...get(l.at!), ...V_LOAD, ...set(l.orig!), ...body]);
  const pChunk = [...get(l.pAt!), ...V_LOAD];
  const rowBody = [
    ...get(l.i!), ...i32(1), ...ADD, ...set(l.len!),
    ...V_ZERO, ...set(l.acc!),
    ...overChunks(get(l.len!), [...get(l.acc!), ...pChunk, ...get(l.orig!), ...V_MUL, ...get(l.valid!), ...V_AND, ...V_ADD, ...set(l.acc!)]),
    ...laneSum(l.acc!), ...SPLAT, ...set(l.dotV!),
    ...overChunks(get(l.n!), [
      ...get(l.at!),
      ...pChunk, ...get(l.orig!), ...get(l.dotV!), ...V_SUB, ...V_MUL, ...get(l.scaleV!), ...V_MUL, ...get(l.valid!), ...V_AND,
      ...get(l.orig!), ...get(l.inRow!), ...V_BITSELECT, ...V_STORE,
    ]),
    ...bump(l.pRow!, get(l.rowBytes!)), ...bump(l.dsRow!, get(l.rowBytes!)),
  ];
  const code = [
    ...get(l.scaleBits!), ...F32_REINTERPRET_I32, ...SPLAT, ...set(l.scaleV!),
    ...countUp(l.g!, i32(0), get(l.groups!), i32(1), [
      ...get(l.p!), ...set(l.pRow!), ...get(l.ds!), ...set(l.dsRow!),
      ...countUp(l.i!, i32(0), get(l.n!), i32(1), rowBody),
      ...bump(l.p!, get(l.blockBytes!)), ...bump(l.ds!, get(l.blockBytes!)),
    ]),
  ];
  return { params: 7, locals: { i32: 8, v128: 7, f32: 0 }, code };
}

/** The loops bound to `memory`, or null where WebAssembly SIMD is missing. */
export const softmaxKernels = compiledLoops<SoftmaxKernels>(() => [{ causal: causalFunction(), causalBackward: causalBackwardFunction() }]);
