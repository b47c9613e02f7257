/**
 * What the trainer emits: one StepRecord per optimizer step and TrainEvents for things that happen
 * at a point in time (non-finite skips, QK clips, warm start, evaluations). Plain data so they
 * cross process boundaries as JSON; the store persists them and the renderer draws them.
 */
import type { ControlChange } from './controllers/closed-loop.js';
import type { MetricValues } from './metrics.js';

export interface QkHeadClip {
  readonly layer: number;
  readonly head: number;
  /** Max pre-softmax logit of the head before the clip. */
  readonly sMax: number;
  /** Factor every logit of the head was scaled by (tau / sMax). */
  readonly gamma: number;
}

export interface QkStepStats {
  /** Max pre-softmax logit per layer and head on this step's forward pass (layers x heads). */
  readonly maxLogits: number[][];
  /** Heads QK-clip rescaled after this step (empty when QK-clip is off or nothing exceeded tau). */
  readonly clipped: QkHeadClip[];
}

export interface StepRecord {
  /** Optimizer step index, 0-based, strictly increasing within a run. */
  readonly step: number;
  /** Rollout this step trained on, 0-based. */
  readonly rollout: number;
  /** Sequences sampled so far (the "samples seen" x-axis). */
  readonly samples: number;
  /** Seconds since training started (the wall-time x-axis). */
  readonly wallTime: number;
  /** True when the step was skipped because the loss or a gradient was NaN/Inf. */
  readonly skipped: boolean;
  readonly metrics: MetricValues;
  readonly qk: QkStepStats;
  /** Scored-token log-ratio counts: [underflow, bins..., overflow] (see metrics.ts). */
  readonly logRatioHistogram: number[];
}

export type TrainEvent =
  | { readonly kind: 'nonfinite-skip'; readonly step: number; readonly consecutive: number; readonly detail: string }
  | { readonly kind: 'qk-clip'; readonly step: number; readonly heads: QkHeadClip[] }
  | { readonly kind: 'warm-start'; readonly steps: number; readonly finalLoss: number }
  | { readonly kind: 'eval'; readonly step: number; readonly reward: number; readonly successRate: number }
  | { readonly kind: 'checkpoint'; readonly step: number }
  /** The AGM controllers changed what the run trains with from the next step (RunConfig `controller`). */
  | { readonly kind: 'control'; readonly step: number; readonly changes: readonly ControlChange[]; readonly phase: string; readonly convergenceRate: number; readonly reason?: string };

/** How a training run ended, as the trainer itself saw it. */
export type TrainOutcome =
  | { readonly status: 'finished'; readonly steps: number }
  | { readonly status: 'stopped'; readonly steps: number }
  | { readonly status: 'failed'; readonly steps: number; readonly reason: string };
