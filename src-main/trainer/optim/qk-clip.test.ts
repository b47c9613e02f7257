// QK-clip: the factor rule on the objectives.md section 8 vector, then the in-place clip on real
// weights checked with a small causal attention computation, and the optimizer wrapper.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import type { AttentionProjections, Optimizer } from '../parameters.js';
import { applyQkClip, qkClipFactors, qkClipLayerFactors, QkClipOptimizer } from './qk-clip.js';

const D_MODEL = 8;
const N_HEADS = 3;
const HEAD_DIM = 4;
const T = 6;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('qkClipFactors', () => {
  it('matches the spec vector: tau 100, alpha 0.5, S_max [50, 150, 400]', () => {
    const f = qkClipFactors([50, 150, 400], 100, 0.5);
    // gamma = [-, 2/3, 1/4]; sqrt(2/3) = 0.8164965809, sqrt(1/4) = 0.5.
    const want = [1, 0.8164965809, 0.5];
    f.qScale.forEach((s, h) => expect(s).toBeCloseTo(want[h] ?? Number.NaN, 10));
    expect(f.kScale).toEqual(f.qScale);
    expect(f.clipped).toEqual([false, true, true]);
    expect(f.qScale[0]).toBe(1);
    const newSMax = [50, 150, 400].map((s, h) => s * (f.qScale[h] ?? 0) * (f.kScale[h] ?? 0));
    newSMax.forEach((s, h) => expect(s).toBeCloseTo([50, 100, 100][h] ?? Number.NaN, 9));
  });

  it('splits gamma between W_q and W_k by alpha and leaves a head exactly at tau alone', () => {
    const f = qkClipFactors([100, 200], 100, 0.25);
    expect(f.clipped).toEqual([false, true]);
    expect(f.qScale[0]).toBe(1);
    expect(f.kScale[0]).toBe(1);
    expect(f.qScale[1]).toBeCloseTo(0.5 ** 0.25, 12);
    expect(f.kScale[1]).toBeCloseTo(0.5 ** 0.75, 12);
    expect(f.gamma).toEqual([1, 0.5]);
  });

  it('layer granularity applies the layer max gamma to every head, or nothing', () => {
    const f = qkClipLayerFactors([50, 150, 400], 100, 0.5);
    expect(f.clipped).toEqual([true, true, true]);
    expect(f.gamma).toEqual([0.25, 0.25, 0.25]);
    expect(f.qScale).toEqual([0.5, 0.5, 0.5]);
    const none = qkClipLayerFactors([50, 99, 100], 100, 0.5);
    expect(none.clipped).toEqual([false, false, false]);
    expect(none.qScale).toEqual([1, 1, 1]);
  });
});

/** Per-head max causal pre-softmax logit of x through one layer: max_{j <= i} q_i . k_j / sqrt(d). */
function headMaxLogits(x: tf.Tensor2D, proj: AttentionProjections): number[] {
  return tf.tidy(() => {
    const q = tf.matMul(x, proj.wq); // (T, nHeads * headDim)
    const k = tf.matMul(x, proj.wk);
    const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0); // 1 where j <= i
    const maxes: number[] = [];
    for (let h = 0; h < proj.nHeads; h++) {
      const qh = tf.slice(q, [0, h * proj.headDim], [T, proj.headDim]); // (T, headDim)
      const kh = tf.slice(k, [0, h * proj.headDim], [T, proj.headDim]);
      const logits = tf.div(tf.matMul(qh, tf.transpose(kh)), Math.sqrt(proj.headDim)); // (T, T)
      const masked = tf.where(tf.cast(causal, 'bool'), logits, tf.fill([T, T], -Infinity));
      maxes.push(tf.max(masked).dataSync()[0] ?? Number.NaN);
    }
    return maxes;
  });
}

/** Columns [h * headDim, (h + 1) * headDim) of a (dModel, nHeads * headDim) matrix, row-major. */
function headColumns(w: tf.Variable, head: number): Float32Array {
  const data = w.dataSync() as Float32Array;
  const cols = w.shape[1] ?? 0;
  const out: number[] = [];
  for (let r = 0; r < (w.shape[0] ?? 0); r++) out.push(...data.subarray(r * cols + head * HEAD_DIM, r * cols + (head + 1) * HEAD_DIM));
  return Float32Array.from(out);
}

describe('applyQkClip on real weights', () => {
  let x: tf.Tensor2D;
  let projections: AttentionProjections[];

  beforeEach(() => {
    x = tf.randomNormal([T, D_MODEL], 0, 1, 'float32', 1) as tf.Tensor2D;
    projections = [0, 1].map((layer) => {
      // Spread the heads' logit scales (x1, x4, x12) so a tau between them clips some heads only.
      const spread = tf.tensor1d([1, 4, 12].flatMap((s) => new Array<number>(HEAD_DIM).fill(s)));
      const wq = tf.variable(tf.mul(tf.randomNormal([D_MODEL, N_HEADS * HEAD_DIM], 0, 1, 'float32', 10 + layer), spread), false, `l${layer}.wq`);
      const wk = tf.variable(tf.randomNormal([D_MODEL, N_HEADS * HEAD_DIM], 0, 1, 'float32', 20 + layer), false, `l${layer}.wk`);
      spread.dispose();
      return { layer, wq, wk, nHeads: N_HEADS, headDim: HEAD_DIM };
    });
  });

  afterEach(() => {
    tf.dispose([x, ...projections.flatMap((p) => [p.wq, p.wk])]);
  });

  /** A tau strictly between the middle two measured S_max values, so some heads clip and some do not. */
  function middleTau(sMax: number[][]): number {
    const sorted = sMax.flat().sort((a, b) => a - b);
    const tau = ((sorted[2] ?? 0) + (sorted[3] ?? 0)) / 2;
    expect(tau).toBeGreaterThan(0);
    return tau;
  }

  it('brings every clipped head to tau and leaves the other heads bit-identical', () => {
    const sMax = projections.map((p) => headMaxLogits(x, p));
    const tau = middleTau(sMax);
    const before = projections.map((p) => [0, 1, 2].map((h) => ({ q: headColumns(p.wq, h), k: headColumns(p.wk, h) })));

    const stats = applyQkClip(projections, sMax, { tau, alpha: 0.5, granularity: 'head' });

    const after = projections.map((p) => headMaxLogits(x, p));
    expect(stats.clippedHeads).toHaveLength(3);
    projections.forEach((p, l) => {
      for (let h = 0; h < N_HEADS; h++) {
        const s = sMax[l]?.[h] ?? Number.NaN;
        const measured = after[l]?.[h] ?? Number.NaN;
        if (s > tau) {
          expect(Math.abs(measured - tau) / tau).toBeLessThan(1e-5);
          expect(headColumns(p.wq, h)).not.toEqual(before[l]?.[h]?.q);
        } else {
          expect(measured).toBe(s);
          expect(headColumns(p.wq, h)).toEqual(before[l]?.[h]?.q);
          expect(headColumns(p.wk, h)).toEqual(before[l]?.[h]?.k);
        }
      }
    });
  });

  it('reports each clipped head with its pre-clip max logit and factor', () => {
    const sMax = [[50, 150, 400], [10, 20, 30]];
    const stats = applyQkClip(projections, sMax, { tau: 100, alpha: 0.5, granularity: 'head' });
    expect(stats.clippedHeads).toHaveLength(2);
    expect(stats.clippedHeads).toEqual([
      { layer: 0, head: 1, sMax: 150, gamma: 100 / 150 },
      { layer: 0, head: 2, sMax: 400, gamma: 0.25 },
    ]);
  });

  it('does not write a layer with no clipped head', () => {
    const before = projections[1]?.wq.dataSync().slice();
    applyQkClip(projections, [[50, 150, 400], [10, 20, 30]], { tau: 100, alpha: 0.5, granularity: 'head' });
    expect(projections[1]?.wq.dataSync()).toEqual(before);
  });

  it('layer granularity scales every head of a layer over tau by the same gamma', () => {
    const sMax = projections.map((p) => headMaxLogits(x, p));
    const tau = middleTau(sMax);
    applyQkClip(projections, sMax, { tau, alpha: 0.5, granularity: 'layer' });
    const after = projections.map((p) => headMaxLogits(x, p));
    sMax.forEach((row, l) => {
      const layerMax = Math.max(...row);
      const gamma = layerMax > tau ? tau / layerMax : 1;
      row.forEach((s, h) => expect(Math.abs((after[l]?.[h] ?? Number.NaN) - s * gamma)).toBeLessThan(1e-5 * Math.abs(s) + 1e-6));
    });
  });

  it('creates no lasting tensors', () => {
    const before = tf.memory().numTensors;
    applyQkClip(projections, [[50, 150, 400], [200, 20, 30]], { tau: 100, alpha: 0.5, granularity: 'head' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses mismatched shapes and non-finite S_max', () => {
    const settings = { tau: 100, alpha: 0.5, granularity: 'head' } as const;
    expect(() => applyQkClip(projections, [[1, 2, 3]], settings)).toThrow(/S_max for 1 layer/);
    expect(() => applyQkClip(projections, [[1, 2, 3], [1, 2]], settings)).toThrow(/layer 1 has 3 heads/);
    expect(() => applyQkClip(projections, [[1, Number.NaN, 3], [1, 2, 3]], settings)).toThrow(/non-finite/);
  });
});

describe('QkClipOptimizer', () => {
  function setup() {
    const calls: string[] = [];
    const wq = tf.variable(tf.ones([2, 4]), false);
    const wk = tf.variable(tf.ones([2, 4]), false);
    const inner: Optimizer = {
      step: () => {
        calls.push('inner');
        // The inner step changes the weights; the clip must act on what it wrote.
        tf.tidy(() => wq.assign(tf.mul(wq, 2)));
      },
      dispose: () => calls.push('dispose'),
    };
    const projections: AttentionProjections[] = [{ layer: 0, wq, wk, nHeads: 2, headDim: 2 }];
    const optimizer = new QkClipOptimizer(inner, projections, { tau: 100, alpha: 0.5, granularity: 'head' });
    return { calls, wq, wk, optimizer, free: () => tf.dispose([wq, wk]) };
  }

  it('runs the inner step, then clips the heads over tau, and exposes the stats', () => {
    const { calls, wq, wk, optimizer, free } = setup();
    expect(optimizer.lastStats).toBeNull();
    optimizer.setAttentionMaxLogits([[50, 400]]);
    const before = tf.memory().numTensors;
    optimizer.step(new Map());
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toEqual(['inner']);
    // Head 1: gamma 1/4, so W_q (doubled by the inner step) and W_k columns scale by 1/2.
    expect(Array.from(wq.dataSync())).toEqual([2, 2, 1, 1, 2, 2, 1, 1]);
    expect(Array.from(wk.dataSync())).toEqual([1, 1, 0.5, 0.5, 1, 1, 0.5, 0.5]);
    expect(optimizer.lastStats?.clippedHeads).toHaveLength(1);
    free();
  });

  it('consumes the recorded S_max: a second step without a new measurement throws before stepping', () => {
    const { calls, optimizer, free } = setup();
    optimizer.setAttentionMaxLogits([[50, 400]]);
    optimizer.step(new Map());
    expect(() => optimizer.step(new Map())).toThrow(/setAttentionMaxLogits/);
    expect(calls).toEqual(['inner']);
    free();
  });

  it('rejects a malformed measurement when it is recorded', () => {
    const { optimizer, free } = setup();
    expect(() => optimizer.setAttentionMaxLogits([[50, 400, 3]])).toThrow(/2 heads/);
    free();
  });

  it('disposes the inner optimizer', () => {
    const { calls, optimizer, free } = setup();
    optimizer.dispose();
    expect(calls).toEqual(['dispose']);
    free();
  });
});
