/**
 * Optional supervised warm start (objectives.md section 7): N teacher-forced steps of cross-entropy
 * on the task's correct answers, through the run's own optimizer (QK-clip included), so RL begins
 * from a non-trivial policy as RL fine-tuning of a pretrained model does. Not RL; no advantages.
 */
import * as tf from '@tensorflow/tfjs';
import { derived, type RunConfig } from '../../src-shared/run-config.js';
import type { TrainEvent } from '../../src-shared/step-record.js';
import type { Optimizer } from './parameters.js';
import type { PolicyModel } from './policy-model.js';
import type { QkClipOptimizer } from './optim/qk-clip.js';
import type { Rng } from './rng.js';
import { completionLogProbs } from './sampling.js';
import type { Task } from './tasks/index.js';
import { EOS_ID } from '../../src-shared/tasks.js';

/** A batch of (prompt, answer) rows: tokens (n, P + Tc) and the answer-token mask (n, Tc). */
function answerBatch(task: Task, config: RunConfig, rng: Rng, rows: number): { tokens: Int32Array; mask: Float32Array; scored: number[] } {
  const width = config.promptLength + config.completionLength;
  const tokens = new Int32Array(rows * width).fill(EOS_ID);
  const mask = new Float32Array(rows * config.completionLength);
  const scored: number[] = [];
  for (let r = 0; r < rows; r++) {
    const prompt = task.makePrompt(rng, config.promptLength);
    const answer = task.answer(prompt, config.completionLength);
    tokens.set(prompt, r * width);
    tokens.set(answer, r * width + config.promptLength);
    mask.fill(1, r * config.completionLength, r * config.completionLength + answer.length);
    scored.push(answer.length);
  }
  return { tokens, mask, scored };
}

export function warmStart(
  model: PolicyModel,
  optimizer: Optimizer,
  qkClip: QkClipOptimizer | null,
  task: Task,
  config: RunConfig,
  rng: Rng,
  paramNameOf: ReadonlyMap<string, string>,
): TrainEvent {
  const rows = derived(config).minibatchSize;
  const width = config.promptLength + config.completionLength;
  const variables = model.params().map((p) => p.variable);
  let finalLoss = NaN;
  for (let i = 0; i < config.warmStartSteps; i++) {
    const { tokens, mask, scored } = answerBatch(task, config, rng, rows);
    tf.tidy(() => {
      const tokenRows = tf.tensor2d(tokens, [rows, width], 'int32');
      const maskRows = tf.tensor2d(mask, [rows, config.completionLength]);
      let attnMax: tf.Tensor2D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const scores = completionLogProbs(model, tokenRows, config.promptLength, 1, scored); // the padding after each answer is not computed
        attnMax = tf.keep(scores.attnMaxLogits);
        return tf.neg(tf.div(tf.sum(tf.mul(scores.logp, maskRows)), tf.sum(maskRows))) as tf.Scalar; // token-mean cross-entropy
      }, variables);
      finalLoss = value.dataSync()[0]!;
      if (Number.isFinite(finalLoss)) {
        qkClip?.setAttentionMaxLogits(attnMax!.arraySync());
        optimizer.step(new Map(Object.entries(grads).map(([name, g]) => [paramNameOf.get(name)!, g])));
      }
      attnMax?.dispose();
    });
  }
  return { kind: 'warm-start', steps: config.warmStartSteps, finalLoss };
}
