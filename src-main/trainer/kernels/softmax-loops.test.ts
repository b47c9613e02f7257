// The SIMD causal softmax against a float64 softmax of the same float32 arguments (within a few
// float32 ulps): every row length 1..n (n not a multiple of 4,
// so chunks cross rows), logits spread widely (the exp's range reduction and its underflow clamp),
// the per-block max, and memory after the last block left exactly as it was.
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { f32Bits } from './optimizer-loops.js';
import { softmaxKernels } from './softmax-loops.js';
import { wasmApi } from './wasm-assembler.js';

describe('SIMD causal softmax', () => {
  it('matches a float64 softmax row by row, zeroes the rest, folds in the max and leaves what follows alone', () => {
    const memory = new wasmApi!.Memory({ initial: 1 });
    const loops = softmaxKernels(memory)!;
    expect(loops, 'compiles here').not.toBeNull();
    const [groups, n, scale] = [3, 7, Math.fround(0.37)];
    const m = new Float32Array(memory.buffer);
    const rng = new Rng(3);
    const size = groups * n * n;
    for (let i = 0; i < size + 4; i++) m[i] = 40 * rng.normal(); // logits from about -120 to 120 after scaling, plus 4 floats after the blocks
    const before = Float32Array.from(m.subarray(0, size + 4));
    const maxAt = (size + 8) * 4;
    m.fill(-Infinity, maxAt >> 2, (maxAt >> 2) + groups);
    m[(maxAt >> 2) + 1] = 1e9; // a max already there is kept when larger
    loops.causal(0, groups, n, n * 4, n * n * 4, f32Bits(scale), maxAt);
    for (let g = 0; g < groups; g++) {
      let blockMax = -Infinity;
      for (let i = 0; i < n; i++) {
        const row = (g * n + i) * n;
        const logits = Array.from(before.subarray(row, row + i + 1), (x) => Math.fround(x * scale));
        const top = Math.max(...logits);
        blockMax = Math.max(blockMax, top);
        const e = logits.map((x) => Math.exp(Math.fround(x - top))); // the argument as float32 computes it: exp's error then is its own
        const total = e.reduce((a, b) => a + b);
        e.forEach((v, j) => expect(Math.abs(m[row + j]! - v / total), `group ${g} row ${i} col ${j}`).toBeLessThanOrEqual(3e-7 * (v / total) + 1e-37));
        for (let j = i + 1; j < n; j++) expect(m[row + j], `zero after the diagonal (row ${i} col ${j})`).toBe(0);
      }
      expect(m[(maxAt >> 2) + g]).toBe(g === 1 ? 1e9 : Math.fround(blockMax));
    }
    expect(Array.from(m.subarray(size, size + 4))).toEqual(Array.from(before.subarray(size, size + 4)));
  });
});

describe('SIMD causal softmax backward', () => {
  it('gives dS = P (dP - rowwise P.dP) scale below the diagonal, zeros above, and leaves what follows alone', () => {
    const memory = new wasmApi!.Memory({ initial: 1 });
    const loops = softmaxKernels(memory)!;
    const [groups, n, scale] = [2, 6, Math.fround(0.25)];
    const size = groups * n * n;
    const m = new Float32Array(memory.buffer);
    const rng = new Rng(4);
    const [P, DS] = [0, size + 8]; // floats; dS's block is followed by 4 floats that must survive
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < n; i++) {
        const row = (g * n + i) * n;
        const e = Array.from({ length: i + 1 }, () => Math.exp(rng.normal()));
        const total = e.reduce((a, b) => a + b);
        for (let j = 0; j < n; j++) m[P + row + j] = j <= i ? e[j]! / total : 0;
      }
    }
    for (let x = 0; x < size + 4; x++) m[DS + x] = rng.normal();
    const dP = Float32Array.from(m.subarray(DS, DS + size + 4));
    loops.causalBackward(P * 4, DS * 4, groups, n, n * 4, n * n * 4, f32Bits(scale));
    for (let r = 0; r < groups * n; r++) {
      const i = r % n, row = r * n;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += m[P + row + j]! * dP[row + j]!;
      for (let j = 0; j < n; j++) {
        const expected = j <= i ? m[P + row + j]! * (dP[row + j]! - dot) * scale : 0;
        expect(Math.abs(m[DS + row + j]! - expected), `row ${r} col ${j}`).toBeLessThanOrEqual(1e-6 * Math.abs(expected) + 1e-7);
      }
    }
    expect(Array.from(m.subarray(DS + size, DS + size + 4))).toEqual(Array.from(dP.subarray(size, size + 4)));
  });
});

describe('SIMD causal softmax on the n x n corner of larger blocks', () => {
  it('forward and backward touch the first n rows and columns of each T x T block only', () => {
    const memory = new wasmApi!.Memory({ initial: 1 });
    const loops = softmaxKernels(memory)!;
    const [groups, n, T, scale] = [2, 5, 9, 0.5];
    const size = groups * T * T;
    const m = new Float32Array(memory.buffer);
    const rng = new Rng(8);
    const [P, DS, MAX] = [0, size + 8, 2 * size + 16];
    for (let i = 0; i < 2 * size + 16; i++) m[i] = rng.normal();
    m.fill(-Infinity, MAX, MAX + groups);
    const before = Float32Array.from(m.subarray(0, 2 * size + 16));
    loops.causal(P * 4, groups, n, T * 4, T * T * 4, f32Bits(scale), MAX * 4);
    const probs = Float32Array.from(m.subarray(P, P + size));
    loops.causalBackward(P * 4, DS * 4, groups, n, T * 4, T * T * 4, f32Bits(scale));
    for (let g = 0; g < groups; g++) {
      let blockMax = -Infinity;
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          const at = g * T * T + i * T + j;
          if (i >= n || j >= n) {
            expect(m[P + at], `P outside the corner (block ${g}, ${i}, ${j})`).toBe(before[P + at]);
            expect(m[DS + at], `dS outside the corner (block ${g}, ${i}, ${j})`).toBe(before[DS + at]);
          } else if (j > i) {
            expect(m[P + at]).toBe(0);
            expect(m[DS + at]).toBe(0);
          }
        }
        if (i >= n) continue;
        const row = g * T * T + i * T;
        const logits = Array.from(before.subarray(P + row, P + row + i + 1), (x) => Math.fround(x * Math.fround(scale)));
        blockMax = Math.max(blockMax, ...logits);
        const e = logits.map((x) => Math.exp(x - Math.max(...logits)));
        const total = e.reduce((a, b) => a + b);
        e.forEach((v, j) => expect(Math.abs(probs[row + j]! - v / total)).toBeLessThanOrEqual(1e-6));
        let dot = 0;
        for (let j = 0; j <= i; j++) dot += probs[row + j]! * before[DS + row + j]!;
        for (let j = 0; j <= i; j++) expect(Math.abs(m[DS + row + j]! - probs[row + j]! * (before[DS + row + j]! - dot) * scale)).toBeLessThanOrEqual(1e-6);
      }
      expect(m[MAX + g]).toBe(Math.fround(blockMax));
    }
  });
});
