/**
 * Trainer micro-benchmark: times one rollout (64 completions of 16 tokens, KV-cached) and one
 * training step (16 sequences: forward, a sequence-level ratio loss, backward, SGD) on the reference
 * config, then runs bench/torch_reference.py (the same work in PyTorch, one thread) and prints both.
 * Run: `npx tsx bench/trainer-bench.ts [--repeats N] [--backend wasm|cpu|node|auto]`. Not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../src-shared/run-config.js';
import { initBackend } from '../src-main/trainer/backend.js';
import { PolicyModel } from '../src-main/trainer/policy-model.js';
import { Rng } from '../src-main/trainer/rng.js';
import { completionLogProbs, sampleCompletions, type Completions } from '../src-main/trainer/sampling.js';

// The reference config (keep in step with bench/torch_reference.py).
const VOCAB = 16, D_MODEL = 64, N_LAYERS = 2, N_HEADS = 4, MLP_RATIO = 4;
const PROMPT = 8, COMPLETION = 16;
const ROLLOUT_SEQS = 64, MINIBATCHES = 4, GROUP_SIZE = 8; // 8 prompts x a group of 8, the default run
const TEMPERATURE = 1, LR = 1e-3, EOS_ID = 0;
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('./torch_reference.py', import.meta.url));

interface BenchResult {
  readonly impl: string;
  readonly backend: string;
  readonly rollout_ms: number;
  readonly train_step_ms: number;
  readonly rollout_tokens_per_s: number;
  readonly train_tokens_per_s: number;
}

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function medianMs(fn: () => void, repeats: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
}

/** One optimizer step on a minibatch: loss = -mean(A * exp(mean over scored tokens of (logp - logpOld))). */
function trainStep(model: PolicyModel, batch: { tokens: tf.Tensor2D; mask: tf.Tensor2D; logpOld: tf.Tensor2D; advantages: tf.Tensor1D }): number {
  return tf.tidy(() => {
    const params = model.params();
    const { value, grads } = tf.variableGrads(() => {
      const { logp } = completionLogProbs(model, batch.tokens, PROMPT, TEMPERATURE); // (B, Tc)
      const tokenLogRatio = tf.mul(tf.sub(logp, batch.logpOld), batch.mask); // (B, Tc)
      const seqLogRatio = tf.div(tf.sum(tokenLogRatio, 1), tf.sum(batch.mask, 1)); // (B)
      return tf.neg(tf.mean(tf.mul(batch.advantages, tf.exp(seqLogRatio)))) as tf.Scalar;
    }, params.map((p) => p.variable));
    for (const p of params) {
      const g = grads[p.variable.name];
      if (g !== undefined) p.variable.assign(tf.sub(p.variable, tf.mul(g, LR)));
    }
    return value.dataSync()[0]!;
  });
}

function runOurs(repeats: number, warmup: number, backend: string): BenchResult {
  const model = new PolicyModel({ vocabSize: VOCAB, maxSeqLen: PROMPT + COMPLETION, dModel: D_MODEL, nLayers: N_LAYERS, nHeads: N_HEADS, mlpRatio: MLP_RATIO, seed: 0 });
  const rng = new Rng(0);
  const distinct = Array.from({ length: ROLLOUT_SEQS / GROUP_SIZE }, () => Int32Array.from({ length: PROMPT }, () => 1 + rng.nextInt(VOCAB - 1)));
  const prompts = distinct.flatMap((p) => Array.from({ length: GROUP_SIZE }, () => p));
  const sample = (): Completions => sampleCompletions(model, prompts, { completionLength: COMPLETION, temperature: TEMPERATURE, eosId: EOS_ID, rng });
  const rolloutMs = medianMs(sample, repeats, warmup);

  const mb = ROLLOUT_SEQS / MINIBATCHES;
  const rollout = sampleCompletions(model, prompts.slice(0, mb), { completionLength: COMPLETION, temperature: TEMPERATURE, eosId: EOS_ID, rng });
  const batch = {
    tokens: tf.tensor2d(rollout.tokens, [mb, PROMPT + COMPLETION], 'int32'),
    mask: tf.tensor2d(rollout.mask, [mb, COMPLETION]),
    logpOld: tf.tensor2d(rollout.logProbs, [mb, COMPLETION]),
    advantages: tf.tensor1d(Float32Array.from({ length: mb }, () => rng.normal())),
  };
  const before = tf.memory().numTensors;
  const trainMs = medianMs(() => trainStep(model, batch), repeats, warmup);
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) console.warn(`warning: ${leaked} tensors leaked over ${repeats + warmup} training steps`);
  tf.dispose(Object.values(batch));
  model.dispose();
  return {
    impl: 'hmpo-lab',
    backend,
    rollout_ms: rolloutMs,
    train_step_ms: trainMs,
    rollout_tokens_per_s: (ROLLOUT_SEQS * COMPLETION) / rolloutMs * 1000,
    train_tokens_per_s: (mb * (PROMPT + COMPLETION)) / trainMs * 1000,
  };
}

/** Runs the PyTorch reference; returns null (after saying why) when python3 or torch is missing. */
function runTorch(repeats: number, warmup: number): BenchResult | null {
  const installHint = 'install it with: apt-get install -y python3-torch libopenblas0-pthread';
  if (!existsSync(PYTHON)) {
    console.log(`PyTorch reference skipped: ${PYTHON} not found; ${installHint}`);
    return null;
  }
  const run = spawnSync(PYTHON, [TORCH_SCRIPT, '--repeats', String(repeats), '--warmup', String(warmup)], { encoding: 'utf8' });
  if (run.status !== 0) {
    const missingTorch = /No module named .?torch/.test(run.stderr);
    console.log(missingTorch ? `PyTorch reference skipped: torch is not installed for ${PYTHON}; ${installHint}` : `PyTorch reference failed:\n${run.stderr}`);
    return null;
  }
  const lastLine = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as BenchResult;
}

function report(ours: BenchResult, torch: BenchResult | null): void {
  const fmt = (v: number, digits = 2) => v.toFixed(digits).padStart(12);
  const row = (label: string, a: number, b: number | undefined, digits = 2) =>
    console.log(`${label.padEnd(34)}${fmt(a, digits)}${b === undefined ? '' : `${fmt(b, digits)}${fmt(a / b)}`}`);
  console.log(`\nours:  ${ours.backend}`);
  if (torch) console.log(`torch: ${torch.backend}`);
  console.log(`\n${''.padEnd(34)}${'ours'.padStart(12)}${torch ? `${'torch'.padStart(12)}${'ours/torch'.padStart(12)}` : ''}`);
  row(`rollout ${ROLLOUT_SEQS}x${COMPLETION} tokens (ms)`, ours.rollout_ms, torch?.rollout_ms);
  row('  completion tokens/s', ours.rollout_tokens_per_s, torch?.rollout_tokens_per_s, 0);
  row(`train step, ${ROLLOUT_SEQS / MINIBATCHES} sequences (ms)`, ours.train_step_ms, torch?.train_step_ms);
  row('  sequence tokens/s', ours.train_tokens_per_s, torch?.train_tokens_per_s, 0);
  if (torch) {
    console.log(`\ntargets: rollout ours/torch <= 1 (${ours.rollout_ms <= torch.rollout_ms ? 'met' : 'not met'}), ` +
      `train step ours/torch <= 2 (${ours.train_step_ms <= 2 * torch.train_step_ms ? 'met' : 'not met'})`);
  }
  console.log(JSON.stringify({ ours, torch }));
}

async function main(): Promise<void> {
  const repeats = Number(argValue('--repeats') ?? 20);
  const warmup = Number(argValue('--warmup') ?? 3);
  const choice = (argValue('--backend') ?? 'wasm') as BackendChoice;
  const backend = await initBackend(choice);
  const flags = backend === 'wasm' ? `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off'}` : '';
  console.log(`config: vocab ${VOCAB}, d_model ${D_MODEL}, ${N_LAYERS} layers, ${N_HEADS} heads, prompt ${PROMPT}, completion ${COMPLETION}, ` +
    `${ROLLOUT_SEQS} sequences per rollout (${ROLLOUT_SEQS / GROUP_SIZE} prompts x ${GROUP_SIZE}), ${MINIBATCHES} minibatches; median of ${repeats} after ${warmup} warm-up`);
  const ours = runOurs(repeats, warmup, `tfjs ${tf.version.tfjs} ${backend}${flags}`);
  const torch = runTorch(repeats, warmup);
  report(ours, torch);
}

await main();
