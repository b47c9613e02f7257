/**
 * AdamW (Loshchilov & Hutter; PyTorch `torch.optim.AdamW` semantics) over the model's `Param`s:
 * bias-corrected moments, decoupled weight decay on matrices only, per-parameter learning-rate
 * overrides (the learnable p's phi) and checkpointable state keyed by `Param.name`. It does not clip
 * gradients or guard against NaN/Inf: the training loop does both before calling `step`.
 */
import * as tf from '@tensorflow/tfjs';
import { adamwUpdate } from '../kernels/adamw-kernel.js';
import type { Optimizer, Param, ParamKind, StepSettings } from '../parameters.js';

/** AdamW hyperparameters (RunConfig `optimizer`: learningRate, beta1, beta2, adamEpsilon, weightDecay). */
export interface AdamWSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

/** A tensor as plain data, for checkpoints. */
export interface TensorState {
  readonly shape: number[];
  readonly values: Float32Array;
}

/** One parameter's moments and its own step count (bias correction uses it, as in PyTorch). */
export interface AdamWParamState {
  readonly step: number;
  readonly m: TensorState;
  readonly v: TensorState;
}

/** Everything AdamW needs to resume exactly, keyed by `Param.name`. */
export interface AdamWState {
  readonly params: Record<string, AdamWParamState>;
}

/** A saved optimizer state does not fit this model (missing/extra parameter or wrong shape). */
export class OptimizerStateError extends Error {
  override readonly name = 'OptimizerStateError';
}

/** Weight decay shrinks matrices only; norms, biases and scalars (phi) are left alone (GPT-2/nanoGPT convention). */
const DECAYED_KINDS: ReadonlySet<ParamKind> = new Set(['hidden-matrix', 'embedding', 'output-head']);

interface Slot {
  readonly param: Param;
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  step: number;
}

/** A non-trainable zero variable; tidy frees the initial tensor (variables are not tracked by tidy). */
export function zerosVariable(shape: readonly number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros([...shape]), false));
}

/** Copies a tensor out to plain data (a copy: some backends hand out their live buffer). */
export function toTensorState(t: tf.Tensor): TensorState {
  return { shape: [...t.shape], values: Float32Array.from(t.dataSync()) };
}

/** Throws OptimizerStateError unless `saved` has exactly `shape`; `what` names it in the message. */
export function checkTensorState(saved: TensorState | undefined, shape: readonly number[], what: string): TensorState {
  if (saved === undefined) {
    throw new OptimizerStateError(`optimizer state has no entry for ${what}; the checkpoint was saved for a different model`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (saved.shape.join(',') !== shape.join(',') || saved.values.length !== size) {
    throw new OptimizerStateError(`optimizer state for ${what} has shape [${saved.shape.join(', ')}] (${saved.values.length} values) but the parameter is [${shape.join(', ')}]; the checkpoint was saved for a different model size`);
  }
  return saved;
}

/** Throws unless every gradient names a known parameter and matches its shape (before any update). */
export function checkGrads(grads: ReadonlyMap<string, tf.Tensor>, shapeOf: (name: string) => readonly number[] | undefined, who: string): void {
  for (const [name, grad] of grads) {
    const shape = shapeOf(name);
    if (shape === undefined) throw new Error(`${who}: gradient for unknown parameter '${name}'`);
    if (grad.shape.join(',') !== shape.join(',')) {
      throw new Error(`${who}: gradient for '${name}' has shape [${grad.shape.join(', ')}], parameter is [${shape.join(', ')}]`);
    }
  }
}

/** Throws on a learning-rate override for a parameter this optimizer does not own (a typo). */
export function checkLrOverrides(lrOverrides: ReadonlyMap<string, number>, owns: (name: string) => boolean, who: string): void {
  for (const name of lrOverrides.keys()) {
    if (!owns(name)) throw new Error(`${who}: learning-rate override for unknown parameter '${name}'`);
  }
}

/**
 * AdamW over a fixed list of parameters. State tensors are created in the constructor (zeros), so
 * `step` never changes the tensor count. Parameters missing from a step's gradients are skipped and
 * their step count does not advance (PyTorch skips params whose grad is None).
 */
export class AdamW implements Optimizer {
  private readonly slots = new Map<string, Slot>();

  constructor(
    params: readonly Param[],
    private readonly settings: AdamWSettings,
    private readonly lrOverrides: ReadonlyMap<string, number> = new Map(),
  ) {
    for (const param of params) {
      if (this.slots.has(param.name)) throw new Error(`AdamW: duplicate parameter name '${param.name}'`);
      const shape = param.variable.shape;
      this.slots.set(param.name, { param, m: zerosVariable(shape), v: zerosVariable(shape), step: 0 });
    }
    checkLrOverrides(lrOverrides, (name) => this.slots.has(name), 'AdamW');
  }

  /** Updates every parameter that has a gradient. Gradients stay owned by the caller. */
  step(grads: ReadonlyMap<string, tf.Tensor>, settings: StepSettings = {}): void {
    checkGrads(grads, (name) => this.slots.get(name)?.param.variable.shape, 'AdamW');
    for (const slot of this.slots.values()) {
      const grad = grads.get(slot.param.name);
      if (grad !== undefined) this.update(slot, grad, settings);
    }
  }

  /** One fused kernel per parameter (kernels/adamw-kernel.ts): decoupled decay first (PyTorch order), then the Adam step. */
  private update(slot: Slot, grad: tf.Tensor, settings: StepSettings): void {
    const { beta1, beta2, epsilon, weightDecay } = this.settings;
    const lr = this.lrOverrides.get(slot.param.name) ?? settings.learningRate ?? this.settings.learningRate;
    slot.step += 1;
    const decay = DECAYED_KINDS.has(slot.param.kind) && weightDecay > 0 ? lr * weightDecay : 0;
    const [p, m, v] = adamwUpdate(slot.param.variable, grad, slot.m, slot.v, { lr, beta1, beta2, epsilon, decay, step: slot.step, gradScale: settings.gradScale ?? 1 });
    slot.param.variable.assign(p);
    slot.m.assign(m);
    slot.v.assign(v);
    tf.dispose([p, m, v]);
  }

  /** Copies the moments and step counts out as plain data (blocks on a device read). */
  getState(): AdamWState {
    const params: Record<string, AdamWParamState> = {};
    for (const [name, slot] of this.slots) {
      params[name] = { step: slot.step, m: toTensorState(slot.m), v: toTensorState(slot.v) };
    }
    return { params };
  }

  /**
   * Restores a state from `getState`. Checks every entry before writing any, so a mismatched
   * checkpoint throws OptimizerStateError and leaves the optimizer as it was.
   */
  setState(state: AdamWState): void {
    const extra = Object.keys(state.params).filter((name) => !this.slots.has(name));
    if (extra.length > 0) {
      throw new OptimizerStateError(`optimizer state has entries for unknown parameters ${extra.join(', ')}; the checkpoint was saved for a different model`);
    }
    const checked = [...this.slots].map(([name, slot]) => {
      const saved = state.params[name];
      const shape = slot.param.variable.shape;
      return { slot, step: saved?.step ?? 0, m: checkTensorState(saved?.m, shape, `'${name}' (m)`), v: checkTensorState(saved?.v, shape, `'${name}' (v)`) };
    });
    for (const { slot, step, m, v } of checked) {
      tf.tidy(() => {
        slot.m.assign(tf.tensor(m.values, m.shape));
        slot.v.assign(tf.tensor(v.values, v.shape));
      });
      slot.step = step;
    }
  }

  /** Frees the moment tensors; the optimizer must not be used afterwards. */
  dispose(): void {
    for (const slot of this.slots.values()) tf.dispose([slot.m, slot.v]);
    this.slots.clear();
  }
}
