/**
 * The exports on in-memory runs that include NaN/Infinity values: the AGM export satisfies every
 * agm-telemetry.md rule and its manifest hashes match; the long export round-trips every value;
 * cancellation stops it; existing files are never overwritten.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, validateRunConfig } from '../../src-shared/run-config.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import { agmExportViolations } from '../../test-support/agm-rules.js';
import { writeAgmExport } from './agm-export.js';
import { writeLongExport } from './long-export.js';
import { parseCsvNumber } from './csv.js';
import type { ExportSource, ExportStep } from './export-source.js';

function steps(count: number, seed: number): ExportStep[] {
  return Array.from({ length: count }, (_, step) => {
    const metrics: MetricValues = {
      'charts/reward_mean': 0.1 + step / count / 2,
      'charts/reward_std': 0.05,
      'charts/success_rate': step / count,
      'ratio/a0': 1 + 0.01 * seed + step * 1e-4,
      'ratio/h0': 1 - 0.01 * seed,
      'losses/policy_loss': step === 3 ? NaN : -0.01 * step,
      'optim/qk_clip_rate': step % 4 === 0 ? 0.25 : 0,
      'optim/qk_heads_clipped': step % 4 === 0 ? 2 : 0,
      'optim/grad_norm': step === 5 ? Infinity : 0.5,
      ...(step % 10 === 9 ? { 'charts/eval_reward': 0.7 } : {}),
    };
    if (step === 7) metrics['ratio/h0'] = NaN; // one step without a usable H0: histories must stay equal length
    return { step, wallTime: step * 0.1, samples: step * 16, metrics };
  });
}

function source(runCount: number, stepCount: number): ExportSource {
  const runs = Array.from({ length: runCount }, (_, i) => {
    const config = validateRunConfig({ objective: { preset: i % 2 ? 'hmpo' : 'gspo' }, seed: i, qkClip: { enabled: true, tau: 5 } });
    if (!config.ok) throw new Error(config.error.message);
    return { id: `run${i}`, name: `run ${i}`, createdAt: 1_700_000_000_000, config: config.value, configHash: `hash${i % 2}`, status: 'finished' };
  });
  const data = new Map(runs.map((r, i) => [r.id, steps(stepCount, i)]));
  return {
    runs,
    steps: (id) => data.get(id)!,
    *metricRows(id) {
      for (const s of data.get(id)!) for (const [key, value] of Object.entries(s.metrics)) yield { step: s.step, key, value: value!, wallTime: s.wallTime };
    },
  };
}

const fresh = () => mkdtempSync(join(tmpdir(), 'hmpo-export-'));

/** The parts of a telemetry line these tests read. */
interface TelemetryLine {
  agm: { arithmetic_history: number[] };
  hmpo: Record<string, number>;
  muon_clip: { active: boolean; clip_rate: number };
  rl: { reward: { eval_mean: number } };
  ext: { hyperparams: Record<string, number> };
}

describe('AGM telemetry export', () => {
  it('satisfies every rule of agm-telemetry.md, with matching manifest hashes', async () => {
    const dir = fresh();
    const progress: number[] = [];
    const manifest = await writeAgmExport(source(3, 40), dir, '0.1.0', { onProgress: (done) => progress.push(done) });
    expect(agmExportViolations(dir)).toEqual([]);
    expect(manifest.runs.map((r) => r.files.map((f) => f.name))).toEqual(Array(3).fill(['run.json', 'telemetry.jsonl', 'steps.csv']));
    expect(progress).toEqual([0, 1, 2, 3]); // runs exported: the one progress unit of every export
    const lines = readFileSync(join(dir, 'run1', 'telemetry.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as TelemetryLine);
    expect(lines).toHaveLength(40);
    expect(lines[0]!.agm.arithmetic_history).toEqual([1.01]);
    expect(lines[39]!.agm.arithmetic_history).toHaveLength(10);
    expect(lines[8]!.agm.arithmetic_history).toHaveLength(8); // step 7's NaN H0 skipped both histories
    expect(lines[8]!.hmpo.nonfinite_count).toBeGreaterThan(0);
    expect(lines[4]!.muon_clip).toEqual({ active: true, clip_rate: 0.25 });
    expect(lines[39]!.rl.reward.eval_mean).toBeCloseTo(0.7); // the last evaluation, normalised (range [0, 1])
    // run1 is hmpo: the token clip in force is its epsilon; run0 is gspo: its sequence clip.
    expect(lines[0]!.ext.hyperparams).toEqual({ learning_rate: DEFAULT_RUN_CONFIG.optimizer.learningRate, epsilon: 0.4, batch_size: 16, agm_iterations: 5 });
    const gspoLine = JSON.parse(readFileSync(join(dir, 'run0', 'telemetry.jsonl'), 'utf8').split('\n')[0]!) as TelemetryLine;
    expect(gspoLine.ext.hyperparams.epsilon).toBe(3e-4);
    const runJson = JSON.parse(readFileSync(join(dir, 'run1', 'run.json'), 'utf8')) as { objective: string; power_p: number | null; task: unknown };
    expect(runJson.objective).toBe('hmpo');
    expect(runJson.power_p).toBe(-1);
    expect(runJson.task).toEqual({ name: 'pattern-dense', target_reward: 1, reward_range: [0, 1] });
  });

  it('the checker itself catches a broken file', async () => {
    const dir = fresh();
    await writeAgmExport(source(1, 5), dir, '0.1.0');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'run0', 'telemetry.jsonl'), '{"step": 0, "agm": {"arithmetic_history": [1], "harmonic_history": []}}\n');
    const problems = agmExportViolations(dir);
    expect(problems.join('\n')).toMatch(/sha256 does not match/);
    expect(problems.join('\n')).toMatch(/AGM histories must be equal-length/);
  });

  it('never overwrites an existing export and honours cancellation', async () => {
    const dir = fresh();
    await writeAgmExport(source(1, 5), dir, '0.1.0');
    await expect(writeAgmExport(source(1, 5), dir, '0.1.0')).rejects.toThrow(/EEXIST/);
    const controller = new AbortController();
    controller.abort();
    await expect(writeAgmExport(source(1, 5), fresh(), '0.1.0', { signal: controller.signal })).rejects.toThrow(/cancelled/);
  });
});

describe('long-format export', () => {
  it.each(['csv', 'jsonl'] as const)('%s round-trips every stored value, NaN and Infinity included', async (format) => {
    const dir = fresh();
    const src = source(2, 30);
    const progress: number[] = [];
    const files = await writeLongExport(src, dir, format, { onProgress: (done, total) => progress.push(done / total) });
    expect(progress).toEqual([0, 0.5, 1]); // runs exported, as in the AGM export
    const expected = src.runs.flatMap((r) => [...src.metricRows(r.id)].map((row) => [r.id, row.step, row.key, row.value] as const));
    expect(files.find((f) => f.name === `metrics.${format}`)!.rows).toBe(expected.length);
    const text = readFileSync(join(dir, `metrics.${format}`), 'utf8').trimEnd().split('\n');
    const parsed =
      format === 'csv'
        ? text.slice(1).map((line) => {
            const [run, step, key, value] = line.split(',');
            return [run, Number(step), key, parseCsvNumber(value!)] as const;
          })
        : text.map((line) => {
            const o = JSON.parse(line) as { run_id: string; step: number; key: string; value: number | string };
            return [o.run_id, o.step, o.key, typeof o.value === 'string' ? parseCsvNumber(o.value) : o.value] as const;
          });
    expect(parsed).toEqual(expected);
    expect(readFileSync(join(dir, 'runs.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });
});
