/**
 * The checkpoint payload as it travels from the trainer to the store: the step, why it was taken,
 * and the weights by parameter name as row-major float32 arrays. Only the shape of the data; how it
 * is encoded on disk lives in src-main/runs/checkpoint-format.ts. Copies still spelled out in
 * src-main/trainer/* (WeightArray, the 'checkpoint' message, the onCheckpoint hooks) match it structurally.
 */

/** One tensor: row-major float32 values and their shape. */
export interface CheckpointTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Final weights, or a periodic save every RunConfig.checkpointEvery steps. */
export type CheckpointKind = 'final' | 'periodic';

export interface CheckpointPayload {
  readonly step: number;
  readonly kind: CheckpointKind;
  readonly weights: ReadonlyMap<string, CheckpointTensor>;
}
