// That the fused trunk's dense layers run on the distinct needed rows only: the MLP kernel function
// is wrapped (module mock, this file only) to record the rows it is called with, on a GRPO-like
// batch with shared prefixes and padding, scored with and without the scored counts.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useWasmBackend } from '../../test-support/numerics.js';
import type { KernelArgs } from './kernels/kernel-io.js';
import { PolicyModel } from './policy-model.js';
import { completionLogProbs } from './sampling.js';

const mlpRows: number[] = [];
vi.mock('./kernels/mlp-kernel.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./kernels/mlp-kernel.js')>();
  return { ...original, mlpKernel: (args: KernelArgs) => (mlpRows.push(args.inputs.x!.shape[0]!), original.mlpKernel(args)) };
});

beforeAll(useWasmBackend);

describe('the unpadded scorer', () => {
  it('runs the dense layers once per distinct token prefix among the rows each sequence needs', () => {
    const [batch, promptLength, width] = [4, 3, 9];
    // Sequences 0 and 1 share their prompt; 2 and 3 their prompt and first completion token.
    const tokens = Int32Array.from([
      1, 2, 3, 4, 5, 6, 7, 8, 9,
      1, 2, 3, 9, 8, 7, 6, 5, 4,
      5, 6, 7, 1, 1, 2, 2, 3, 3,
      5, 6, 7, 1, 4, 4, 5, 5, 6,
    ]);
    const scored = [6, 2, 4, 1];
    const prefixes = new Set<string>(); // independently: distinct prefixes of rows 0 .. P - 2 + scored[b]
    scored.forEach((n, b) => {
      for (let t = 0; t < promptLength - 1 + n; t++) prefixes.add(Array.from(tokens.subarray(b * width, b * width + t + 1)).join(','));
    });
    const model = new PolicyModel({ vocabSize: 10, maxSeqLen: 10, dModel: 16, nLayers: 2, nHeads: 4, mlpRatio: 4, seed: 1 });
    const rowsPerLayer = (counts?: number[]) => {
      mlpRows.length = 0;
      tf.tidy(() => {
        completionLogProbs(model, tf.tensor2d(tokens, [batch, width], 'int32'), promptLength, 1, counts);
      });
      return [...mlpRows];
    };
    expect(rowsPerLayer(scored)).toEqual([prefixes.size, prefixes.size]);
    const withPadding = rowsPerLayer();
    expect(withPadding).toEqual([25, 25]); // B*T = 32 rows, less 3 prompt rows sequence 1 shares and 4 rows sequence 3 shares
    expect(prefixes.size).toBeLessThan(withPadding[0]!);
    model.dispose();
  });
});
