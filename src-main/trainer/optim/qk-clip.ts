/**
 * QK-clip (Kimi K2 "MuonClip", Megatron-LM `clip_qk`; objectives.md section 6): after each optimizer
 * step, every attention head whose recorded max pre-softmax logit S_max exceeds tau gets its W_q and
 * W_k columns rescaled so that logit shrinks to tau. Pure factor rules, an in-place apply and an
 * Optimizer wrapper. It does not measure S_max: the model's forward pass records it.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../../src-shared/run-config.js';
import type { AttentionProjections, Optimizer, StepSettings } from '../parameters.js';

/** tau, alpha and granularity from RunConfig's `qkClip` block (`enabled` is the caller's choice). */
export type QkClipSettings = Pick<RunConfig['qkClip'], 'tau' | 'alpha' | 'granularity'>;

/** Per-head multipliers for one layer; unclipped heads get exactly 1 everywhere. */
export interface QkClipFactors {
  readonly qScale: number[];
  readonly kScale: number[];
  /** gamma = tau / S_max for clipped heads; qScale * kScale = gamma. */
  readonly gamma: number[];
  readonly clipped: boolean[];
}

/** What one clip did: the heads it rescaled (the step's `optim/qk_*` metrics and QK events read it; the counts and rates come from the measured logits in optimizer-step.ts). */
export interface QkClipStats {
  readonly clippedHeads: Array<{ layer: number; head: number; sMax: number; gamma: number }>;
}

function factorsFromGammas(gammas: readonly (number | null)[], alpha: number): QkClipFactors {
  return {
    // W_q takes gamma^alpha and W_k gamma^(1 - alpha), so each logit q.k scales by gamma.
    qScale: gammas.map((g) => (g === null ? 1 : g ** alpha)),
    kScale: gammas.map((g) => (g === null ? 1 : g ** (1 - alpha))),
    gamma: gammas.map((g) => g ?? 1),
    clipped: gammas.map((g) => g !== null),
  };
}

/**
 * The per-head rule: a head with S_max > tau gets gamma = tau / S_max, W_q scale gamma^alpha and
 * W_k scale gamma^(1 - alpha); heads at or below tau get exactly 1.
 */
export function qkClipFactors(sMax: readonly number[], tau: number, alpha: number): QkClipFactors {
  return factorsFromGammas(sMax.map((s) => (s > tau ? tau / s : null)), alpha);
}

/**
 * The layer-granularity ablation: one gamma from the layer's max over heads, applied to every head
 * when that max exceeds tau. It over-clips (heads far below tau shrink too); kept for comparison.
 */
export function qkClipLayerFactors(sMax: readonly number[], tau: number, alpha: number): QkClipFactors {
  const layerMax = Math.max(...sMax);
  const gamma = layerMax > tau ? tau / layerMax : null;
  return factorsFromGammas(sMax.map(() => gamma), alpha);
}

function checkInputs(projections: readonly AttentionProjections[], sMax: readonly (readonly number[])[]): void {
  if (sMax.length !== projections.length) {
    throw new Error(`QK-clip got S_max for ${sMax.length} layer(s) but ${projections.length} attention layer(s); record one row per layer in projection order`);
  }
  projections.forEach((proj, l) => {
    const row = sMax[l] ?? [];
    if (row.length !== proj.nHeads) {
      throw new Error(`QK-clip: layer ${proj.layer} has ${proj.nHeads} heads but S_max has ${row.length} value(s)`);
    }
    if (!row.every(Number.isFinite)) {
      // A NaN/Inf logit means the step should have been skipped by the non-finite guard.
      throw new Error(`QK-clip: layer ${proj.layer} has a non-finite S_max [${row.join(', ')}]; skip this step instead of clipping`);
    }
    for (const w of [proj.wq, proj.wk]) {
      if (w.shape.length !== 2 || w.shape[1] !== proj.nHeads * proj.headDim) {
        throw new Error(`QK-clip: layer ${proj.layer} projection '${w.name}' has shape [${w.shape.join(', ')}], expected (dModel, ${proj.nHeads * proj.headDim})`);
      }
    }
  });
}

/**
 * Multiplies head h's columns [h * headDim, (h + 1) * headDim) by headScales[h], in place. A scale
 * of exactly 1 leaves those columns bit-identical (x * 1 is exact in IEEE float32).
 */
function scaleHeadColumns(w: tf.Variable, headScales: readonly number[], headDim: number): void {
  tf.tidy(() => {
    const perColumn = headScales.flatMap((s) => new Array<number>(headDim).fill(s));
    w.assign(tf.mul(w, tf.tensor1d(perColumn))); // (dModel, nHeads * headDim) * (nHeads * headDim)
  });
}

/**
 * Clips every layer in place. `sMax[l][h]` is head h of `projections[l]` (projection order, not
 * `layer` number), measured with the 1/sqrt(headDim) scale over unmasked positions. Layers where no
 * head is clipped are not written at all. Throws a plain Error on mismatched shapes or a non-finite
 * S_max (both are caller bugs).
 */
export function applyQkClip(
  projections: readonly AttentionProjections[],
  sMax: readonly (readonly number[])[],
  settings: QkClipSettings,
): QkClipStats {
  checkInputs(projections, sMax);
  const rule = settings.granularity === 'head' ? qkClipFactors : qkClipLayerFactors;
  const clippedHeads: QkClipStats['clippedHeads'] = [];
  projections.forEach((proj, l) => {
    const row = sMax[l] ?? [];
    const factors = rule(row, settings.tau, settings.alpha);
    if (factors.clipped.some(Boolean)) {
      scaleHeadColumns(proj.wq, factors.qScale, proj.headDim);
      scaleHeadColumns(proj.wk, factors.kScale, proj.headDim);
    }
    factors.clipped.forEach((clipped, head) => {
      if (clipped) clippedHeads.push({ layer: proj.layer, head, sMax: row[head] ?? Number.NaN, gamma: factors.gamma[head] ?? Number.NaN });
    });
  });
  return { clippedHeads };
}

/**
 * Wraps any optimizer with QK-clip ("MuonClip" when the inner one is Muon). Each training step the
 * loop calls `setAttentionMaxLogits` with the forward pass's per-head S_max, then `step`, which runs
 * the inner update and then clips. The S_max is consumed by the step, so a stale measurement is
 * never applied twice to weights it already clipped.
 */
export class QkClipOptimizer implements Optimizer {
  private pendingSMax: number[][] | null = null;
  private stats: QkClipStats | null = null;

  constructor(
    readonly inner: Optimizer,
    private readonly projections: readonly AttentionProjections[],
    private readonly settings: QkClipSettings,
  ) {}

  /**
   * Records the (layers, heads) max attention logits of the forward pass behind the next step.
   * Checked here, so a malformed measurement throws before the inner step changes any weight.
   */
  setAttentionMaxLogits(sMax: number[][]): void {
    checkInputs(this.projections, sMax);
    this.pendingSMax = sMax.map((row) => [...row]);
  }

  /** Stats of the most recent clip; null before the first step. */
  get lastStats(): QkClipStats | null {
    return this.stats;
  }

  /** Inner step, then the clip. Throws if no S_max was recorded since the previous step. */
  step(grads: ReadonlyMap<string, tf.Tensor>, settings?: StepSettings): void {
    const sMax = this.pendingSMax;
    if (sMax === null) {
      throw new Error('QkClipOptimizer.step: no attention max logits were recorded for this step; call setAttentionMaxLogits after the forward pass');
    }
    this.inner.step(grads, settings);
    this.stats = applyQkClip(this.projections, sMax, this.settings);
    this.pendingSMax = null;
  }

  /** Frees the inner optimizer's state (QK-clip itself holds no tensors). */
  dispose(): void {
    this.inner.dispose();
  }
}
