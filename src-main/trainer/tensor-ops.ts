/**
 * Tensor ops with hand-written gradients, tuned for the tfjs WebAssembly backend: matrix products,
 * layer normalisation and causal self-attention, which the policy model calls instead of
 * tf.matMul / composed tf ops; plus the small WebAssembly SIMD loops (attention, row
 * normalisation) that the attention kernels and the KV-cached decoder share. Pure functions over
 * tensors or arena memory; callers own tidy scopes. What this is not: a general linear-algebra
 * layer (2-D float32 products and this model's attention only).
 *
 * Why (measured on tfjs-backend-wasm 4.22, one core, see bench/trainer-bench.ts):
 * - Only an untransposed 2-D product reaches XNNPACK (~13-18 GMAC/s); a transposeA/transposeB flag
 *   on a 2-D product falls back to a naive loop (~1.3 GMAC/s, 12x slower). tf.matMul's own
 *   gradient uses those flags, so we transpose explicitly instead.
 * - XNNPACK packs the right-hand operand and caches the pack per tensor: weights pack once per
 *   update, but a freshly computed right operand is packed on every call (~3 ns per element).
 *   The weight gradient therefore puts the smaller activation on the right (see `weightGrad`).
 * - Every batched (3-D) product takes a scalar loop (~0.5-1 GMAC/s), so attention does not use
 *   them: see the attention section below.
 */
import * as tf from '@tensorflow/tfjs';
import { floatsOf, outputOf, type KernelArgs } from './kernels/kernel-io.js';

/** Activation fused into `linear`; ReLU is the only non-linear one wasm's fused matmul offers. */
export type LinearActivation = 'linear' | 'relu';

/**
 * dW = xᵀ dz for x (N, dIn) and dz (N, dOut), computed so that the operand XNNPACK must pack
 * (the right one) is the smaller of the two activations. Also returns the column sums of dz (the
 * bias gradient) when asked, from the transposed dz when there is one (a row reduction is cheap,
 * a column reduction costs tf a transpose).
 */
function weightGrad(x: tf.Tensor2D, dz: tf.Tensor2D, withBias = false): { dw: tf.Tensor2D; db: tf.Tensor1D | null } {
  const [, dIn] = x.shape;
  const [, dOut] = dz.shape;
  if (dOut > dIn) {
    const dzT = tf.transpose(dz); // (dOut, N)
    return {
      dw: tf.transpose(tf.matMul(dzT, x) as tf.Tensor2D), // (dOut, N) @ (N, dIn) -> (dOut, dIn) -> (dIn, dOut)
      db: withBias ? (tf.sum(dzT, 1) as tf.Tensor1D) : null, // (dOut)
    };
  }
  return {
    dw: tf.matMul(tf.transpose(x), dz), // (dIn, N) @ (N, dOut) -> (dIn, dOut)
    db: withBias ? (tf.sum(dz, 0) as tf.Tensor1D) : null, // (dOut)
  };
}

const matmulWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b), // (M, K) @ (K, N) -> (M, N)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), weightGrad(sa, g).dw]; // (M, N) @ (N, K); (K, N)
    },
  };
});

/** a (M, K) @ b (K, N) -> (M, N). Forward and backward stay on the fast untransposed 2-D path. */
export function matmul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matmulWithGrad(a, b) as tf.Tensor2D;
}

/**
 * The fused matmul + bias + activation kernel, always. Workaround: tf.fused.matMul falls back to
 * matMul + add + relu while a gradient tape is recording (tfjs-core fused_util `shouldFuse`), which
 * rounds differently, so the training forward and the no-grad scoring forward of the same weights
 * disagreed by ~5e-7 and an on-policy ratio was not exactly 1. Our customGrad supplies the gradient,
 * so calling the kernel directly is safe. Exit condition: tfjs fuses under a tape.
 */
function fusedLinear(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, activation: LinearActivation): tf.Tensor2D {
  const [n, dIn] = x.shape;
  const dOut = w.shape[1];
  const inputs = { a: tf.reshape(x, [1, n, dIn]), b: tf.reshape(w, [1, dIn, dOut]), bias }; // the kernel is batched: (1, N, dIn), (1, dIn, dOut)
  const y = tf.engine().runKernel('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 }) as tf.Tensor3D;
  return tf.reshape(y, [n, dOut]); // (N, dOut)
}

function makeLinear(activation: LinearActivation) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = fusedLinear(x, w, bias, activation); // (N, dIn) @ (dIn, dOut) + (dOut) -> (N, dOut)
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // ReLU'(z) is 1 where the output is positive: step(y) reads it off the saved output.
        const dz = (activation === 'relu' ? tf.mul(dy, tf.step(sy)) : dy) as tf.Tensor2D;
        const { dw, db } = weightGrad(sx, dz, true);
        return [tf.matMul(dz, tf.transpose(sw)), dw, db!]; // (N, dOut) @ (dOut, dIn); (dIn, dOut); (dOut)
      },
    };
  });
}

const linearByActivation: Record<LinearActivation, (...t: tf.Tensor[]) => tf.Tensor> = {
  linear: makeLinear('linear'),
  relu: makeLinear('relu'),
};

/**
 * activation(x (N, dIn) @ w (dIn, dOut) + bias (dOut)) -> (N, dOut) in one fused wasm kernel, with
 * a gradient that stays on the fast 2-D path like `matmul`.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D, activation: LinearActivation = 'linear'): tf.Tensor2D {
  return linearByActivation[activation](x, w, bias) as tf.Tensor2D;
}

/** Epsilon added to the variance in layer normalisation (PyTorch's default). */
export const LAYER_NORM_EPS = 1e-5;

const layerNormWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, gain, bias, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
  const mean = tf.mean(x, 1, true); // (N, 1)
  const centered = tf.sub(x, mean); // (N, d)
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), LAYER_NORM_EPS)); // (N, 1)
  const xhat = tf.mul(centered, rstd); // (N, d)
  save([xhat, rstd, gain]);
  return {
    value: tf.add(tf.mul(xhat, gain), bias), // (N, d)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sxhat, srstd, sgain] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gain, per row.
      const g = tf.mul(dy, sgain); // (N, d)
      const meanG = tf.mean(g, 1, true); // (N, 1)
      const meanGx = tf.mean(tf.mul(g, sxhat), 1, true); // (N, 1)
      const dx = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(sxhat, meanGx)), srstd); // (N, d)
      return [dx, tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)];
    },
  };
});

/**
 * Layer normalisation of each row of x (N, d) with gain and bias (d) -> (N, d). The closed-form
 * gradient takes about half the kernels tf's autodiff of the composed ops would.
 */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D): tf.Tensor2D {
  return layerNormWithGrad(x, gain, bias) as tf.Tensor2D;
}

/**
 * One-hot rows as float32: int32 ids (...) -> (..., depth). Workaround: the wasm OneHot kernel
 * ignores `dtype` and writes int32 bit patterns into a float32 tensor (1 reads as 1.4e-45;
 * tfjs-backend-wasm 4.22, kernels/OneHot), so we build int32 and cast. Remove the cast once
 * tensor-ops.test.ts shows tf.oneHot(..., 'float32') correct on wasm.
 */
export function oneHotFloat(ids: tf.Tensor, depth: number): tf.Tensor {
  return tf.cast(tf.oneHot(ids, depth), 'float32');
}


// ---------------------------------------------------------------------------------------------
// Attention on small per-head matrices: three WebAssembly SIMD loops and a JS softmax.
// ---------------------------------------------------------------------------------------------
//
// Why (measured, tfjs-backend-wasm 4.22, see bench/trainer-bench.ts): attention multiplies many
// tiny per-(sequence, head) matrices (T <= maxSeqLen rows of D = headDim). tfjs-wasm runs every
// batched product in a scalar loop (~0.5-1 GMAC/s) and needs a dozen glue kernels around it
// (split/merge heads, mask, softmax, max, their gradients); plain JS loops are no faster. These
// loops (and a row normalisation for the decoder) are emitted below as WebAssembly bytecode with
// 128-bit SIMD (no toolchain, ~1 KB) and run
// on memory of their own; softmax stays in JS, since wasm has no exp. Pointers and strides are in
// bytes; a row holds D floats, D a multiple of 4 (otherwise the JS versions of the same loops run).
//   qk (a, aStride, b, bStride, c, cStride, n, dBytes, first): c[i][j] = a_i . b_j, i < n, j <= first + i
//   pv (p, pStride, b, bStride, y, yStride, n, dBytes, first): y_i = sum_{j <= first + i} p[i][j] b_j
//   ptb(p, pStride, b, bStride, y, yStride, n, dBytes):        y_j = sum_{j <= i < n} p[i][j] b_i
// Each takes a leading `groups` and, after each pointer, a group stride: the loop runs `groups`
// times, moving every pointer by its group stride (the heads of one sequence, in one call).

/** The three loops; see above. */
export interface AttentionKernels {
  qk(groups: number, a: number, aGroup: number, aStride: number, b: number, bGroup: number, bStride: number, c: number, cGroup: number, cStride: number, n: number, dBytes: number, first: number): void;
  pv(groups: number, p: number, pGroup: number, pStride: number, b: number, bGroup: number, bStride: number, y: number, yGroup: number, yStride: number, n: number, dBytes: number, first: number): void;
  ptb(groups: number, p: number, pGroup: number, pStride: number, b: number, bGroup: number, bStride: number, y: number, yGroup: number, yStride: number, n: number, dBytes: number): void;
  /** out row = (x row - mean) / sqrt(var + LAYER_NORM_EPS) for `rows` rows of dBytes / 4 floats. */
  norm(x: number, out: number, rows: number, dBytes: number): void;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

// Just the instructions the loops need (binary format of the WebAssembly core + SIMD specs).
const get = (local: number) => [0x20, ...uleb(local)];
const set = (local: number) => [0x21, ...uleb(local)];
const i32 = (value: number) => [0x41, ...sleb(value)];
const ADD = [0x6a], MUL = [0x6c], GE_S = [0x4e];
const F32_LOAD = [0x2a, 2, 0], F32_STORE = [0x38, 2, 0], F32_ADD = [0x92];
const V_LOAD = [0xfd, 0x00, 2, 0], V_STORE = [0xfd, 0x0b, 2, 0], SPLAT = [0xfd, 0x13];
const V_ADD = [0xfd, 0xe4, 0x01], V_MUL = [0xfd, 0xe6, 0x01], V_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const lane = (l: number) => [0xfd, 0x1f, l];
/** local += step */
const bump = (local: number, step: number[]) => [...get(local), ...step, ...ADD, ...set(local)];
/** while (local < limit) body, as block + loop; `limit` pushes an i32. */
const whileLess = (local: number, limit: number[], body: number[]) =>
  [0x02, 0x40, 0x03, 0x40, ...get(local), ...limit, ...GE_S, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
/** acc += x * y where x, y push v128 */
const fma = (acc: number, x: number[], y: number[]) => [...get(acc), ...x, ...y, ...V_MUL, ...V_ADD, ...set(acc)];

/**
 * Names the function's locals in order: the parameters first, then `i32s` i32 locals, then one
 * v128 `acc`. Returns name -> index.
 */
function localsOf(params: string[], i32s: string[], v128s: string[] = ['acc'], f32s: string[] = []): Record<string, number> {
  return Object.fromEntries([...params, ...i32s, ...v128s, ...f32s].map((name, index) => [name, index]));
}

/** A function to emit: its i32 parameter count, its locals by type (declared i32s, v128s, f32s) and its code. */
interface WasmFunction {
  readonly params: number;
  readonly locals: { i32: number; v128: number; f32: number };
  readonly code: number[];
}

/** for (g = 0; g < groups; g++) { body; each pointer param += its group stride } */
function overGroups(l: Record<string, number>, pointers: [string, string][], body: number[]): number[] {
  return [
    ...i32(0), ...set(l.g!),
    ...whileLess(l.g!, get(l.groups!), [
      ...body,
      ...pointers.flatMap(([ptr, stride]) => bump(l[ptr]!, get(l[stride]!))),
      ...bump(l.g!, i32(1)),
    ]),
  ];
}

const QK_PARAMS = ['groups', 'a', 'aG', 'aS', 'b', 'bG', 'bS', 'c', 'cG', 'cS', 'n', 'dB', 'first'];
function qkFunction(): WasmFunction {
  const i32s = ['g', 'i', 'j', 'jEnd', 'aRow', 'bRow', 'cPtr', 'k'];
  const l = localsOf(QK_PARAMS, i32s);
  const body = [
    ...i32(0), ...set(l.i!),
    ...whileLess(l.i!, get(l.n!), [
      ...get(l.a!), ...get(l.i!), ...get(l.aS!), ...MUL, ...ADD, ...set(l.aRow!),
      ...get(l.c!), ...get(l.i!), ...get(l.cS!), ...MUL, ...ADD, ...set(l.cPtr!),
      ...get(l.first!), ...get(l.i!), ...ADD, ...i32(1), ...ADD, ...set(l.jEnd!),
      ...get(l.b!), ...set(l.bRow!),
      ...i32(0), ...set(l.j!),
      ...whileLess(l.j!, get(l.jEnd!), [
        ...V_ZERO, ...set(l.acc!),
        ...i32(0), ...set(l.k!),
        ...whileLess(l.k!, get(l.dB!), [
          ...fma(l.acc!, [...get(l.aRow!), ...get(l.k!), ...ADD, ...V_LOAD], [...get(l.bRow!), ...get(l.k!), ...ADD, ...V_LOAD]),
          ...bump(l.k!, i32(16)),
        ]),
        ...get(l.cPtr!),
        ...get(l.acc!), ...lane(0), ...get(l.acc!), ...lane(1), ...F32_ADD, ...get(l.acc!), ...lane(2), ...F32_ADD, ...get(l.acc!), ...lane(3), ...F32_ADD,
        ...F32_STORE,
        ...bump(l.cPtr!, i32(4)), ...bump(l.bRow!, get(l.bS!)), ...bump(l.j!, i32(1)),
      ]),
      ...bump(l.i!, i32(1)),
    ]),
  ];
  return { params: QK_PARAMS.length, locals: { i32: i32s.length, v128: 1, f32: 0 }, code: overGroups(l, [['a', 'aG'], ['b', 'bG'], ['c', 'cG']], body) };
}

const PV_PARAMS = ['groups', 'p', 'pG', 'pS', 'b', 'bG', 'bS', 'y', 'yG', 'yS', 'n', 'dB', 'first'];
function pvFunction(): WasmFunction {
  const i32s = ['g', 'i', 'jEnd', 'k', 'j', 'pPtr', 'bPtr', 'pRow'];
  const l = localsOf(PV_PARAMS, i32s);
  const body = [
    ...i32(0), ...set(l.i!),
    ...whileLess(l.i!, get(l.n!), [
      ...get(l.p!), ...get(l.i!), ...get(l.pS!), ...MUL, ...ADD, ...set(l.pRow!),
      ...get(l.first!), ...get(l.i!), ...ADD, ...i32(1), ...ADD, ...set(l.jEnd!),
      ...i32(0), ...set(l.k!),
      ...whileLess(l.k!, get(l.dB!), [
        ...V_ZERO, ...set(l.acc!),
        ...i32(0), ...set(l.j!),
        ...get(l.pRow!), ...set(l.pPtr!),
        ...get(l.b!), ...get(l.k!), ...ADD, ...set(l.bPtr!),
        ...whileLess(l.j!, get(l.jEnd!), [
          ...fma(l.acc!, [...get(l.pPtr!), ...F32_LOAD, ...SPLAT], [...get(l.bPtr!), ...V_LOAD]),
          ...bump(l.pPtr!, i32(4)), ...bump(l.bPtr!, get(l.bS!)), ...bump(l.j!, i32(1)),
        ]),
        ...get(l.y!), ...get(l.i!), ...get(l.yS!), ...MUL, ...ADD, ...get(l.k!), ...ADD, ...get(l.acc!), ...V_STORE,
        ...bump(l.k!, i32(16)),
      ]),
      ...bump(l.i!, i32(1)),
    ]),
  ];
  return { params: PV_PARAMS.length, locals: { i32: i32s.length, v128: 1, f32: 0 }, code: overGroups(l, [['p', 'pG'], ['b', 'bG'], ['y', 'yG']], body) };
}

const PTB_PARAMS = ['groups', 'p', 'pG', 'pS', 'b', 'bG', 'bS', 'y', 'yG', 'yS', 'n', 'dB'];
function ptbFunction(): WasmFunction {
  const i32s = ['g', 'j', 'k', 'i', 'pPtr', 'bPtr'];
  const l = localsOf(PTB_PARAMS, i32s);
  const body = [
    ...i32(0), ...set(l.j!),
    ...whileLess(l.j!, get(l.n!), [
      ...i32(0), ...set(l.k!),
      ...whileLess(l.k!, get(l.dB!), [
        ...V_ZERO, ...set(l.acc!),
        ...get(l.j!), ...set(l.i!),
        ...get(l.p!), ...get(l.j!), ...get(l.pS!), ...MUL, ...ADD, ...get(l.j!), ...i32(4), ...MUL, ...ADD, ...set(l.pPtr!),
        ...get(l.b!), ...get(l.j!), ...get(l.bS!), ...MUL, ...ADD, ...get(l.k!), ...ADD, ...set(l.bPtr!),
        ...whileLess(l.i!, get(l.n!), [
          ...fma(l.acc!, [...get(l.pPtr!), ...F32_LOAD, ...SPLAT], [...get(l.bPtr!), ...V_LOAD]),
          ...bump(l.pPtr!, get(l.pS!)), ...bump(l.bPtr!, get(l.bS!)), ...bump(l.i!, i32(1)),
        ]),
        ...get(l.y!), ...get(l.j!), ...get(l.yS!), ...MUL, ...ADD, ...get(l.k!), ...ADD, ...get(l.acc!), ...V_STORE,
        ...bump(l.k!, i32(16)),
      ]),
      ...bump(l.j!, i32(1)),
    ]),
  ];
  return { params: PTB_PARAMS.length, locals: { i32: i32s.length, v128: 1, f32: 0 }, code: overGroups(l, [['p', 'pG'], ['b', 'bG'], ['y', 'yG']], body) };
}

const F32_DIV = [0x95], F32_SQRT = [0x91], F32_FROM_I32 = [0xb2], SHR_S = [0x75], V_SUB = [0xfd, 0xe5, 0x01];
const f32 = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [0x43, ...bytes];
};
/** The four lanes of a v128 local, added into one f32 on the stack. */
const laneSum = (v: number) => [...get(v), ...lane(0), ...get(v), ...lane(1), ...F32_ADD, ...get(v), ...lane(2), ...F32_ADD, ...get(v), ...lane(3), ...F32_ADD];

/** norm(x, out, rows, dBytes): out row = (x row - mean) / sqrt(var + eps), float32, rows of dBytes / 4 floats. */
function normFunction(): WasmFunction {
  const l = localsOf(['x', 'out', 'rows', 'dB'], ['r', 'k'], ['acc', 'meanV', 'c'], ['dF']);
  const load = [...get(l.x!), ...get(l.k!), ...ADD, ...V_LOAD];
  const code = [
    ...get(l.dB!), ...i32(2), ...SHR_S, ...F32_FROM_I32, ...set(l.dF!),
    ...i32(0), ...set(l.r!),
    ...whileLess(l.r!, get(l.rows!), [
      ...V_ZERO, ...set(l.acc!), ...i32(0), ...set(l.k!),
      ...whileLess(l.k!, get(l.dB!), [...get(l.acc!), ...load, ...V_ADD, ...set(l.acc!), ...bump(l.k!, i32(16))]),
      ...laneSum(l.acc!), ...get(l.dF!), ...F32_DIV, ...SPLAT, ...set(l.meanV!), // mean
      ...V_ZERO, ...set(l.acc!), ...i32(0), ...set(l.k!),
      ...whileLess(l.k!, get(l.dB!), [
        ...load, ...get(l.meanV!), ...V_SUB, ...set(l.c!),
        ...fma(l.acc!, get(l.c!), get(l.c!)),
        ...bump(l.k!, i32(16)),
      ]),
      ...f32(1), ...laneSum(l.acc!), ...get(l.dF!), ...F32_DIV, ...f32(LAYER_NORM_EPS), ...F32_ADD, ...F32_SQRT, ...F32_DIV, ...SPLAT, ...set(l.acc!), // 1 / sqrt(var + eps)
      ...i32(0), ...set(l.k!),
      ...whileLess(l.k!, get(l.dB!), [
        ...get(l.out!), ...get(l.k!), ...ADD,
        ...load, ...get(l.meanV!), ...V_SUB, ...get(l.acc!), ...V_MUL,
        ...V_STORE,
        ...bump(l.k!, i32(16)),
      ]),
      ...bump(l.x!, get(l.dB!)), ...bump(l.out!, get(l.dB!)), ...bump(l.r!, i32(1)),
    ]),
  ];
  return { params: 4, locals: { i32: 2, v128: 3, f32: 1 }, code };
}

/** The module: imports env.mem, exports qk, pv, ptb, norm. */
function kernelModuleBytes(): Uint8Array {
  const I32 = 0x7f, V128 = 0x7b, F32 = 0x7d;
  const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const exported = { qk: qkFunction(), pv: pvFunction(), ptb: ptbFunction(), norm: normFunction() };
  const functions = Object.values(exported);
  const types = functions.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), 0]);
  const bodies = functions.map((f) => {
    const groups = [[f.locals.i32, I32], [f.locals.v128, V128], [f.locals.f32, F32]].filter(([count]) => count! > 0).map(([count, type]) => [...uleb(count!), type!]);
    const content = [...vec(groups), ...f.code, 0x0b];
    return [...uleb(content.length), ...content];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(Object.keys(exported).map((key, i) => [...name(key), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let kernelModule: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (the JS loops run instead). */
function simdModule(): object | null {
  if (kernelModule === undefined) {
    const bytes = kernelModuleBytes();
    kernelModule = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return kernelModule;
}

/** The same loops in JS over a Float32Array view (byte pointers and strides, as above). */
function jsKernels(view: () => Float32Array): AttentionKernels {
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
 * A growable block of memory with the attention loops bound to it. The training kernels share one;
 * each decoder owns one for its KV cache. `f32` is a view of the whole memory; take it again after
 * `reserve`, which may grow (and so detach) the memory.
 */
export class AttentionArena {
  private readonly memory: WasmMemory;
  private view: Float32Array;
  private readonly simdKernels: AttentionKernels | null;
  private readonly plainKernels: AttentionKernels;

  /** `simd: false` forces the JS loops (tests compare the two). */
  constructor(simd = true) {
    const module = simd ? simdModule() : null;
    this.memory = wasmApi ? new wasmApi.Memory({ initial: 1 }) : new PlainMemory();
    this.view = new Float32Array(this.memory.buffer);
    this.simdKernels = module && wasmApi ? (new wasmApi.Instance(module, { env: { mem: this.memory } }).exports as AttentionKernels) : null;
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

let sharedArena: AttentionArena | undefined;
const trainingArena = () => (sharedArena ??= new AttentionArena());

/** Tests: run the training attention kernels on the SIMD loops (default) or the JS ones. */
export function useSimdAttention(simd: boolean): void {
  sharedArena = new AttentionArena(simd);
}

const ATTENTION = 'HmpoCausalAttention';
const ATTENTION_GRAD = 'HmpoCausalAttentionGrad';

interface AttentionAttrs {
  batch: number;
  seqLen: number;
  nHeads: number;
}

function attentionKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { batch, seqLen, nHeads } = attrs as unknown as AttentionAttrs;
  const [n, width] = inputs.q!.shape as [number, number];
  const headDim = width / nHeads;
  const scale = 1 / Math.sqrt(headDim);
  const size = n * width;
  const block = seqLen * seqLen;
  // Arena layout (floats): q, k, v, y (N, W) each, then the softmax P (B*H, T, T).
  const [Q, K, V, Y, P] = [0, size, 2 * size, 3 * size, 4 * size];
  const arena = trainingArena();
  arena.reserve(P + batch * nHeads * block);
  const m = arena.f32;
  m.set(floatsOf(be, inputs.q!), Q);
  m.set(floatsOf(be, inputs.k!), K);
  m.set(floatsOf(be, inputs.v!), V);
  const { qk, pv } = arena.kernels(headDim);
  const rowBytes = width * 4, dBytes = headDim * 4;
  const maxLogit = new Float32Array(nHeads).fill(-Infinity); // (H)
  for (let b = 0; b < batch; b++) {
    // One call per sequence covers its heads: head h is `dBytes` further along each row and one block further in P.
    const row = b * seqLen * width; // first row of sequence b
    const p = P + b * nHeads * block;
    qk(nHeads, (Q + row) * 4, dBytes, rowBytes, (K + row) * 4, dBytes, rowBytes, p * 4, block * 4, seqLen * 4, seqLen, dBytes, 0);
    for (let h = 0; h < nHeads; h++) maxLogit[h] = Math.max(maxLogit[h]!, softmaxRows(m, p + h * block, seqLen, seqLen, 0, scale));
    pv(nHeads, p * 4, block * 4, seqLen * 4, (V + row) * 4, dBytes, rowBytes, (Y + row) * 4, dBytes, rowBytes, seqLen, dBytes, 0);
  }
  return [
    outputOf(be, m.subarray(Y, Y + size), [n, width]), // y (B*T, H*D)
    outputOf(be, m.subarray(P, P + batch * nHeads * block), [batch * nHeads, seqLen, seqLen]), // P, zero above the diagonal
    outputOf(be, maxLogit, [nHeads]),
  ];
}

/**
 * Backward from the saved softmax P, per (sequence, head): dP = dy vᵀ; dS_ij = P_ij (dP_ij -
 * sum_j' P_ij' dP_ij') scale; dq = dS k; dk = dSᵀ q; dv = Pᵀ dy.
 */
function attentionGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as tf.KernelBackend;
  const { batch, seqLen, nHeads } = attrs as unknown as AttentionAttrs;
  const [n, width] = inputs.q!.shape as [number, number];
  const headDim = width / nHeads;
  const scale = 1 / Math.sqrt(headDim);
  const size = n * width;
  const block = seqLen * seqLen;
  const probSize = batch * nHeads * block;
  // Arena layout (floats): q, k, v, dy, dq, dk, dv (N, W) each, then P and dS (B*H, T, T) each.
  const [Q, K, V, DY, DQ, DK, DV, P, DS] = [0, 1, 2, 3, 4, 5, 6, 7, 7].map((x, i) => x * size + (i === 8 ? probSize : 0)) as number[];
  const arena = trainingArena();
  arena.reserve(DS! + probSize);
  const m = arena.f32;
  m.set(floatsOf(be, inputs.q!), Q);
  m.set(floatsOf(be, inputs.k!), K);
  m.set(floatsOf(be, inputs.v!), V);
  m.set(floatsOf(be, inputs.dy!), DY);
  m.set(floatsOf(be, inputs.probs!), P);
  const { qk, pv, ptb } = arena.kernels(headDim);
  const rowBytes = width * 4, dBytes = headDim * 4, pRow = seqLen * 4;
  const blockBytes = block * 4;
  for (let b = 0; b < batch; b++) {
    // One call per sequence covers its heads (see the forward kernel).
    const row = (b * seqLen * width) * 4; // bytes
    const p = P! + b * nHeads * block;
    const ds = DS! + b * nHeads * block;
    qk(nHeads, DY! * 4 + row, dBytes, rowBytes, V! * 4 + row, dBytes, rowBytes, ds * 4, blockBytes, pRow, seqLen, dBytes, 0); // dP, lower triangle
    for (let at = 0; at < nHeads * block; at += seqLen) {
      const i = (at / seqLen) % seqLen; // row within its head's block
      let rowDot = 0;
      for (let j = 0; j <= i; j++) rowDot += m[p + at + j]! * m[ds + at + j]!;
      for (let j = 0; j <= i; j++) m[ds + at + j] = m[p + at + j]! * (m[ds + at + j]! - rowDot) * scale;
    }
    pv(nHeads, ds * 4, blockBytes, pRow, K! * 4 + row, dBytes, rowBytes, DQ! * 4 + row, dBytes, rowBytes, seqLen, dBytes, 0);
    ptb(nHeads, ds * 4, blockBytes, pRow, Q! * 4 + row, dBytes, rowBytes, DK! * 4 + row, dBytes, rowBytes, seqLen, dBytes);
    ptb(nHeads, p * 4, blockBytes, pRow, DY! * 4 + row, dBytes, rowBytes, DV! * 4 + row, dBytes, rowBytes, seqLen, dBytes);
  }
  return [DQ!, DK!, DV!].map((at) => outputOf(be, m.subarray(at, at + size), [n, width]));
}

tf.registerGradient({
  kernelName: ATTENTION,
  inputsToSave: ['q', 'k', 'v'],
  outputsToSave: [false, true, false],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [q, k, v, probs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const dOut = Array.isArray(dy) ? dy[0]! : dy;
    const [dq, dk, dv] = tf.engine().runKernel(ATTENTION_GRAD, { dy: dOut, q, k, v, probs }, attrs) as tf.Tensor[];
    return { q: () => dq!, k: () => dk!, v: () => dv! };
  },
});

/** Registers both kernels for the active backend (they only use readSync/write, so any backend works). */
function ensureAttentionKernels(): void {
  const backendName = tf.getBackend();
  if (tf.getKernel(ATTENTION, backendName) !== undefined) return;
  tf.registerKernel({ kernelName: ATTENTION, backendName, kernelFunc: attentionKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: ATTENTION_GRAD, backendName, kernelFunc: attentionGradKernel as unknown as tf.KernelFunc });
}

/**
 * Causal multi-head self-attention of q, k, v (B*T, H*D), rows grouped by sequence, head h in
 * columns [h*D, (h+1)*D): softmax(q kᵀ / sqrt(D) + causal mask) v -> y (B*T, H*D), plus the max
 * scaled pre-softmax logit per head over the batch and the causal positions (H), which carries no
 * gradient. One kernel each way instead of split-heads, two batched products, mask, softmax, max
 * and merge-heads (and their gradients); differentiable w.r.t. q, k and v. Deterministic, so the
 * same inputs give bit-identical outputs with or without a gradient tape.
 */
export function causalSelfAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, batch: number, seqLen: number, nHeads: number): { y: tf.Tensor2D; maxLogit: tf.Tensor1D } {
  const [n, width] = q.shape;
  if (n !== batch * seqLen || width % nHeads !== 0) throw new Error(`causalSelfAttention: q is [${q.shape.join(', ')}], expected [${batch * seqLen}, a multiple of ${nHeads}]`);
  ensureAttentionKernels();
  const attrs: AttentionAttrs = { batch, seqLen, nHeads };
  const [y, , maxLogit] = tf.engine().runKernel(ATTENTION, { q, k, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { y: y as tf.Tensor2D, maxLogit: maxLogit as tf.Tensor1D };
}
