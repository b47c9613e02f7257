/**
 * Trainer micro-benchmark with the hmpo objective: times one rollout's sampling (64 completions,
 * KV-cached) and one optimizer step, the very function train.ts runs (optimizer-step.ts; 16
 * sequences: teacher-forced forward, the HMPO policy loss, backward, global grad norm and clip,
 * AdamW, batch telemetry), then runs bench/torch_reference.py (the same work in PyTorch, one
 * thread) and prints both with PASS/MISS against the targets, plus our peak tensor memory per step.
 * Two sizes by default: the reference config (d_model 64, 2 layers, completion 16) and d_model
 * 128, 4 layers, completion 64, to show how the ratio grows with model size.
 * Run: `npx tsx bench/trainer-bench.ts [--repeats N] [--warmup N] [--rounds N] [--backend
 * wasm|cpu|node|auto] [--breakdown] [--size default|large|both]`. Rounds alternate ours and torch
 * so both see the same machine load (this machine is shared: compare the per-round ratios and the
 * CPU rows too). Not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { resolveObjective } from '../src-shared/objective-config.js';
import { derived, validateRunConfig, type BackendChoice, type RunConfig } from '../src-shared/run-config.js';
import { EOS_ID, VOCAB_SIZE } from '../src-shared/tasks.js';
import { initBackend } from '../src-main/trainer/backend.js';
import { buildOptimizer } from '../src-main/trainer/optim/build-optimizer.js';
import { optimizerStep, type StepContext, type StepPhase } from '../src-main/trainer/optimizer-step.js';
import { PolicyModel } from '../src-main/trainer/policy-model.js';
import { Rng } from '../src-main/trainer/rng.js';
import { collectRollout, drawGroupedPrompts } from '../src-main/trainer/rollout.js';
import { sampleCompletions } from '../src-main/trainer/sampling.js';
import { TASK_IMPLEMENTATIONS } from '../src-main/trainer/tasks/index.js';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
const INSTALL_HINT = 'install it with: apt-get install -y python3-torch libopenblas0-pthread';

/** Phases of one optimizer step, for --breakdown (ms each, median). */
type Phase = StepPhase;

interface BenchResult {
  readonly impl: string;
  readonly backend: string;
  readonly rollout_ms: number;
  readonly train_step_ms: number;
  readonly rollout_cpu_ms: number;
  readonly train_step_cpu_ms: number;
  readonly rollout_tokens_per_s: number;
  readonly train_tokens_per_s: number;
  readonly phases_ms?: Partial<Record<Phase, number>>;
  /** Torch only: the same step computing the rows ours computes (torch_reference.py completion_scores_same_rows). */
  readonly train_step_same_rows_ms?: number;
  readonly train_step_same_rows_cpu_ms?: number;
  /** Ours: peak engine-tracked tensor memory during one step above what was live before it (MB). */
  readonly step_peak_mb?: number;
}

/**
 * Where the two sides' arithmetic differs (same results, less work on ours): the teacher-forced
 * pass of optimizer-step.ts runs its dense layers once per distinct token prefix of the minibatch (a
 * GRPO group repeats its prompt), not past a sequence's last scored token, and the output head only
 * at completion positions; the PyTorch reference's main step computes every position of every
 * sequence (as TRL does), and its second step computes the same dense rows as ours, with dense
 * attention over the batch's longest needed length where ours stops each sequence at its own (the
 * like-for-like row). Printed with the figures.
 */
const WORK_NOTE = 'note:  ours computes each distinct token prefix once (a group shares its prompt), nothing past a sequence\'s last scored token (the padding after its EOS), and the head at completion positions only; torch\'s main step computes every position (as TRL does), its "same rows" step computes the dense rows ours does (its attention: up to the batch\'s longest needed row)';

/** The sizes the benchmark runs: the reference config, and a larger one to show how the ratio grows. */
const SIZES = {
  default: { label: 'default size', model: {}, completionLength: undefined },
  large: { label: 'large size', model: { dModel: 128, nLayers: 4 }, completionLength: 64 },
} as const;
type SizeName = keyof typeof SIZES;

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall-clock ms and median CPU ms of this process (less sensitive to other load on the machine). */
function medianMs(fn: () => void, repeats: number, warmup: number): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** The run the benchmark stands for: defaults (the reference config) with the hmpo objective, at `size`. */
function benchConfig(backend: BackendChoice, size: SizeName): RunConfig {
  const { model, completionLength } = SIZES[size];
  const result = validateRunConfig({ backend, objective: { preset: 'hmpo' }, model, ...(completionLength ? { completionLength } : {}) });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function runOurs(config: RunConfig, repeats: number, warmup: number, backend: string, breakdown: boolean): Promise<BenchResult> {
  const { minibatchSize, sequencesPerRollout } = derived(config);
  const objective = resolveObjective(config.objective);
  const model = new PolicyModel({ vocabSize: VOCAB_SIZE, maxSeqLen: config.promptLength + config.completionLength, ...config.model, seed: config.seed });
  const root = new Rng(config.seed);
  const rng = { prompts: root.fork('prompts'), sampling: root.fork('sampling') };
  const task = TASK_IMPLEMENTATIONS[config.task];

  // Rollout: sampling only (the target compares generation; old log-probs are scored separately).
  const prompts = drawGroupedPrompts(task, rng.prompts, config);
  const sample = () => sampleCompletions(model, prompts, { completionLength: config.completionLength, temperature: config.temperature, eosId: EOS_ID, rng: rng.sampling });
  const rollout = medianMs(sample, repeats, warmup);

  // Optimizer steps over the minibatches of one real rollout, cycling as train.ts's loop does.
  const params = model.params();
  const { optimizer, qkClip } = buildOptimizer(config, params, model.attentionProjections(), new Map());
  const data = collectRollout({ sampler: model }, task, config, rng, minibatchSize);
  const ctx: StepContext = { model, params, optimizer, qkClip, config, objective };
  const before = tf.memory().numTensors;
  let next = 0;
  const phaseTimes = new Map<Phase, number[]>();
  let last = 0;
  const mark = breakdown
    ? (phase: Phase) => {
      const now = performance.now();
      phaseTimes.set(phase, [...(phaseTimes.get(phase) ?? []), now - last]);
      last = now;
    }
    : () => undefined;
  const step = () => {
    const start = (next++ % config.minibatchesPerRollout) * minibatchSize;
    last = performance.now();
    optimizerStep(ctx, data, Array.from({ length: minibatchSize }, (_, i) => start + i), { learningRate: config.optimizer.learningRate, mark });
  };
  const train = medianMs(step, repeats, warmup);
  const bytesBefore = tf.memory().numBytes;
  const peakMb = ((await tf.profile(step)).peakBytes - bytesBefore) / 2 ** 20;
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) console.warn(`warning: ${leaked} tensors leaked over ${repeats + warmup} optimizer steps`);
  optimizer.dispose();
  model.dispose();
  const phases = breakdown ? Object.fromEntries([...phaseTimes].map(([k, v]) => [k, median(v.slice(warmup))])) : undefined;
  return {
    impl: 'hmpo-lab',
    backend,
    rollout_ms: rollout.wall,
    train_step_ms: train.wall,
    rollout_cpu_ms: rollout.cpu,
    train_step_cpu_ms: train.cpu,
    rollout_tokens_per_s: (sequencesPerRollout * config.completionLength) / rollout.wall * 1000,
    train_tokens_per_s: (minibatchSize * (config.promptLength + config.completionLength)) / train.wall * 1000,
    ...(phases ? { phases_ms: phases } : {}),
    step_peak_mb: peakMb,
  };
}

/** Runs the PyTorch reference; returns null (after printing the install hint) when python3 or torch is missing. */
function runTorch(config: RunConfig, repeats: number, warmup: number, breakdown: boolean): BenchResult | null {
  if (!existsSync(PYTHON)) {
    console.log(`PyTorch reference skipped: ${PYTHON} not found; ${INSTALL_HINT}`);
    return null;
  }
  const shape = ['--d-model', String(config.model.dModel), '--layers', String(config.model.nLayers), '--completion', String(config.completionLength)];
  const args = [TORCH_SCRIPT, '--repeats', String(repeats), '--warmup', String(warmup), ...shape, ...(breakdown ? ['--breakdown'] : [])];
  const run = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (run.status !== 0) {
    const missingTorch = /No module named .?torch/.test(run.stderr);
    console.log(missingTorch ? `PyTorch reference skipped: torch is not installed for ${PYTHON}; ${INSTALL_HINT}` : `PyTorch reference failed:\n${run.stderr}`);
    return null;
  }
  const lastLine = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as BenchResult;
}

/** Median of each timing over rounds (the rounds alternate ours and torch, so both see the same load). */
function combine(results: BenchResult[]): BenchResult {
  const numeric = ['rollout_ms', 'train_step_ms', 'rollout_cpu_ms', 'train_step_cpu_ms', 'rollout_tokens_per_s', 'train_tokens_per_s', 'train_step_same_rows_ms', 'train_step_same_rows_cpu_ms'] as const;
  const peaks = results.map((r) => r.step_peak_mb).filter((v): v is number => v !== undefined);
  const phases = results[0]!.phases_ms;
  return {
    ...results[0]!,
    ...Object.fromEntries(numeric.flatMap((k) => (results[0]![k] === undefined ? [] : [[k, median(results.map((r) => r[k]!))]]))),
    ...(phases ? { phases_ms: Object.fromEntries(Object.keys(phases).map((k) => [k, median(results.map((r) => r.phases_ms![k as Phase]!))])) } : {}),
    ...(peaks.length > 0 ? { step_peak_mb: median(peaks) } : {}),
  };
}

function report(size: SizeName, config: RunConfig, ours: BenchResult, torch: BenchResult | null, rounds: { ours: BenchResult; torch: BenchResult | null }[]): void {
  const { sequencesPerRollout, minibatchSize } = derived(config);
  const fmt = (v: number, digits = 2) => v.toFixed(digits).padStart(12);
  const row = (label: string, a: number, b: number | undefined, digits = 2) =>
    console.log(`${label.padEnd(40)}${fmt(a, digits)}${b === undefined ? '' : `${fmt(b, digits)}${fmt(a / b)}`}`);
  console.log(`\n== ${SIZES[size].label}: ${describe(config)}`);
  console.log(`ours:  ${ours.backend}`);
  if (torch) console.log(`torch: ${torch.backend}`);
  if (torch) console.log(WORK_NOTE);
  console.log(`\n${''.padEnd(40)}${'ours'.padStart(12)}${torch ? `${'torch'.padStart(12)}${'ours/torch'.padStart(12)}` : ''}`);
  row(`rollout ${sequencesPerRollout}x${config.completionLength} tokens (ms)`, ours.rollout_ms, torch?.rollout_ms);
  row('  completion tokens/s', ours.rollout_tokens_per_s, torch?.rollout_tokens_per_s, 0);
  row('  cpu ms (this process)', ours.rollout_cpu_ms, torch?.rollout_cpu_ms);
  row(`optimizer step, ${minibatchSize} sequences (ms)`, ours.train_step_ms, torch?.train_step_ms);
  row('  sequence tokens/s', ours.train_tokens_per_s, torch?.train_tokens_per_s, 0);
  row('  cpu ms (this process)', ours.train_step_cpu_ms, torch?.train_step_cpu_ms);
  for (const phase of Object.keys(ours.phases_ms ?? {}) as Phase[]) {
    row(`  ${phase} (ms)`, ours.phases_ms![phase]!, torch?.phases_ms?.[phase]);
  }
  if (torch?.train_step_same_rows_ms !== undefined) {
    row('optimizer step, torch computing the same rows (ms)', ours.train_step_ms, torch.train_step_same_rows_ms);
    row('  cpu ms (this process)', ours.train_step_cpu_ms, torch.train_step_same_rows_cpu_ms!);
  }
  if (ours.step_peak_mb !== undefined) row('  peak tensor memory per step (MB)', ours.step_peak_mb, undefined);
  if (torch) {
    const perRound = (key: 'rollout_ms' | 'train_step_ms') => rounds.map((r) => (r.torch ? (r.ours[key] / r.torch[key]).toFixed(2) : '-')).join(' ');
    console.log(`\nours/torch per round (noise): rollout ${perRound('rollout_ms')}; optimizer step ${perRound('train_step_ms')}`);
    const rolloutRatio = ours.rollout_ms / torch.rollout_ms;
    const stepRatio = ours.train_step_ms / torch.train_step_ms;
    if (size === 'default') {
      console.log(`target rollout ours/torch <= 1 (wall-clock medians): ${rolloutRatio.toFixed(2)} ${rolloutRatio <= 1 ? 'PASS' : 'MISS'}`);
      console.log(`target optimizer step ours/torch <= 1 (wall-clock medians): ${stepRatio.toFixed(2)} ${stepRatio <= 1 ? 'PASS' : 'MISS'}`);
      if (torch.train_step_same_rows_ms !== undefined) {
        const sameRows = ours.train_step_ms / torch.train_step_same_rows_ms;
        console.log(`like-for-like (torch computing the same rows): optimizer step ours/torch ${sameRows.toFixed(2)} ${sameRows <= 1 ? 'PASS' : 'MISS'}`);
      }
    } else {
      console.log(`ours/torch at this size (no target; shows how the ratio grows): rollout ${rolloutRatio.toFixed(2)}, optimizer step ${stepRatio.toFixed(2)}`);
    }
    console.log('(the cpu ms rows are the same medians in CPU time; where they disagree with wall time, the machine was busy)');
  }
  console.log(JSON.stringify({ size, ours, torch }));
}

function describe(config: RunConfig): string {
  const { sequencesPerRollout, minibatchSize } = derived(config);
  const m = config.model;
  return `vocab ${VOCAB_SIZE}, d_model ${m.dModel}, ${m.nLayers} layers, ${m.nHeads} heads, prompt ${config.promptLength}, completion ${config.completionLength}, ` +
    `${sequencesPerRollout} sequences per rollout (${config.promptsPerRollout} prompts x ${config.groupSize}), ${config.minibatchesPerRollout} minibatches of ${minibatchSize}; ` +
    `objective ${config.objective.preset}, ${config.optimizer.name} lr ${config.optimizer.learningRate}, grad clip ${config.gradClip}`;
}

async function main(): Promise<void> {
  const repeats = Number(argValue('--repeats') ?? 20);
  // 30 warm-up runs: after 3, V8 was still compiling our JS on a background thread (process CPU 12 ms
  // against 7.7 ms wall per step); a run takes thousands of steps, so the steady state is what counts.
  const warmup = Number(argValue('--warmup') ?? 30);
  const roundCount = Number(argValue('--rounds') ?? 3);
  const breakdown = process.argv.includes('--breakdown');
  const choice = (argValue('--backend') ?? 'wasm') as BackendChoice;
  const sizeArg = argValue('--size') ?? 'both';
  if (sizeArg !== 'both' && !(sizeArg in SIZES)) {
    console.error(`--size must be default, large or both, got '${sizeArg}'`);
    process.exit(2);
  }
  const sizes = (sizeArg === 'both' ? Object.keys(SIZES) : [sizeArg]) as SizeName[];
  const backend = await initBackend(choice);
  const flags = backend === 'wasm' ? `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off'}` : '';
  console.log(`${roundCount} rounds (ours, then torch) of ${repeats} runs after ${warmup} warm-up per size; medians of the per-round medians`);
  for (const size of sizes) {
    const config = benchConfig(choice, size);
    const rounds: { ours: BenchResult; torch: BenchResult | null }[] = [];
    for (let round = 0; round < roundCount; round++) {
      const ours = await runOurs(config, repeats, warmup, `tfjs ${tf.version.tfjs} ${backend}${flags}`, breakdown);
      const torch = runTorch(config, repeats, warmup, breakdown);
      rounds.push({ ours, torch });
      if (!torch) break; // torch missing: its hint is printed, our own numbers stand
    }
    const torchResults = rounds.map((r) => r.torch).filter((t): t is BenchResult => t !== null);
    report(size, config, combine(rounds.map((r) => r.ours)), torchResults.length > 0 ? combine(torchResults) : null, rounds);
  }
}

await main();
