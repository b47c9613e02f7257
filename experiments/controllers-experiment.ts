/**
 * The AGM-controllers experiment: controlled arms beside fixed ones (hmpo with the hyperparameter
 * controller vs hmpo fixed; phase-selected p vs fixed p), each trained in process on the wasm
 * backend over a few seeds with a small config, summarised into experiments/results/controllers.md.
 * Run: `npx tsx experiments/controllers-experiment.ts [--seeds 3] [--steps 400] [--out FILE]`.
 * Not part of CI. The default (3 seeds) takes about 4 min on an idle 2-core machine; the committed
 * record was made with --seeds 4 (its first line says so, with its time on the shared machine).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateRunConfig, type RunConfig, type RunConfigInput } from '../src-shared/run-config.js';
import type { StepRecord, TrainEvent } from '../src-shared/step-record.js';
import { train } from '../src-main/trainer/train.js';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '3' }, steps: { type: 'string', default: '400' }, out: { type: 'string', default: 'experiments/results/controllers.md' } } });
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, i) => i);
const STEPS = Number(args.steps);

/** Small enough for minutes on two CPU cores, big enough to learn pattern-dense. */
const BASE: RunConfigInput = {
  backend: 'wasm',
  task: 'pattern-dense',
  model: { dModel: 32, nLayers: 2, nHeads: 4 },
  promptLength: 8,
  completionLength: 8,
  promptsPerRollout: 8,
  groupSize: 8,
  minibatchesPerRollout: 4,
  totalSteps: STEPS,
  evalEvery: 0,
  evalPrompts: 32,
  optimizer: { learningRate: 3e-3 },
};

interface Arm {
  readonly name: string;
  readonly what: string;
  readonly config: RunConfigInput;
}

const ARMS: readonly Arm[] = [
  { name: 'hmpo fixed', what: 'p = -1, lr 3e-3, token clip 0.4 throughout', config: { objective: { preset: 'hmpo' } } },
  { name: 'hmpo + hparam controller', what: 'lr and clip multipliers from the AGM hyperparameter adapter', config: { objective: { preset: 'hmpo' }, controller: { learningRate: true, clipEpsilon: true } } },
  { name: 'phase-selected p', what: 'hmpo start, p from the phase strategy (0.6 / 0 / -0.6 / 0.3)', config: { objective: { preset: 'hmpo' }, controller: { powerP: true } } },
  { name: 'fixed p = 0.6', what: 'the exploration strategy\'s p, held fixed', config: { objective: { preset: 'power', p: 0.6 } } },
  { name: 'hmpo + all switches', what: 'lr, clip, p and early stop together', config: { objective: { preset: 'hmpo' }, controller: { learningRate: true, clipEpsilon: true, powerP: true, earlyStop: true } } },
];

interface Outcome {
  readonly seed: number;
  readonly steps: number;
  readonly finalEval: number;
  readonly finalEvalSolved: number;
  readonly lastRewardMean: number;
  readonly rewardAuc: number;
  /** First step whose trailing 10-step mean rollout reward reaches TARGET; null if never. */
  readonly stepsToTarget: number | null;
  readonly controlEvents: number;
  readonly lrMultiplier: number;
  readonly epsMultiplier: number;
  readonly finalP: number;
  readonly stopReason: string;
  readonly seconds: number;
}

function configOf(arm: Arm, seed: number): RunConfig {
  const result = validateRunConfig({ ...BASE, ...arm.config, seed });
  if (!result.ok) throw new Error(`${arm.name}: ${result.error.message}`);
  return result.value;
}

async function runArm(arm: Arm, seed: number): Promise<Outcome> {
  const steps: StepRecord[] = [];
  const events: TrainEvent[] = [];
  const started = performance.now();
  await train(configOf(arm, seed), { onStep: (r) => steps.push(r), onEvent: (e) => events.push(e), shouldStop: () => false });
  const rewards = steps.map((s) => s.metrics['charts/reward_mean'] ?? NaN);
  const evals = events.filter((e) => e.kind === 'eval');
  const control = events.filter((e) => e.kind === 'control');
  const last = steps[steps.length - 1]!.metrics;
  const finalEval = evals[evals.length - 1]!;
  return {
    seed,
    steps: steps.length,
    finalEval: finalEval.reward,
    finalEvalSolved: finalEval.successRate,
    lastRewardMean: mean(rewards.slice(-20)),
    rewardAuc: mean(rewards),
    stepsToTarget: stepsToTarget(rewards),
    controlEvents: control.length,
    lrMultiplier: (last['optim/learning_rate'] ?? NaN) / configOf(arm, seed).optimizer.learningRate,
    epsMultiplier: last['control/eps_multiplier'] ?? 1,
    finalP: last['objective/p'] ?? NaN,
    stopReason: control.find((e) => e.reason)?.reason ?? '',
    seconds: (performance.now() - started) / 1000,
  };
}

const TARGET = 0.9;

function stepsToTarget(rewards: readonly number[]): number | null {
  for (let i = 9; i < rewards.length; i++) if (mean(rewards.slice(i - 9, i + 1)) >= TARGET) return i;
  return null;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const pm = (xs: readonly number[], digits = 3) => `${mean(xs).toFixed(digits)} ± ${std(xs).toFixed(digits)}`;

const results = new Map<string, Outcome[]>();
const t0 = performance.now();
for (const arm of ARMS) {
  const outcomes: Outcome[] = [];
  for (const seed of SEEDS) {
    const outcome = await runArm(arm, seed);
    outcomes.push(outcome);
    process.stderr.write(`${arm.name} seed ${seed}: eval ${outcome.finalEval.toFixed(3)}, last-20 reward ${outcome.lastRewardMean.toFixed(3)}, ${outcome.steps} steps, ${outcome.controlEvents} control events, ${outcome.seconds.toFixed(1)} s\n`);
  }
  results.set(arm.name, outcomes);
}
const minutes = (performance.now() - t0) / 60000;

const lines: string[] = [
  '# AGM controllers in the loop: controlled vs fixed arms',
  '',
  `Produced by \`npx tsx experiments/controllers-experiment.ts --seeds ${SEEDS.length} --steps ${STEPS}\` on ${new Date().toISOString().slice(0, 10)} (wasm backend, ${minutes.toFixed(1)} min).`,
  `Task pattern-dense (reward in [0, 1]); model dModel 32, 2 layers, 4 heads; 8 prompts x 8 completions per rollout, 4 minibatches`,
  `(off-policy after the first); AdamW lr 3e-3; ${STEPS} optimizer steps; seeds ${SEEDS.join(', ')}. Mean ± std over seeds.`,
  '',
  '| arm | what acts | final greedy eval reward | eval solved | rollout reward, last 20 steps | rollout reward, all steps (AUC) | steps to 10-step mean reward ≥ 0.9 (reached) | steps trained | control events | final lr × | final clip × | final p |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const arm of ARMS) {
  const o = results.get(arm.name)!;
  const col = (f: (x: Outcome) => number, d = 3) => pm(o.map(f), d);
  const hit = o.flatMap((x) => (x.stepsToTarget === null ? [] : [x.stepsToTarget]));
  const reached = (all: readonly Outcome[]) => (hit.length === 0 ? `never (0/${all.length})` : `${pm(hit, 0)} (${hit.length}/${all.length})`);
  lines.push(`| ${arm.name} | ${arm.what} | ${col((x) => x.finalEval)} | ${col((x) => x.finalEvalSolved)} | ${col((x) => x.lastRewardMean)} | ${col((x) => x.rewardAuc)} | ${reached(o)} | ${col((x) => x.steps, 1)} | ${col((x) => x.controlEvents, 1)} | ${col((x) => x.lrMultiplier)} | ${col((x) => x.epsMultiplier)} | ${col((x) => x.finalP, 2)} |`);
}
lines.push('', '## Per seed', '', '| arm | seed | final eval | last-20 reward | AUC | steps to 0.9 | steps | control events | early-stop reason | seconds |', '|---|---|---|---|---|---|---|---|---|---|');
for (const arm of ARMS) {
  for (const o of results.get(arm.name)!) {
    lines.push(`| ${arm.name} | ${o.seed} | ${o.finalEval.toFixed(3)} | ${o.lastRewardMean.toFixed(3)} | ${o.rewardAuc.toFixed(3)} | ${o.stepsToTarget ?? 'never'} | ${o.steps} | ${o.controlEvents} | ${o.stopReason || '-'} | ${o.seconds.toFixed(1)} |`);
  }
}
lines.push(
  '',
  '## How to read it',
  '',
  '- Controller settings are RunConfig `controller` defaults except the switches named: multipliers bounded to [0.5, 2],',
  '  changed only when the recommendation moves by more than 5%, held for 5 steps (the suite\'s dwell).',
  '- Multipliers are the suite\'s recommendation divided by the run\'s own base (its lr and clip), the same suite a',
  '  telemetry replay builds (suiteForRun). p is mapped from the strategy of the detected phase; the loop feeds the phase',
  '  detector the last 20 policy losses (AGM_Training\'s suite passes none, which would pin the phase to exploration).',
  '- With few seeds and short runs, differences within about one std are noise.',
  '',
);
writeFileSync(args.out, `${lines.join('\n')}`);
process.stderr.write(`wrote ${args.out} (${minutes.toFixed(1)} min)\n`);
