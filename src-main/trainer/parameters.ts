/**
 * The contract between the policy model and the optimizers: every trainable tensor is a `Param`
 * with a kind (so Muon knows which matrices are "hidden" and AdamW takes the rest) and, for
 * attention, the per-layer W_q/W_k handles QK-clip rescales per head. No math lives here.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * - `hidden-matrix`: a 2-D weight inside the transformer blocks (Muon's domain).
 * - `embedding`, `output-head`, `norm`, `bias`, `scalar`: always AdamW (Moonlight, KellerJordan/Muon).
 */
export type ParamKind = 'hidden-matrix' | 'embedding' | 'output-head' | 'norm' | 'bias' | 'scalar';

export interface Param {
  /** Unique, stable name, e.g. `blocks.0.attn.wq`; checkpoints and optimizer state are keyed by it. */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly kind: ParamKind;
}

/**
 * One attention layer's query/key projections, laid out (dModel, nHeads * headDim): head h owns
 * columns [h * headDim, (h + 1) * headDim). Scaling those columns of W_q by s_q and of W_k by s_k
 * scales every logit of head h by s_q * s_k.
 */
export interface AttentionProjections {
  readonly layer: number;
  readonly wq: tf.Variable;
  readonly wk: tf.Variable;
  readonly nHeads: number;
  readonly headDim: number;
}

/** Per-step inputs of an update (the training loop's; a controller may vary them step by step). */
export interface StepSettings {
  /** Replaces the configured base learning rate for this step; per-parameter overrides keep theirs. */
  readonly learningRate?: number;
  /** Every gradient is multiplied by this first (the global grad-norm clip); default 1. */
  readonly gradScale?: number;
}

/** An optimizer updates variables in place from gradients keyed by `Param.name`. */
export interface Optimizer {
  /** Applies one update. Gradients stay owned by the caller (dispose them after). */
  step(grads: ReadonlyMap<string, tf.Tensor>, settings?: StepSettings): void;
  /** Frees every state tensor (moments, momenta). */
  dispose(): void;
}
