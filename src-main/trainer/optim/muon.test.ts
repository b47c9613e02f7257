// Muon: the hidden-matrix update against the spec's Newton-Schulz vector and against the formula
// recomputed independently, AdamW routing for the other kinds, state round-trip and leaks (wasm).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import type { Param, ParamKind, StepSettings } from '../parameters.js';
import { AdamW, OptimizerStateError } from './adamw.js';
import { Muon, type MuonSettings } from './muon.js';
import { newtonSchulz } from './newton-schulz.js';

const SETTINGS: MuonSettings = { learningRate: 0.1, momentum: 0.95, nsSteps: 5, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
// Newton-Schulz of [[1,2,3],[4,5,6]] in float64 (objectives.md section 8).
const NS_SPEC = [
  [-0.5682901101, 0.0577419431, 0.6837739964],
  [0.5633546975, 0.405612831, 0.2478709646],
];

beforeAll(async () => {
  await initBackend('wasm');
});

function param(name: string, kind: ParamKind, value: tf.Tensor): Param {
  return { name, kind, variable: tf.tidy(() => tf.variable(value)) };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  Array.from(actual).forEach((x, i) => expect(Math.abs(x - (expected[i] ?? Number.NaN))).toBeLessThan(tol));
}

/** One step with gradients disposed after; asserts the tensor count is unchanged by the step. */
function stepNoLeak(opt: Muon, grads: Record<string, tf.Tensor>, settings: StepSettings = {}): void {
  const map = new Map(Object.entries(grads));
  const before = tf.memory().numTensors;
  opt.step(map, settings);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([...map.values()]);
}

describe('Muon', () => {
  it('a per-step learning rate sets the rate of both halves (a Muon at 0.5 stepped at 0.1 steps like one built at 0.1)', () => {
    const make = () => [param('w', 'hidden-matrix', tf.fill([2, 3], 0.5)), param('b', 'bias', tf.fill([3], 0.5))];
    const [reference, retuned] = [make(), make()];
    const optA = new Muon(reference, SETTINGS);
    const optB = new Muon(retuned, { ...SETTINGS, learningRate: 0.5 });
    stepNoLeak(optA, { w: tf.tensor2d([[1, 2, 3], [4, 5, 6]]), b: tf.tensor1d([1, -1, 2]) });
    stepNoLeak(optB, { w: tf.tensor2d([[1, 2, 3], [4, 5, 6]]), b: tf.tensor1d([1, -1, 2]) }, { learningRate: 0.1 });
    reference.forEach((p, i) => expectClose(retuned[i]!.variable.dataSync(), p.variable.dataSync(), 1e-7));
    expect(retuned[1]!.variable.dataSync()[0]).not.toBeCloseTo(0.5, 3);
    [optA, optB].forEach((o) => o.dispose());
    tf.dispose([...reference, ...retuned].map((p) => p.variable));
  });

  it('first step on [[1,2,3],[4,5,6]] applies decay and the spec Newton-Schulz output scaled by 0.2 sqrt(3)', () => {
    // B = G, U = G + 0.95 G = 1.95 G; Newton-Schulz ignores the scale, so O = NS_SPEC.
    // p1 = 0.5 (1 - 0.1 * 0.1) - 0.1 * 0.2 * sqrt(3) * O = 0.495 - 0.0346410162 O.
    const w = param('w', 'hidden-matrix', tf.fill([2, 3], 0.5));
    const opt = new Muon([w], SETTINGS);
    stepNoLeak(opt, { w: tf.tensor2d([[1, 2, 3], [4, 5, 6]]) });
    const expected = NS_SPEC.flat().map((o) => 0.495 - 0.1 * 0.2 * Math.sqrt(3) * o);
    expectClose(w.variable.dataSync(), expected, 2e-6);
    opt.dispose();
    w.variable.dispose();
  });

  it('two steps on a tall matrix follow B <- mu B + G, U = G + mu B, p <- p (1 - lr wd) - lr 0.2 sqrt(max) NS(U)', () => {
    const p0 = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const g1 = tf.randomNormal([4, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
    const g2 = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const w = param('w', 'hidden-matrix', p0);
    const opt = new Muon([w], SETTINGS);
    stepNoLeak(opt, { w: g1.clone() });
    stepNoLeak(opt, { w: g2.clone() });

    const expected = tf.tidy(() => {
      const mu = 0.95;
      const scale = 0.1 * 0.2 * Math.sqrt(4);
      const b1 = g1;
      const p1 = tf.sub(tf.mul(p0, 0.99), tf.mul(newtonSchulz(tf.add(g1, tf.mul(b1, mu)) as tf.Tensor2D), scale));
      const b2 = tf.add(tf.mul(b1, mu), g2);
      return tf.sub(tf.mul(p1, 0.99), tf.mul(newtonSchulz(tf.add(g2, tf.mul(b2, mu)) as tf.Tensor2D), scale));
    });
    expectClose(w.variable.dataSync(), expected.dataSync());
    // The step moved the weights by far more than the tolerance.
    expect(Math.abs((w.variable.dataSync()[0] ?? 0) - (p0.dataSync()[0] ?? 0))).toBeGreaterThan(1e-2);
    tf.dispose([p0, g1, g2, expected, w.variable]);
    opt.dispose();
  });

  it('sends every other kind to AdamW with the same settings, and honours lr overrides', () => {
    const kinds: ParamKind[] = ['embedding', 'output-head', 'norm', 'bias', 'scalar'];
    const values = [1, -2];
    const muonParams = kinds.map((kind) => param(kind, kind, tf.tensor1d(values)));
    const adamParams = kinds.map((kind) => param(kind, kind, tf.tensor1d(values)));
    const overrides = new Map([['scalar', 0.01]]);
    const muon = new Muon(muonParams, SETTINGS, overrides);
    const adam = new AdamW(adamParams, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 }, overrides);
    for (const g of [[0.5, -1], [0.1, 0.2]]) {
      stepNoLeak(muon, Object.fromEntries(kinds.map((k) => [k, tf.tensor1d(g)])));
      const adamGrads = new Map(kinds.map((k) => [k, tf.tensor1d(g)]));
      adam.step(adamGrads);
      tf.dispose([...adamGrads.values()]);
    }
    muonParams.forEach((p, i) => expect(Array.from(p.variable.dataSync())).toEqual(Array.from(adamParams[i]?.variable.dataSync() ?? [])));
    // Spot-check against the hand-derived AdamW numbers (adamw.test.ts): decayed embedding, undecayed bias.
    expectClose(muonParams[0]?.variable.dataSync() ?? [], [0.8007959064, -1.810097394]);
    expectClose(muonParams[3]?.variable.dataSync() ?? [], [0.8196959064, -1.848897394]);
    tf.dispose([...muonParams, ...adamParams].map((p) => p.variable));
    muon.dispose();
    adam.dispose();
  });

  it('round-trips its state: a restored optimizer continues exactly like the original', () => {
    const make = () => [param('w', 'hidden-matrix', tf.fill([2, 3], 0.5)), param('b', 'bias', tf.zeros([3]))];
    const [w1, b1] = make();
    const [w2, b2] = make();
    if (!w1 || !b1 || !w2 || !b2) throw new Error('setup');
    const grads = (k: number) => ({ w: tf.mul(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), k), b: tf.fill([3], k) });
    const original = new Muon([w1, b1], SETTINGS);
    stepNoLeak(original, grads(1));
    const state = original.getState();
    expect(Array.from(state.momentum['w']?.values ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(state.adamw.params['b']?.step).toBe(1);

    tf.tidy(() => {
      w2.variable.assign(w1.variable);
      b2.variable.assign(b1.variable);
    });
    const restored = new Muon([w2, b2], SETTINGS);
    restored.setState(state);
    stepNoLeak(original, grads(-0.5));
    stepNoLeak(restored, grads(-0.5));
    expect(Array.from(w2.variable.dataSync())).toEqual(Array.from(w1.variable.dataSync()));
    expect(Array.from(b2.variable.dataSync())).toEqual(Array.from(b1.variable.dataSync()));

    expect(() => restored.setState({ ...state, momentum: {} })).toThrow(OptimizerStateError);
    expect(() => restored.setState({ ...state, momentum: { ...state.momentum, x: { shape: [1], values: new Float32Array(1) } } })).toThrow(/x/);
    tf.dispose([w1, b1, w2, b2].map((p) => p.variable));
    original.dispose();
    restored.dispose();
  });

  it('dispose frees the momentum buffers and the AdamW moments', () => {
    const params = [param('w', 'hidden-matrix', tf.ones([3, 2])), param('e', 'embedding', tf.ones([4, 2]))];
    const before = tf.memory().numTensors;
    const opt = new Muon(params, SETTINGS);
    expect(tf.memory().numTensors).toBe(before + 3); // 1 buffer + AdamW m, v
    stepNoLeak(opt, { w: tf.ones([3, 2]), e: tf.ones([4, 2]) });
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(params.map((p) => p.variable));
  });

  it('refuses a hidden matrix that is not 2-D and gradients for unknown parameters', () => {
    const v = param('v', 'hidden-matrix', tf.ones([3]));
    expect(() => new Muon([v], SETTINGS)).toThrow(/2-D matrices only/);
    const w = param('w', 'hidden-matrix', tf.ones([2, 2]));
    const opt = new Muon([w], SETTINGS);
    const g = new Map([['w', tf.ones([2, 2])], ['nope', tf.ones([1])]]);
    expect(() => opt.step(g)).toThrow(/unknown parameter 'nope'/);
    expect(Array.from(w.variable.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([...g.values(), v.variable, w.variable]);
    opt.dispose();
  });
});
