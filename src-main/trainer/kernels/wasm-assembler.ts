/**
 * A tiny WebAssembly assembler: the few instructions (core + 128-bit SIMD, binary format) that the
 * hand-written loops need, structured-loop helpers, and the module writer that turns a set of
 * functions into bytes importing one memory (`env.mem`). Plus the slice of the WebAssembly JS API
 * the project's TypeScript libs do not declare. What this is not: the loops themselves
 * (attention-loops.ts and the other *-loops.ts), a validator, or a general assembler (i32
 * parameters only; no result, or one f64).
 */

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

export const get = (local: number) => [0x20, ...uleb(local)];
export const set = (local: number) => [0x21, ...uleb(local)];
export const i32 = (value: number) => [0x41, ...sleb(value)];
export const f32 = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [0x43, ...bytes];
};
export const ADD = [0x6a], MUL = [0x6c], GE_S = [0x4e], SHR_S = [0x75];
export const F32_LOAD = [0x2a, 2, 0], F32_STORE = [0x38, 2, 0], F32_ADD = [0x92], F32_DIV = [0x95], F32_SQRT = [0x91], F32_FROM_I32 = [0xb2];
export const V_LOAD = [0xfd, 0x00, 2, 0], V_STORE = [0xfd, 0x0b, 2, 0], SPLAT = [0xfd, 0x13];
export const V_ADD = [0xfd, 0xe4, 0x01], V_SUB = [0xfd, 0xe5, 0x01], V_MUL = [0xfd, 0xe6, 0x01], V_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
export const V_MAX = [0xfd, 0xe9, 0x01], V_AND = [0xfd, 0x4e], F32_REINTERPRET_I32 = [0xbe];
/** f32 load / store at a constant byte offset from the address on the stack. */
export const f32LoadAt = (offset: number) => [0x2a, 2, ...uleb(offset)];
export const f32StoreAt = (offset: number) => [0x38, 2, ...uleb(offset)];
const lane = (l: number) => [0xfd, 0x1f, l];

/** local += step */
export const bump = (local: number, step: number[]) => [...get(local), ...step, ...ADD, ...set(local)];
/** while (local < limit) body, as block + loop; `limit` pushes an i32. */
const whileLess = (local: number, limit: number[], body: number[]) =>
  [0x02, 0x40, 0x03, 0x40, ...get(local), ...limit, ...GE_S, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
/** for (local = start; local < limit; local += step) body; `start`, `limit` and `step` push an i32. */
export const countUp = (local: number, start: number[], limit: number[], step: number[], body: number[]) =>
  [...start, ...set(local), ...whileLess(local, limit, [...body, ...bump(local, step)])];
/** Pushes base + index * stride (a row's address), all three locals. */
export const rowAddress = (base: number, index: number, stride: number) => [...get(base), ...get(index), ...get(stride), ...MUL, ...ADD];
/** acc += x * y where x, y push v128 */
export const fma = (acc: number, x: number[], y: number[]) => [...get(acc), ...x, ...y, ...V_MUL, ...V_ADD, ...set(acc)];
/** for (k = 0; k < dB; k += 16) body, over locals named `k` and `dB`: one v128 block of a row of dB bytes. */
export const overColumns = (l: Record<string, number>, body: number[]) => countUp(l.k!, i32(0), get(l.dB!), i32(16), body);
/** The four lanes of a v128 local, added into one f32 on the stack. */
export const laneSum = (v: number) => [...get(v), ...lane(0), ...get(v), ...lane(1), ...F32_ADD, ...get(v), ...lane(2), ...F32_ADD, ...get(v), ...lane(3), ...F32_ADD];

/**
 * Names the function's locals in order: the parameters first, then the i32 locals, the v128 locals
 * (one `acc` unless told) and the f32 locals. Returns name -> index.
 */
export function localsOf(params: string[], i32s: string[], v128s: string[] = ['acc'], f32s: string[] = []): Record<string, number> {
  return Object.fromEntries([...params, ...i32s, ...v128s, ...f32s].map((name, index) => [name, index]));
}

/** A function to emit: its i32 parameter count, its locals by type (declared i32s, v128s, f32s) and its code. */
export interface WasmFunction {
  readonly params: number;
  readonly locals: { i32: number; v128: number; f32: number; f64?: number };
  readonly code: number[];
  /** The value the code leaves on the stack, if any. */
  readonly result?: 'f64';
}

/** A module that imports one memory as env.mem and exports `functions` under their keys. */
export function moduleBytes(functions: Record<string, WasmFunction>): Uint8Array {
  const I32 = 0x7f, V128 = 0x7b, F32 = 0x7d, F64 = 0x7c;
  const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const list = Object.values(functions);
  const types = list.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...(f.result === 'f64' ? [1, F64] : [0])]);
  const bodies = list.map((f) => {
    const groups = [[f.locals.i32, I32], [f.locals.v128, V128], [f.locals.f32, F32], [f.locals.f64 ?? 0, F64]].filter(([count]) => count! > 0).map(([count, type]) => [...uleb(count!), type!]);
    const content = [...vec(groups), ...f.code, 0x0b];
    return [...uleb(content.length), ...content];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(list.map((_, i) => uleb(i)))),
    ...section(7, vec(Object.keys(functions).map((key, i) => [...name(key), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
/** The runtime's WebAssembly object, or undefined where there is none. */
export const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * Loops compiled once, bound per memory: `candidates` lists module contents in order of
 * preference (e.g. with relaxed SIMD, then without); the first the runtime validates is compiled
 * on first use. The binder instantiates it on a memory, or gives null where none validates (or
 * there is no WebAssembly).
 */
export function compiledLoops<T>(candidates: () => Record<string, WasmFunction>[]): (memory: object) => T | null {
  let compiled: object | null | undefined;
  return (memory) => {
    if (compiled === undefined) {
      compiled = null;
      for (const functions of candidates()) {
        const bytes = moduleBytes(functions);
        if (wasmApi?.validate(bytes)) {
          compiled = new wasmApi.Module(bytes);
          break;
        }
      }
    }
    return compiled && wasmApi ? (new wasmApi.Instance(compiled, { env: { mem: memory } }).exports as T) : null;
  };
}
