/**
 * Builds a padded PolicyBatch from ragged per-sequence arrays (the CLI's input format and the
 * tests' fixtures). Validation of the arrays happens at the edge (the CLI); this only pads.
 * Not used by the training loop, which samples straight into padded tensors.
 */
import * as tf from '@tensorflow/tfjs';
import type { PolicyBatch } from './objectives.js';

export interface SequenceLogProbs {
  readonly logpOld: readonly number[];
  readonly logpNew: readonly number[];
  readonly logpRef?: readonly number[];
  readonly advantage: number;
}

/** Pads to the longest sequence; padding gets mask 0 and log-probs 0. Call inside a tidy. */
export function batchFromSequences(sequences: readonly SequenceLogProbs[]): PolicyBatch {
  const width = Math.max(...sequences.map((s) => s.logpNew.length));
  const pad = (values: readonly number[]) => [...values, ...new Array<number>(width - values.length).fill(0)];
  const hasRef = sequences.every((s) => s.logpRef !== undefined);
  return {
    logpNew: tf.tensor2d(sequences.map((s) => pad(s.logpNew))), // (B, T)
    logpOld: tf.tensor2d(sequences.map((s) => pad(s.logpOld))), // (B, T)
    ...(hasRef ? { logpRef: tf.tensor2d(sequences.map((s) => pad(s.logpRef!))) } : {}),
    mask: tf.tensor2d(sequences.map((s) => pad(s.logpNew.map(() => 1)))), // (B, T)
    advantages: tf.tensor1d(sequences.map((s) => s.advantage)), // (B,)
  };
}
