// AdamW against a hand-computed two-step update, plus weight-decay routing by kind, learning-rate
// overrides, the checkpoint state round-trip and tensor-leak checks, on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import type { Param, ParamKind, StepSettings } from '../parameters.js';
import { AdamW, OptimizerStateError, type AdamWSettings } from './adamw.js';

const SETTINGS: AdamWSettings = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
const G1 = [0.5, -1];
const G2 = [0.1, 0.2];

/*
 * Hand derivation, p0 = [1, -2], lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8, wd 0.1:
 * step 1, g = [0.5, -1]:
 *   m = 0.1 g = [0.05, -0.1]; v = 0.001 g^2 = [0.00025, 0.001]
 *   mHat = m / 0.1 = [0.5, -1]; vHat = v / 0.001 = [0.25, 1]; dir = mHat / (sqrt(vHat) + eps) = [0.99999998, -0.99999999]
 *   decayed: p (1 - 0.01) = [0.99, -1.98]; p1 = decayed - 0.1 dir = [0.890000002, -1.880000001]
 *   (no decay: [0.900000002, -1.900000001])
 * step 2, g = [0.1, 0.2]:
 *   m = 0.9 m + 0.1 g = [0.055, -0.07]; v = 0.999 v + 0.001 g^2 = [0.00025975, 0.001039]
 *   mHat = m / (1 - 0.81) = [0.2894736842, -0.3684210526]; vHat = v / (1 - 0.998001) = [0.1299399700, 0.5197598799]
 *   dir = [0.8030409562, -0.5110260701]
 *   decayed: p2 = 0.99 p1 - 0.1 dir = [0.8007959064, -1.8100973940]
 *   no decay: p2 = p1 - 0.1 dir = [0.8196959064, -1.8488973940]
 *   lr 0.01 with decay: [0.9799805906, -1.9809017394]
 */
const DECAYED_AFTER_2 = [0.8007959063646517, -1.8100973939804947];
const UNDECAYED_AFTER_2 = [0.8196959063846518, -1.8488973939904947];
const SMALL_LR_AFTER_2 = [0.9799805906382653, -1.9809017393989494];

beforeAll(async () => {
  await initBackend('wasm');
});

function param(name: string, kind: ParamKind, values = [1, -2], shape = [1, 2]): Param {
  return { name, kind, variable: tf.tidy(() => tf.variable(tf.tensor(values, shape))) };
}

function grads(entries: Record<string, number[]>, shape = [1, 2]): Map<string, tf.Tensor> {
  return new Map(Object.entries(entries).map(([name, g]) => [name, tf.tensor(g, shape)]));
}

/** Runs one step and disposes the gradients, asserting the tensor count is unchanged. */
function stepNoLeak(opt: AdamW, g: Map<string, tf.Tensor>, settings: StepSettings = {}): void {
  const before = tf.memory().numTensors;
  opt.step(g, settings);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([...g.values()]);
}

function expectValues(p: Param, expected: number[], tol = 1e-6): void {
  const actual = Array.from(p.variable.dataSync());
  actual.forEach((x, i) => expect(Math.abs(x - (expected[i] ?? Number.NaN))).toBeLessThanOrEqual(tol));
}

describe('AdamW', () => {
  it('matches the hand-computed two-step update, decaying matrices but not norms, biases or scalars', () => {
    const params = [param('w', 'hidden-matrix'), param('emb', 'embedding'), param('ln', 'norm'), param('b', 'bias'), param('phi', 'scalar')];
    const opt = new AdamW(params, SETTINGS);
    const all = (g: number[]) => Object.fromEntries(params.map((p) => [p.name, g]));
    stepNoLeak(opt, grads(all(G1)));
    expectValues(params[0] as Param, [0.890000002, -1.880000001]);
    expectValues(params[2] as Param, [0.900000002, -1.900000001]);
    stepNoLeak(opt, grads(all(G2)));
    expectValues(params[0] as Param, DECAYED_AFTER_2);
    expectValues(params[1] as Param, DECAYED_AFTER_2);
    for (const p of params.slice(2)) expectValues(p, UNDECAYED_AFTER_2);
    opt.dispose();
    tf.dispose(params.map((p) => p.variable));
  });

  it('uses a per-parameter learning-rate override', () => {
    const params = [param('w', 'hidden-matrix'), param('phi', 'hidden-matrix')];
    const opt = new AdamW(params, SETTINGS, new Map([['phi', 0.01]]));
    stepNoLeak(opt, grads({ w: G1, phi: G1 }));
    stepNoLeak(opt, grads({ w: G2, phi: G2 }));
    expectValues(params[0] as Param, DECAYED_AFTER_2);
    expectValues(params[1] as Param, SMALL_LR_AFTER_2);
    opt.dispose();
    tf.dispose(params.map((p) => p.variable));
  });

  it('a per-step learning rate replaces the configured one, not the overrides', () => {
    const params = [param('w', 'hidden-matrix'), param('phi', 'hidden-matrix')];
    const opt = new AdamW(params, { ...SETTINGS, learningRate: 0.5 }, new Map([['phi', 0.01]]));
    stepNoLeak(opt, grads({ w: G1, phi: G1 }), { learningRate: 0.1 });
    stepNoLeak(opt, grads({ w: G2, phi: G2 }), { learningRate: 0.1 });
    expectValues(params[0] as Param, DECAYED_AFTER_2);
    expectValues(params[1] as Param, SMALL_LR_AFTER_2);
    opt.dispose();
    tf.dispose(params.map((p) => p.variable));
  });

  it('skips parameters without a gradient and keeps their own step count', () => {
    const params = [param('a', 'bias'), param('b', 'bias')];
    const opt = new AdamW(params, SETTINGS);
    stepNoLeak(opt, grads({ a: G1 }));
    expectValues(params[1] as Param, [1, -2], 0);
    // b's first step uses bias correction for t = 1, so it moves as a's first step did.
    stepNoLeak(opt, grads({ b: G1 }));
    expectValues(params[1] as Param, [0.900000002, -1.900000001]);
    expect(opt.getState().params).toMatchObject({ a: { step: 1 }, b: { step: 1 } });
    opt.dispose();
    tf.dispose(params.map((p) => p.variable));
  });

  it('round-trips its state: a restored optimizer continues exactly like the original', () => {
    const a = param('w', 'hidden-matrix');
    const b = param('w', 'hidden-matrix');
    const original = new AdamW([a], SETTINGS);
    stepNoLeak(original, grads({ w: G1 }));
    const state = original.getState();
    expect(state.params['w']?.step).toBe(1);
    expect(Array.from(state.params['w']?.m.values ?? [])).toEqual([Math.fround(0.05), Math.fround(-0.1)]);
    expect(state.params['w']?.m.shape).toEqual([1, 2]);

    // A fresh optimizer on a copy of the weights, given the saved state, takes the same second step.
    tf.tidy(() => b.variable.assign(a.variable));
    const restored = new AdamW([b], SETTINGS);
    restored.setState(state);
    stepNoLeak(original, grads({ w: G2 }));
    stepNoLeak(restored, grads({ w: G2 }));
    expect(Array.from(b.variable.dataSync())).toEqual(Array.from(a.variable.dataSync()));
    expectValues(b, DECAYED_AFTER_2);
    tf.dispose([a.variable, b.variable]);
    original.dispose();
    restored.dispose();
  });

  it('refuses a state from a different model and leaves its own state untouched', () => {
    const p = param('w', 'hidden-matrix');
    const opt = new AdamW([p], SETTINGS);
    stepNoLeak(opt, grads({ w: G1 }));
    const good = opt.getState();
    const wrongShape = { params: { w: { step: 3, m: { shape: [2, 1], values: new Float32Array(2) }, v: { shape: [2, 1], values: new Float32Array(2) } } } };
    expect(() => opt.setState(wrongShape)).toThrow(OptimizerStateError);
    expect(() => opt.setState({ params: {} })).toThrow(/no entry for 'w'/);
    expect(() => opt.setState({ params: { ...good.params, extra: good.params['w'] as never } })).toThrow(/unknown parameters extra/);
    expect(opt.getState()).toEqual(good);
    opt.dispose();
    p.variable.dispose();
  });

  it('refuses gradients for unknown parameters or of the wrong shape before updating anything', () => {
    const p = param('w', 'hidden-matrix');
    const opt = new AdamW([p], SETTINGS);
    const bad = new Map([['w', tf.tensor([1, 2], [1, 2])], ['nope', tf.tensor([1], [1])]]);
    expect(() => opt.step(bad)).toThrow(/unknown parameter 'nope'/);
    const wrong = new Map([['w', tf.tensor([1, 2], [2, 1])]]);
    expect(() => opt.step(wrong)).toThrow(/shape \[2, 1\]/);
    expectValues(p, [1, -2], 0);
    expect(() => new AdamW([p], SETTINGS, new Map([['typo', 1]]))).toThrow(/override for unknown parameter 'typo'/);
    tf.dispose([...bad.values(), ...wrong.values(), p.variable]);
    opt.dispose();
  });

  it('dispose frees every state tensor', () => {
    const params = [param('w', 'hidden-matrix'), param('b', 'bias')];
    const before = tf.memory().numTensors;
    const opt = new AdamW(params, SETTINGS);
    expect(tf.memory().numTensors).toBe(before + 4);
    stepNoLeak(opt, grads({ w: G1, b: G1 }));
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(params.map((p) => p.variable));
  });
});
