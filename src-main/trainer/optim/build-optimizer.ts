/**
 * Builds the optimizer a RunConfig asks for: AdamW for everything, or Muon for 2-D hidden matrices
 * with AdamW for the rest, optionally wrapped by per-head QK-clip (MuonClip when the inner one is
 * Muon). The learnable p's phi rides along with its own learning rate. No update math lives here.
 */
import type { RunConfig } from '../../../src-shared/run-config.js';
import type { AttentionProjections, Optimizer, Param } from '../parameters.js';
import { AdamW } from './adamw.js';
import { Muon } from './muon.js';
import { QkClipOptimizer } from './qk-clip.js';

export interface BuiltOptimizer {
  readonly optimizer: Optimizer;
  /** Present when QK-clip is on: the training loop feeds it each step's attention max logits. */
  readonly qkClip: QkClipOptimizer | null;
}

export function buildOptimizer(config: RunConfig, params: readonly Param[], projections: readonly AttentionProjections[], lrOverrides: ReadonlyMap<string, number>): BuiltOptimizer {
  const o = config.optimizer;
  const adamw = { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.adamEpsilon, weightDecay: o.weightDecay };
  const inner: Optimizer =
    o.name === 'muon'
      ? new Muon([...params], { ...adamw, momentum: o.muonMomentum, nsSteps: o.nsSteps }, lrOverrides)
      : new AdamW([...params], adamw, lrOverrides);
  if (!config.qkClip.enabled) return { optimizer: inner, qkClip: null };
  const { tau, alpha, granularity } = config.qkClip;
  const qkClip = new QkClipOptimizer(inner, [...projections], { tau, alpha, granularity });
  return { optimizer: qkClip, qkClip };
}
