/**
 * Muon (KellerJordan/Muon, with Moonlight's update-RMS scaling; objectives.md section 6): Nesterov
 * momentum, Newton-Schulz orthogonalisation and decoupled weight decay for the 2-D hidden matrices;
 * every other parameter (embeddings, output head, norms, biases, scalars) goes to an internal AdamW.
 * QK-clip is not here: wrap this in QkClipOptimizer for MuonClip.
 */
import * as tf from '@tensorflow/tfjs';
import type { Optimizer, Param, StepSettings } from '../parameters.js';
import { AdamW, checkGrads, OptimizerStateError, checkLrOverrides, checkTensorState, toTensorState, zerosVariable, type AdamWState, type TensorState } from './adamw.js';
import { muonApply, muonMomentum } from '../kernels/muon-kernel.js';
import { newtonSchulz } from './newton-schulz.js';

/** RunConfig `optimizer` fields Muon uses: momentum/nsSteps for Muon, beta1/beta2/epsilon for its AdamW. */
export interface MuonSettings {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nsSteps: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** Momentum buffers of the hidden matrices plus the internal AdamW's state, keyed by `Param.name`. */
export interface MuonState {
  readonly momentum: Record<string, TensorState>;
  readonly adamw: AdamWState;
}

interface HiddenSlot {
  readonly param: Param;
  readonly buffer: tf.Variable;
}

/**
 * Moonlight's update-RMS matching: an orthogonalised (rows x cols) update has RMS about
 * 1/sqrt(max(rows, cols)); scaling by 0.2 sqrt(max) gives AdamW's typical RMS of 0.2, so one
 * learning rate serves both optimizers.
 */
function rmsMatchScale(shape: readonly number[]): number {
  return 0.2 * Math.sqrt(Math.max(...shape));
}

/**
 * Muon for `hidden-matrix` params, AdamW (same learning rate, `weightDecay` and the Adam settings)
 * for the rest. `lrOverrides` applies to either kind. All state tensors are created up front, so a
 * step never changes the tensor count.
 */
export class Muon implements Optimizer {
  private readonly hidden = new Map<string, HiddenSlot>();
  private readonly shapes = new Map<string, readonly number[]>();
  private readonly adamw: AdamW;

  constructor(
    params: readonly Param[],
    private readonly settings: MuonSettings,
    private readonly lrOverrides: ReadonlyMap<string, number> = new Map(),
  ) {
    const rest: Param[] = [];
    for (const param of params) {
      if (this.shapes.has(param.name)) throw new Error(`Muon: duplicate parameter name '${param.name}'`);
      this.shapes.set(param.name, param.variable.shape);
      if (param.kind !== 'hidden-matrix') {
        rest.push(param);
        continue;
      }
      if (param.variable.rank !== 2) {
        throw new Error(`Muon: hidden matrix '${param.name}' has shape [${param.variable.shape.join(', ')}]; Muon orthogonalises 2-D matrices only, give this parameter another kind`);
      }
      this.hidden.set(param.name, { param, buffer: zerosVariable(param.variable.shape) });
    }
    checkLrOverrides(lrOverrides, (name) => this.shapes.has(name), 'Muon');
    const { learningRate, beta1, beta2, epsilon, weightDecay } = settings;
    const restOverrides = new Map([...lrOverrides].filter(([name]) => !this.hidden.has(name)));
    this.adamw = new AdamW(rest, { learningRate, beta1, beta2, epsilon, weightDecay }, restOverrides);
  }

  /** Updates every parameter that has a gradient. Gradients stay owned by the caller. */
  step(grads: ReadonlyMap<string, tf.Tensor>, settings: StepSettings = {}): void {
    // Check everything first so a bad gradient throws before any weight moves.
    checkGrads(grads, (name) => this.shapes.get(name), 'Muon');
    const restGrads = new Map<string, tf.Tensor>();
    for (const [name, grad] of grads) {
      const slot = this.hidden.get(name);
      if (slot === undefined) restGrads.set(name, grad);
      else this.update(slot, grad, settings);
    }
    this.adamw.step(restGrads, settings);
  }

  private update(slot: HiddenSlot, rawGrad: tf.Tensor, settings: StepSettings): void {
    const { momentum: mu, nsSteps, weightDecay } = this.settings;
    const lr = this.lrOverrides.get(slot.param.name) ?? settings.learningRate ?? this.settings.learningRate;
    const p = slot.param.variable;
    tf.tidy(() => {
      // Nesterov in the SGD form of the spec and Moonlight: B <- mu B + G, U = G + mu B.
      // KellerJordan's EMA form (B <- lerp(B, G, 1 - mu), U = lerp(G, B, mu)) is (1 - mu) times
      // this U; Newton-Schulz normalises by the Frobenius norm, so both give the same O.
      // One fused kernel each side of Newton-Schulz (kernels/muon-kernel.ts).
      const [buffer, u] = muonMomentum(slot.buffer, rawGrad, mu, settings.gradScale ?? 1);
      slot.buffer.assign(buffer);
      const o = newtonSchulz(u as tf.Tensor2D, nsSteps);
      // Decoupled decay (p <- p (1 - lr wd)), then p <- p - lr 0.2 sqrt(max(rows, cols)) O.
      p.assign(muonApply(p, o, weightDecay > 0 ? lr * weightDecay : 0, lr * rmsMatchScale(p.shape)));
    });
  }

  /** Copies the momentum buffers and the AdamW state out as plain data (blocks on a device read). */
  getState(): MuonState {
    const momentum: Record<string, TensorState> = {};
    for (const [name, slot] of this.hidden) momentum[name] = toTensorState(slot.buffer);
    return { momentum, adamw: this.adamw.getState() };
  }

  /**
   * Restores a state from `getState`. Throws OptimizerStateError, before writing anything, when the
   * state was saved for a different set of parameters or shapes.
   */
  setState(state: MuonState): void {
    const extra = Object.keys(state.momentum).filter((name) => !this.hidden.has(name));
    if (extra.length > 0) {
      throw new OptimizerStateError(`Muon state has momentum for parameters that are not hidden matrices here: ${extra.join(', ')}; the checkpoint was saved for a different model`);
    }
    const checked = [...this.hidden].map(([name, slot]) => ({
      slot,
      saved: checkTensorState(state.momentum[name], slot.param.variable.shape, `'${name}' (Muon momentum)`),
    }));
    // AdamW checks its own part and writes only if all of it fits; the buffers are written after.
    this.adamw.setState(state.adamw);
    for (const { slot, saved } of checked) {
      tf.tidy(() => slot.buffer.assign(tf.tensor(saved.values, saved.shape)));
    }
  }

  /** Frees the momentum buffers and the internal AdamW's moments. */
  dispose(): void {
    for (const slot of this.hidden.values()) slot.buffer.dispose();
    this.hidden.clear();
    this.adamw.dispose();
  }
}
