/**
 * The stress-regime experiment (issue 10): do the stability outcomes separate the mean types where
 * token ratios go far off-policy? Trains the `stress` plan (src-shared/plans: grpo and power
 * p in {1, 0, -1} without a clip, 4 epochs x 4 minibatches per rollout, staleness 2, lr 1e-2,
 * completions of 32, entropy bonus 0.01) over SEEDS paired seeds, in process on the wasm backend,
 * and writes per-arm outcomes with 95% CIs and paired differences to experiments/results/stress.md.
 *   npx tsx experiments/stress-regime.ts [seeds=6]      (about 5-10 minutes on 2 idle cores)
 *   npx tsx experiments/stress-regime.ts --table-only  (redraws the tables from results/stress-runs.json)
 * Deterministic: the same seeds give the same table. Not part of CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { meanOf } from '../src-shared/analysis/bootstrap.js';
import { pairedDifference, tMeanInterval } from '../src-shared/analysis/t-intervals.js';
import { holmAdjust } from '../src-shared/analysis/verdict.js';
import { confidenceSequence } from '../src-shared/analysis/sequential.js';
import type { MetricKey } from '../src-shared/metrics.js';
import { planSpec } from '../src-shared/plans/plans.js';
import type { StepRecord } from '../src-shared/step-record.js';
import { expandSweep, sweepCells } from '../src-shared/sweep.js';
import { train } from '../src-main/trainer/train.js';

const TABLE_ONLY = process.argv[2] === '--table-only';
const RAW = fileURLToPath(new URL('./results/stress-runs.json', import.meta.url));
const SEEDS = Array.from({ length: TABLE_ONLY ? (JSON.parse(readFileSync(RAW, 'utf8')) as { seeds: number[] }).seeds.length : Number(process.argv[2] ?? 6) }, (_, i) => i);
/** Entropy below this at the end of a run (nats per token, vocabulary 16: max 2.77) counts as collapsed. */
const COLLAPSE_ENTROPY = 0.1;

// ---------------------------------------------------------------------------------------------
// Per-run outcomes. SWAP for src-shared/analysis/outcomes.ts when it lands (the verdict helper's
// definitions); kept narrow and in one place until then. "Last 10%" = the last tenth of the steps.
// ---------------------------------------------------------------------------------------------
const series = (steps: readonly StepRecord[], key: MetricKey) => steps.map((s) => s.metrics[key]).filter((v): v is number => v !== undefined && Number.isFinite(v));
const tailMean = (values: readonly number[]) => meanOf(values.slice(values.length - Math.max(1, Math.ceil(values.length / 10))));
const maxOf = (values: readonly number[]) => values.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);

const OUTCOMES = {
  'final reward': (s: readonly StepRecord[]) => tailMean(series(s, 'charts/reward_mean')),
  'log-ratio variance (mean over steps)': (s: readonly StepRecord[]) => meanOf(series(s, 'ratio/log_ratio_var')),
  'max |log ratio| (over steps)': (s: readonly StepRecord[]) => maxOf(series(s, 'ratio/log_ratio_max_abs')),
  'token clip fraction (mean)': (s: readonly StepRecord[]) => meanOf(series(s, 'clip/token_region')),
  'AM-GM gap (mean)': (s: readonly StepRecord[]) => meanOf(series(s, 'ratio/am_gm_gap')),
  'AM-HM gap (mean)': (s: readonly StepRecord[]) => meanOf(series(s, 'ratio/am_hm_gap')),
  'entropy at end': (s: readonly StepRecord[]) => tailMean(series(s, 'losses/entropy')),
  'non-finite skips': (s: readonly StepRecord[]) => s.filter((r) => r.skipped).length,
  collapsed: (s: readonly StepRecord[]) => (tailMean(series(s, 'losses/entropy')) < COLLAPSE_ENTROPY ? 1 : 0),
} as const;
type OutcomeName = keyof typeof OUTCOMES;
const OUTCOME_NAMES = Object.keys(OUTCOMES) as OutcomeName[];

// ---------------------------------------------------------------------------------------------
// Run the plan.
// ---------------------------------------------------------------------------------------------
const spec = planSpec('stress', { base: { backend: 'wasm' }, seeds: SEEDS });
const expanded = expandSweep(spec);
if (!expanded.ok) throw new Error(expanded.error.message);
const arms = sweepCells(spec).map((c) => c.label);
type Raw = { seeds: number[]; minutes: number; outcomes: Record<string, Record<string, number[]>> };
let raw: Raw;
if (TABLE_ONLY) {
  raw = JSON.parse(readFileSync(RAW, 'utf8')) as Raw;
} else {
  raw = { seeds: SEEDS, minutes: 0, outcomes: Object.fromEntries(arms.map((arm) => [arm, Object.fromEntries(OUTCOME_NAMES.map((n) => [n, [] as number[]]))])) };
  const started = performance.now();
  for (const [i, run] of expanded.value.entries()) {
    const arm = arms[Math.floor(i / SEEDS.length)]!;
    const steps: StepRecord[] = [];
    const t0 = performance.now();
    const outcome = await train(run.config, { onStep: (r) => steps.push(r), onEvent: () => {}, shouldStop: () => false });
    for (const name of OUTCOME_NAMES) raw.outcomes[arm]![name]!.push(OUTCOMES[name](steps));
    process.stderr.write(`${run.name}: ${outcome.status} in ${((performance.now() - t0) / 1000).toFixed(1)}s, final reward ${OUTCOMES['final reward'](steps).toFixed(3)}, entropy at end ${OUTCOMES['entropy at end'](steps).toFixed(3)}\n`);
  }
  raw.minutes = (performance.now() - started) / 60000;
  writeFileSync(RAW, `${JSON.stringify(raw, null, 1)}\n`);
}
const results = new Map(arms.map((arm) => [arm, new Map(OUTCOME_NAMES.map((n) => [n, raw.outcomes[arm]![n]!]))]));
const minutes = raw.minutes;

// ---------------------------------------------------------------------------------------------
// Tables.
// ---------------------------------------------------------------------------------------------
const f = (x: number) => (!Number.isFinite(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3));
// The verdict's methods (src-shared/analysis): Student t intervals, paired t across seeds, Holm across pairs.
const ci = (values: readonly number[]) => {
  const interval = tMeanInterval(values);
  return `${f(meanOf(values))} [${interval ? `${f(interval.low)}, ${f(interval.high)}` : '-'}]`;
};

/** Markdown cell text: a '|' inside would end the cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|');
const lines: string[] = [];
lines.push('# Stress regime: do the stability outcomes separate the mean types?', '');
lines.push(`Generated by \`npx tsx experiments/stress-regime.ts ${SEEDS.length}\` (${minutes.toFixed(1)} min on this machine, wasm backend, in process). Deterministic per seed.`, '');
lines.push('Plan `stress` (`hmpo-lab sweep --plan stress`): task pattern-dense, model 32 wide x 2 layers x 4 heads, completions of 32 tokens, 4 prompts x 8 samples per rollout, 4 minibatches x 4 epochs per rollout, sampler 2 optimizer steps stale, AdamW lr 1e-2 (3x default), 300 steps, entropy bonus `objective.entCoef = 0.01` in every arm. grpo keeps its token clip eps = 0.2; the power arms have NO clip (`tokenClip: null`), so only the mean shapes the sequence ratio.', '');
lines.push(`Seeds ${SEEDS.join(', ')}, paired across arms. Cells: mean over seeds [95% Student t interval over seeds, the verdict's per-group interval]. Collapsed = entropy over the last 10% of steps < ${COLLAPSE_ENTROPY}.`, '');
lines.push('## Per arm', '');
lines.push(`| outcome | ${arms.join(' | ')} |`, `|---|${arms.map(() => '---').join('|')}|`);
for (const name of OUTCOME_NAMES) {
  const cells = arms.map((arm) => {
    const values = results.get(arm)!.get(name)!;
    return name === 'collapsed' ? `${values.filter((v) => v === 1).length}/${values.length}` : ci(values);
  });
  lines.push(`| ${cell(name)} | ${cells.join(' | ')} |`);
}
lines.push('', '## Paired differences (first arm minus second, same seed)', '');
lines.push('Mean paired difference [95% paired t interval], p_Holm over the six pairs of that outcome: the verdict\'s methods (`hmpo-lab compare`). **Bold** where the anytime-valid interval of src-shared/analysis/sequential.ts (alpha 0.05 for that one comparison; conservative) also excludes 0.', '');
const pairs: [string, string][] = [];
for (let i = 0; i < arms.length; i++) for (let j = i + 1; j < arms.length; j++) pairs.push([arms[i]!, arms[j]!]);
lines.push(`| outcome | ${pairs.map(([a, b]) => `${a} − ${b}`).join(' | ')} |`, `|---|${pairs.map(() => '---').join('|')}|`);
const separated = new Map<string, string[]>();
for (const name of OUTCOME_NAMES) {
  const differences = pairs.map(([a, b]) => pairedDifference(results.get(a)!.get(name)!, results.get(b)!.get(name)!));
  const adjusted = holmAdjust(differences.map((d) => d.p));
  const cells = pairs.map(([a, b], k) => {
    const difference = differences[k]!;
    const d = results.get(a)!.get(name)!.map((v, i) => v - results.get(b)!.get(name)![i]!);
    const anytime = confidenceSequence(d, { alpha: 0.05 });
    const strong = anytime.lower > 0 || anytime.upper < 0;
    const pHolm = adjusted[k];
    if (pHolm !== null && pHolm !== undefined && pHolm < 0.05) separated.set(name, [...(separated.get(name) ?? []), `${a} − ${b} (p_Holm ${pHolm < 0.001 ? '< 0.001' : pHolm.toFixed(3)})${strong ? ', anytime-valid too' : ''}`]);
    const interval = difference.ci;
    const text = `${f(difference.estimate)} [${interval ? `${f(interval.low)}, ${f(interval.high)}` : '-'}], p_Holm ${pHolm === null || pHolm === undefined ? '-' : pHolm < 0.001 ? '< 0.001' : pHolm.toFixed(3)}`;
    return strong ? `**${text}**` : text;
  });
  lines.push(`| ${cell(name)} | ${cells.join(' | ')} |`);
}
lines.push('', '## Which outcomes separate which arms (paired t, Holm-adjusted p < 0.05)', '');
for (const name of OUTCOME_NAMES) lines.push(`- ${name}: ${separated.get(name)?.join('; ') ?? 'none'}`);
lines.push('', '## Per run', '');
lines.push(`| arm | seed | ${OUTCOME_NAMES.map(cell).join(' | ')} |`, `|---|---|${OUTCOME_NAMES.map(() => '---').join('|')}|`);
for (const arm of arms) SEEDS.forEach((seed, k) => lines.push(`| ${arm} | ${seed} | ${OUTCOME_NAMES.map((n) => f(results.get(arm)!.get(n)![k]!)).join(' | ')} |`));
const out = fileURLToPath(new URL('./results/stress.md', import.meta.url));
writeFileSync(out, `${lines.join('\n')}\n`);
process.stderr.write(`wrote ${out} (${minutes.toFixed(1)} min)\n`);
