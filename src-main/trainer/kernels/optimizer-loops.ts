/**
 * AdamW's per-parameter update as a WebAssembly SIMD loop (through wasm-assembler.ts), run on the
 * memory it is instantiated with (the wasm backend's heap: wasm-heap.ts). Float32 arithmetic in
 * PyTorch's order of operations. What this is not: the tfjs kernel around it (adamw-kernel.ts,
 * which also runs the last n mod 4 values and every value on other backends) or any state.
 *
 *   adamw(p, g, m, v, pOut, mOut, vOut, n, scale, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
 *         bias1, bias2, keep, epsilon, lr): for the first n values (n a multiple of 4),
 *     gi = g * scale; m' = m * beta1 + gi * (1 - beta1); v' = v * beta2 + gi * gi * (1 - beta2);
 *     p' = p * keep - ((m' / bias1) / (sqrt(v' / bias2) + epsilon)) * lr
 *   Pointers are byte addresses; the scalars are passed as their float32 bits (the assembler's
 *   functions take i32 parameters only).
 *   sumOfSquares(x, n): sum of x[i]^2 for i < n (n a multiple of 4), each square and the sum in
 *   float64 (two f64x2 accumulators): a gradient's squared norm.
 */
import { ADD, F32_REINTERPRET_I32, MUL, SPLAT, V_ADD, V_LOAD, V_MUL, V_STORE, V_SUB, countUp, get, i32, localsOf, set, compiledLoops, type WasmFunction } from './wasm-assembler.js';

export interface OptimizerKernels {
  /** sum of x[i]^2 for the first n floats at x (n a multiple of 4), squares summed in float64. */
  sumOfSquares(x: number, n: number): number;
  adamw(p: number, g: number, m: number, v: number, pOut: number, mOut: number, vOut: number, n: number,
    scale: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    bias1: number, bias2: number, keep: number, epsilon: number, lr: number): void;
}

const V_DIV = [0xfd, 0xe7, 0x01], V_SQRT = [0xfd, 0xe3, 0x01];
const SCALARS = ['scale', 'beta1', 'c1', 'beta2', 'c2', 'bias1', 'bias2', 'keep', 'eps', 'lr'];
const POINTERS = ['p', 'g', 'm', 'v', 'pOut', 'mOut', 'vOut'];

function adamwFunction(): WasmFunction {
  const vectors = [...SCALARS.map((s) => `${s}V`), 'gi', 'mi', 'vi'];
  const l = localsOf([...POINTERS, 'n', ...SCALARS], ['at', 'end'], vectors);
  const at = (pointer: string) => [...get(l[pointer]!), ...get(l.at!), ...ADD];
  const load = (pointer: string) => [...at(pointer), ...V_LOAD];
  const v = (name: string) => get(l[`${name}V`]!);
  const code = [
    ...SCALARS.flatMap((s) => [...get(l[s]!), ...F32_REINTERPRET_I32, ...SPLAT, ...set(l[`${s}V`]!)]),
    ...get(l.n!), ...i32(4), ...MUL, ...set(l.end!),
    ...countUp(l.at!, i32(0), get(l.end!), i32(16), [
      ...load('g'), ...v('scale'), ...V_MUL, ...set(l.gi!),
      ...load('m'), ...v('beta1'), ...V_MUL, ...get(l.gi!), ...v('c1'), ...V_MUL, ...V_ADD, ...set(l.mi!),
      ...load('v'), ...v('beta2'), ...V_MUL, ...get(l.gi!), ...get(l.gi!), ...V_MUL, ...v('c2'), ...V_MUL, ...V_ADD, ...set(l.vi!),
      ...at('mOut'), ...get(l.mi!), ...V_STORE,
      ...at('vOut'), ...get(l.vi!), ...V_STORE,
      ...at('pOut'),
      ...load('p'), ...v('keep'), ...V_MUL,
      ...get(l.mi!), ...v('bias1'), ...V_DIV,
      ...get(l.vi!), ...v('bias2'), ...V_DIV, ...V_SQRT, ...v('eps'), ...V_ADD,
      ...V_DIV, ...v('lr'), ...V_MUL, ...V_SUB,
      ...V_STORE,
    ]),
  ];
  return { params: POINTERS.length + 1 + SCALARS.length, locals: { i32: 2, v128: vectors.length, f32: 0 }, code };
}

const F64X2_PROMOTE_LOW = [0xfd, 0x5f], F64X2_MUL = [0xfd, 0xf2, 0x01], F64X2_ADD = [0xfd, 0xf0, 0x01];
const HIGH_HALF_DOWN = [0xfd, 0x0d, ...[8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]]; // i8x16.shuffle: lanes 2, 3 to 0, 1
const F64_LANE = (l: number) => [0xfd, 0x21, l];

function sumOfSquaresFunction(): WasmFunction {
  const l = localsOf(['x', 'n'], ['at', 'end'], ['v', 'lo', 'hi']);
  const square = (value: number[], acc: number) => [...get(acc), ...value, ...F64X2_PROMOTE_LOW, ...set(l.v!), ...get(l.v!), ...get(l.v!), ...F64X2_MUL, ...F64X2_ADD, ...set(acc)];
  const code = [
    ...get(l.n!), ...i32(4), ...MUL, ...set(l.end!),
    ...countUp(l.at!, i32(0), get(l.end!), i32(16), [
      // v is reused: the low pair is squared before the high pair overwrites it
      ...square([...get(l.x!), ...get(l.at!), ...ADD, ...V_LOAD], l.lo!),
      ...square([...get(l.x!), ...get(l.at!), ...ADD, ...V_LOAD, ...get(l.x!), ...get(l.at!), ...ADD, ...V_LOAD, ...HIGH_HALF_DOWN], l.hi!),
    ]),
    ...get(l.lo!), ...get(l.hi!), ...F64X2_ADD, ...set(l.v!),
    ...get(l.v!), ...F64_LANE(0), ...get(l.v!), ...F64_LANE(1), 0xa0, // f64.add
  ];
  return { params: 2, locals: { i32: 2, v128: 3, f32: 0 }, code, result: 'f64' };
}

/** The loops bound to `memory`, or null where WebAssembly SIMD is missing. */
export const optimizerKernels = compiledLoops<OptimizerKernels>(() => [{ adamw: adamwFunction(), sumOfSquares: sumOfSquaresFunction() }]);

/** A number's float32 bits as an int32 (how the loops take their scalars). */
const bitsView = new DataView(new ArrayBuffer(4));
export function f32Bits(x: number): number {
  bitsView.setFloat32(0, x, true);
  return bitsView.getInt32(0, true);
}
