/**
 * The testable rules of shared/spec/agm-telemetry.md ("what loads with no glue means"), as a checker
 * over an export directory: returns every violation found (empty = loads with no glue). Test-only.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function containsNull(value: unknown, path: string, out: string[]): void {
  if (value === null) out.push(`${path} is null`);
  else if (typeof value === 'number' && !Number.isFinite(value)) out.push(`${path} is not finite`);
  else if (Array.isArray(value)) value.forEach((v, i) => containsNull(v, `${path}[${i}]`, out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) containsNull(v, `${path}.${k}`, out);
}

const inUnit = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;

/** Every violation of the export rules under `dir` (manifest, hashes, and each telemetry line). */
export function agmExportViolations(dir: string, window = 10): string[] {
  const problems: string[] = [];
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { runs: { run_id: string; directory: string; files: { name: string; sha256: string; bytes: number }[] }[] };
  for (const run of manifest.runs) {
    for (const file of run.files) {
      const bytes = readFileSync(join(dir, run.directory, file.name));
      if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) problems.push(`${run.run_id}/${file.name}: sha256 does not match the manifest`);
      if (bytes.length !== file.bytes) problems.push(`${run.run_id}/${file.name}: size does not match the manifest`);
    }
    const runJson = JSON.parse(readFileSync(join(dir, run.directory, 'run.json'), 'utf8')) as Record<string, unknown>;
    if (runJson.schema_version !== 'hmpo-telemetry/1') problems.push(`${run.run_id}: run.json schema_version`);
    if (runJson.agm_history_semantics !== 'per_step_pre_iteration_batch_mean') problems.push(`${run.run_id}: run.json agm_history_semantics`);
    const text = readFileSync(join(dir, run.directory, 'telemetry.jsonl'), 'utf8');
    if (!text.endsWith('\n')) problems.push(`${run.run_id}: telemetry.jsonl is not newline-terminated`);
    let lastStep = -1;
    text.trimEnd().split('\n').forEach((line, i) => {
      const where = `${run.run_id} line ${i + 1}`;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        problems.push(`${where}: not JSON`);
        return;
      }
      const found: string[] = [];
      containsNull(record, 'line', found); // the canonical part and hmpo alike
      problems.push(...found.map((f) => `${where}: ${f}`));
      const step = record.step;
      if (!Number.isInteger(step) || (step as number) < 0 || (step as number) <= lastStep) problems.push(`${where}: step ${String(step)} does not strictly increase`);
      lastStep = step as number;
      const agm = record.agm as { arithmetic_history?: unknown[]; harmonic_history?: unknown[] } | undefined;
      const a = agm?.arithmetic_history;
      const h = agm?.harmonic_history;
      if (!Array.isArray(a) || !Array.isArray(h) || a.length !== h.length || a.length > window) problems.push(`${where}: AGM histories must be equal-length lists of at most ${window}`);
      const rl = record.rl as { td: { mean: unknown; var: unknown }; q: { rel_change: unknown }; reward: { train_mean: unknown; eval_mean: unknown } };
      if (rl?.td?.mean !== 0 || rl?.td?.var !== 0 || rl?.q?.rel_change !== 0) problems.push(`${where}: rl.td and rl.q must be zeros`);
      if (!inUnit(rl?.reward?.eval_mean)) problems.push(`${where}: rl.reward.eval_mean outside [0, 1]`);
      const clip = record.muon_clip as { active: unknown; clip_rate: unknown };
      if (typeof clip?.active !== 'boolean') problems.push(`${where}: muon_clip.active is not a boolean`);
      if (!inUnit(clip?.clip_rate)) problems.push(`${where}: muon_clip.clip_rate outside [0, 1]`);
      const ext = record.ext as { loss_history: unknown[]; success_rate: unknown; performance_variance: unknown; performance_metrics: Record<string, unknown>; hyperparams: Record<string, unknown> };
      if (!Array.isArray(ext?.loss_history) || ext.loss_history.length > 20) problems.push(`${where}: ext.loss_history must be a list of at most 20`);
      if (!inUnit(ext?.success_rate)) problems.push(`${where}: ext.success_rate outside [0, 1]`);
      if (!inUnit(ext?.performance_metrics?.primary_metric)) problems.push(`${where}: ext.performance_metrics.primary_metric outside [0, 1]`);
      if (typeof ext?.performance_variance !== 'number' || ext.performance_variance < 0) problems.push(`${where}: ext.performance_variance`);
      if (!Number.isInteger(ext?.hyperparams?.batch_size) || !Number.isInteger(ext?.hyperparams?.agm_iterations)) problems.push(`${where}: ext.hyperparams batch_size and agm_iterations must be integers`);
    });
  }
  return problems;
}
