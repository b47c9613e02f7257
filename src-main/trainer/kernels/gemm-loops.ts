/**
 * A dense matrix product as WebAssembly SIMD bytecode (through wasm-assembler.ts), run directly on
 * the memory it is instantiated with: C (m, n) = A' (m, k) @ B (k, n) [+ bias (n)] [relu], where A'
 * is A or Aᵀ as chosen by A's two strides, and a plain transpose. What this is not: the choice of
 * operands and the tfjs plumbing (dense-products.ts), or a general BLAS (n must be a multiple of 4).
 *
 * Why (measured with bench/trainer-bench.ts, tfjs-backend-wasm 4.22): at this model's sizes
 * (a few hundred rows, widths 64 to 256) XNNPACK's product is fast in its inner loop but packs its
 * right operand on every call unless it is a cached weight, and only takes untransposed operands, so
 * every weight gradient (xᵀ dz) paid two transposes and a packing. Here the left operand is read
 * through strides (xᵀ costs nothing) and the right one in place, row by row.
 *
 * The tile is 4 rows by 8 columns (eight v128 accumulators, eleven live registers: no spills on
 * x64), with 1-row and 4-column tails. Each accumulator sums k products in order kk = 0, 1, ...,
 * so a result does not depend on the tile it fell in (rows alone or in a batch agree bit for bit).
 *
 * Pointers and strides are in bytes:
 *   gemm(a, aRowStride, aKStride, b, bRowStride, c, cRowStride, m, k, n, bias, relu, accumulate):
 *     c[i][j] = sum_kk a[i * aRowStride + kk * aKStride] * b[kk][j] (+ bias[j]) (max 0 if relu),
 *     or with accumulate = 1, c[i][j] += that sum (no bias or relu then); causal = 1 sums only
 *     kk < (row tile start) + 4 and causal = 2 only kk >= (row tile start): for a triangular A whose
 *     other triangle is zeros (attention's P and dS), the terms skipped are exact zeros
 *     (A row-major: aRowStride = 4k, aKStride = 4; Aᵀ of a (k, m) matrix: aRowStride = 4,
 *     aKStride = 4m). bias = 0 means none; relu is 0 or 1; rows of b and c hold n floats at their
 *     row strides (4n for whole matrices; wider for a head's columns of a wider row).
 *   transpose(src, dst, rows, cols): dst (cols, rows) = src (rows, cols)ᵀ.
 *   reluMask(dz, hidden, n): dz[i] = hidden[i] > 0 ? dz[i] : +0 for i < n (n a multiple of 4): the
 *     ReLU's backward from its saved output, in place.
 *   columnSums(x, out, rows, cols): out (cols) = the sum of x's rows (cols a multiple of 4), in
 *     float32, row by row: a bias gradient.
 */
import { ADD, F32_LOAD, F32_STORE, GE_S, MUL, V_ADD, V_AND, V_MAX, V_MUL, V_ZERO, bump, countUp, get, i32, localsOf, set, compiledLoops, type WasmFunction } from './wasm-assembler.js';

/** The two functions, bound to a memory. */
export interface GemmKernels {
  gemm(a: number, aRowStride: number, aKStride: number, b: number, bRowStride: number, c: number, cRowStride: number, m: number, k: number, n: number, bias: number, relu: number, accumulate: number, causal: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  reluMask(dz: number, hidden: number, n: number): void;
  columnSums(x: number, out: number, rows: number, cols: number): void;
}

const vLoadAt = (offset: number) => [0xfd, 0x00, 4, offset];
const vStoreAt = (offset: number) => [0xfd, 0x0b, 4, offset];
const LOAD32_SPLAT = [0xfd, 0x09, 2, 0];
const I32_NE_ZERO = [0x41, 0x00, 0x47];
const SUB = [0x6b], GT_S = [0x4a], LT_S_I32 = [0x48], EQ = [0x46], AND = [0x71], I32_EQZ = [0x45], SELECT = [0x1b];
/** if (condition pushed before) { body } */
const ifThen = (body: number[]) => [0x04, 0x40, ...body, 0x0b];
/** while (!(breakIf)) body: `breakIf` pushes an i32; block + loop. */
const loopUntil = (breakIf: number[], body: number[]) => [0x02, 0x40, 0x03, 0x40, ...breakIf, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];

/** f32x4.relaxed_madd (relaxed SIMD): x * y + z, fused where the CPU has FMA. */
const RELAXED_MADD = [0xfd, 0x85, 0x02];
/** acc += x * y: fused (one rounding) or as a multiply then an add (two). */
const multiplyAdd = (fused: boolean, x: number[], y: number[], acc: number) =>
  fused ? [...x, ...y, ...get(acc), ...RELAXED_MADD, ...set(acc)] : [...get(acc), ...x, ...y, ...V_MUL, ...V_ADD, ...set(acc)];

const PARAMS = ['a', 'aRS', 'aKS', 'b', 'bRS', 'c', 'cRS', 'm', 'k', 'n', 'bias', 'relu', 'accumulate', 'causal'];
/** Rows per tile: 4 (8 accumulators); 5 and 6 measured 45% slower (V8 spills registers). */
const TILE_ROWS = 4;
const I32S = ['i', 'jB', 'nB', 'kk', 'kS', 'kE', 'pb', 'pc', ...Array.from({ length: TILE_ROWS }, (_, r) => `pa${r}`)];
const V128S = [...Array.from({ length: TILE_ROWS * 2 }, (_, r) => `acc${r}`), 'b0', 'b1', 'av'];

/**
 * One tile of `rows` (4 or 1) rows by `vecs` (2 or 1) v128 columns at row i, column byte jB. A's
 * rows are read through one pointer per row, or, where A's rows are adjacent floats (aRS = 4: a
 * transposed operand, the weight gradients), through one pointer and constant offsets: three
 * fewer additions per step of kk.
 */
function tile(l: Record<string, number>, fused: boolean, rows: number, vecs: number): number[] {
  if (rows === 1) return tileWith(l, fused, rows, vecs, false);
  return [...get(l.aRS!), ...i32(4), ...EQ, 0x04, 0x40, ...tileWith(l, fused, rows, vecs, true), 0x05, ...tileWith(l, fused, rows, vecs, false), 0x0b];
}

function tileWith(l: Record<string, number>, fused: boolean, rows: number, vecs: number, adjacentRows: boolean): number[] {
  const acc = (r: number, v: number) => l[`acc${r * vecs + v}`]!;
  const pa = (r: number) => l[`pa${r}`]!;
  const code: number[] = [];
  for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) code.push(...V_ZERO, ...set(acc(r, v)));
  // The kk range: all of k; with causal 1 (A lower triangular) kk < i + rows; with causal 2 (A upper) kk >= i.
  code.push(...get(l.i!), ...i32(0), ...get(l.causal!), ...i32(2), ...EQ, ...SELECT, ...set(l.kS!));
  code.push(...get(l.i!), ...i32(rows), ...ADD, ...set(l.kE!));
  code.push(...get(l.kE!), ...get(l.k!), ...get(l.kE!), ...get(l.k!), ...LT_S_I32, ...SELECT, ...get(l.k!), ...get(l.causal!), ...i32(1), ...EQ, ...SELECT, ...set(l.kE!));
  // pa_r = a + (i + r) * aRS + kS * aKS; pb = b + jB + kS * bRS
  code.push(...get(l.a!), ...get(l.i!), ...get(l.aRS!), ...MUL, ...ADD, ...get(l.kS!), ...get(l.aKS!), ...MUL, ...ADD, ...set(pa(0)));
  for (let r = 1; r < rows; r++) code.push(...get(pa(r - 1)), ...get(l.aRS!), ...ADD, ...set(pa(r)));
  code.push(...get(l.b!), ...get(l.jB!), ...ADD, ...get(l.kS!), ...get(l.bRS!), ...MUL, ...ADD, ...set(l.pb!));
  const inner: number[] = [];
  for (let v = 0; v < vecs; v++) inner.push(...get(l.pb!), ...vLoadAt(16 * v), ...set(l[`b${v}`]!));
  for (let r = 0; r < rows; r++) {
    inner.push(...(adjacentRows ? [...get(pa(0)), 0xfd, 0x09, 2, 4 * r] : [...get(pa(r)), ...LOAD32_SPLAT]), ...set(l.av!));
    for (let v = 0; v < vecs; v++) inner.push(...multiplyAdd(fused, get(l.av!), get(l[`b${v}`]!), acc(r, v)));
    if (!adjacentRows) inner.push(...bump(pa(r), get(l.aKS!)));
  }
  if (adjacentRows) inner.push(...bump(pa(0), get(l.aKS!)));
  inner.push(...bump(l.pb!, get(l.bRS!)));
  code.push(...countUp(l.kk!, get(l.kS!), get(l.kE!), i32(1), inner));
  for (let r = 0; r < rows; r++) {
    code.push(...get(l.c!), ...get(l.i!), ...i32(r), ...ADD, ...get(l.cRS!), ...MUL, ...ADD, ...get(l.jB!), ...ADD, ...set(l.pc!));
    for (let v = 0; v < vecs; v++) {
      const a = acc(r, v);
      code.push(...get(l.accumulate!), ...I32_NE_ZERO, ...ifThen([...get(a), ...get(l.pc!), ...vLoadAt(16 * v), ...V_ADD, ...set(a)]));
      code.push(...get(l.bias!), ...I32_NE_ZERO, ...ifThen([...get(a), ...get(l.bias!), ...get(l.jB!), ...ADD, ...vLoadAt(16 * v), ...V_ADD, ...set(a)]));
      code.push(...get(l.relu!), ...I32_NE_ZERO, ...ifThen([...get(a), ...V_ZERO, ...V_MAX, ...set(a)]));
      code.push(...get(l.pc!), ...get(a), ...vStoreAt(16 * v));
    }
  }
  return code;
}

/** All column blocks of the rows at i: 8-float tiles, then a 4-float tail. */
function rowBlock(l: Record<string, number>, fused: boolean, rows: number): number[] {
  return [
    ...i32(0), ...set(l.jB!),
    // while (jB + 32 <= nB)
    ...loopUntil([...get(l.jB!), ...i32(32), ...ADD, ...get(l.nB!), ...GT_S], [...tile(l, fused, rows, 2), ...bump(l.jB!, i32(32))]),
    ...get(l.jB!), ...get(l.nB!), ...SUB, ...I32_NE_ZERO, ...ifThen(tile(l, fused, rows, 1)),
  ];
}

function gemmFunction(fused: boolean): WasmFunction {
  const l = localsOf(PARAMS, I32S, V128S);
  const code = [
    ...get(l.n!), ...i32(4), ...MUL, ...set(l.nB!),
    ...i32(0), ...set(l.i!),
    // while (i + TILE_ROWS <= m): full tiles
    ...loopUntil([...get(l.i!), ...i32(TILE_ROWS), ...ADD, ...get(l.m!), ...GT_S], [...rowBlock(l, fused, TILE_ROWS), ...bump(l.i!, i32(TILE_ROWS))]),
    // The last m mod 4 rows: one more full tile over the last 4 rows (rows computed twice get the
    // same bits: same sums in the same order), unless accumulating (they would be added twice) or m < 4.
    ...get(l.i!), ...get(l.m!), ...LT_S_I32, ...get(l.m!), ...i32(TILE_ROWS), ...GE_S, ...AND, ...get(l.accumulate!), ...I32_EQZ, ...AND,
    ...ifThen([...get(l.m!), ...i32(TILE_ROWS), ...SUB, ...set(l.i!), ...rowBlock(l, fused, TILE_ROWS), ...get(l.m!), ...set(l.i!)]),
    // then single rows
    ...loopUntil([...get(l.i!), ...get(l.m!), ...GE_S], [...rowBlock(l, fused, 1), ...bump(l.i!, i32(1))]),
  ];
  return { params: PARAMS.length, locals: { i32: I32S.length, v128: V128S.length, f32: 0 }, code };
}

function transposeFunction(): WasmFunction {
  const l = localsOf(['src', 'dst', 'rows', 'cols'], ['r', 'c', 'from', 'to'], []);
  const code = countUp(l.r!, i32(0), get(l.rows!), i32(1), [
    ...get(l.src!), ...get(l.r!), ...get(l.cols!), ...MUL, ...i32(4), ...MUL, ...ADD, ...set(l.from!),
    ...get(l.dst!), ...get(l.r!), ...i32(4), ...MUL, ...ADD, ...set(l.to!),
    ...countUp(l.c!, i32(0), get(l.cols!), i32(1), [
      ...get(l.to!), ...get(l.from!), ...F32_LOAD, ...F32_STORE,
      ...bump(l.from!, i32(4)), ...get(l.to!), ...get(l.rows!), ...i32(4), ...MUL, ...ADD, ...set(l.to!),
    ]),
  ]);
  return { params: 4, locals: { i32: 4, v128: 0, f32: 0 }, code };
}

const V_GT = [0xfd, 0x44];

function reluMaskFunction(): WasmFunction {
  const l = localsOf(['dz', 'hidden', 'n'], ['at', 'end'], []);
  const code = [
    ...get(l.n!), ...i32(4), ...MUL, ...set(l.end!),
    ...countUp(l.at!, i32(0), get(l.end!), i32(16), [
      ...get(l.dz!), ...get(l.at!), ...ADD,
      ...get(l.dz!), ...get(l.at!), ...ADD, ...vLoadAt(0),
      ...get(l.hidden!), ...get(l.at!), ...ADD, ...vLoadAt(0), ...V_ZERO, ...V_GT,
      ...V_AND, ...vStoreAt(0),
    ]),
  ];
  return { params: 3, locals: { i32: 2, v128: 0, f32: 0 }, code };
}

function columnSumsFunction(): WasmFunction {
  const l = localsOf(['x', 'out', 'rows', 'cols'], ['r', 'jB', 'nB', 'row'], []);
  const code = [
    ...get(l.cols!), ...i32(4), ...MUL, ...set(l.nB!),
    ...countUp(l.jB!, i32(0), get(l.nB!), i32(16), [...get(l.out!), ...get(l.jB!), ...ADD, ...V_ZERO, ...vStoreAt(0)]),
    ...get(l.x!), ...set(l.row!),
    ...countUp(l.r!, i32(0), get(l.rows!), i32(1), [
      ...countUp(l.jB!, i32(0), get(l.nB!), i32(16), [
        ...get(l.out!), ...get(l.jB!), ...ADD,
        ...get(l.out!), ...get(l.jB!), ...ADD, ...vLoadAt(0),
        ...get(l.row!), ...get(l.jB!), ...ADD, ...vLoadAt(0),
        ...V_ADD, ...vStoreAt(0),
      ]),
      ...bump(l.row!, get(l.nB!)),
    ]),
  ];
  return { params: 4, locals: { i32: 4, v128: 0, f32: 0 }, code };
}

/**
 * The loops bound to `memory`, or null where WebAssembly or its SIMD is missing: with fused
 * multiply-adds where the runtime has relaxed SIMD (Node 22, Electron; 22 against 17 GMAC/s
 * here), else with a multiply and an add.
 */
export const gemmKernels = compiledLoops<GemmKernels>(() => [true, false].map((fused) => ({ gemm: gemmFunction(fused), transpose: transposeFunction(), reluMask: reluMaskFunction(), columnSums: columnSumsFunction() })));
