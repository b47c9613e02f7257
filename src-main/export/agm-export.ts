/**
 * Writes runs in the AGM_Training telemetry format (shared/spec/agm-telemetry.md): manifest.json
 * with file hashes, and per run run.json, telemetry.jsonl (canonical) and steps.csv (for people).
 * Streams from an ExportSource; reports progress per step and honours cancellation.
 */
import { writeFile } from 'node:fs/promises';
import { makeFolder } from '../fs/make-folder.js';
import { join } from 'node:path';
import { METRIC_KEYS } from '../../src-shared/metrics.js';
import { resolveObjective } from '../../src-shared/objective-config.js';
import { derived } from '../../src-shared/run-config.js';
import { TASKS } from '../../src-shared/tasks.js';
import { epsilonInForce } from '../../src-shared/controllers/run-suite-settings.js';
import { AGM_HISTORY_WINDOW, TelemetryLineBuilder } from './agm-telemetry-line.js';
import { ExportCancelledError, type ExportControl, type ExportRun, type ExportSource } from './export-source.js';
import { HashingWriter } from './hashing-writer.js';
import { csvCell } from './csv.js';

export const TELEMETRY_SCHEMA_VERSION = 'hmpo-telemetry/1';

export interface ExportedFile {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface Manifest {
  readonly schema_version: string;
  readonly app_version: string;
  readonly created_at: string;
  readonly runs: readonly {
    readonly run_id: string;
    readonly name: string;
    readonly config_hash: string;
    readonly mean_type: string;
    readonly seed: number;
    readonly directory: string;
    readonly files: readonly ExportedFile[];
  }[];
}

function runJson(run: ExportRun, appVersion: string): Record<string, unknown> {
  const { config } = run;
  const objective = resolveObjective(config.objective);
  const task = TASKS[config.task];
  return {
    schema_version: TELEMETRY_SCHEMA_VERSION,
    run_id: run.id,
    name: run.name,
    created_at: new Date(run.createdAt).toISOString(),
    app_version: appVersion,
    objective: config.objective.preset,
    power_p: objective.mean.kind === 'power' ? objective.mean.p : null,
    learnable_p: objective.mean.kind === 'learnable',
    hyperparams: {
      learning_rate: config.optimizer.learningRate,
      epsilon: epsilonInForce(config),
      group_size: config.groupSize,
      batch_prompts: config.promptsPerRollout,
      max_length: config.completionLength,
      agm_iterations: objective.agmIterations,
      grad_clip: config.gradClip,
    },
    muon_clip: { enabled: config.qkClip.enabled, tau: config.qkClip.tau, alpha: config.qkClip.alpha, optimizer: config.optimizer.name },
    task: { name: config.task, target_reward: task.optimum, reward_range: [...task.rewardRange] },
    seed: config.seed,
    agm_history_window: AGM_HISTORY_WINDOW,
    agm_history_semantics: 'per_step_pre_iteration_batch_mean',
    minibatch_size: derived(config).minibatchSize,
    config,
  };
}

const CSV_COLUMNS = ['step', 'wall_time', 'samples', ...METRIC_KEYS] as const;

/** Writes one run's directory; returns its files with hashes. */
async function exportRun(source: ExportSource, run: ExportRun, dir: string, appVersion: string, control: ExportControl): Promise<ExportedFile[]> {
  makeFolder(dir); // bounded: a recursive mkdir loops forever on /proc paths
  const runText = `${JSON.stringify(runJson(run, appVersion), null, 2)}\n`;
  const runFile = new HashingWriter(join(dir, 'run.json'));
  await runFile.write(runText);
  const files: ExportedFile[] = [{ name: 'run.json', ...(await runFile.close()) }];

  const telemetry = new HashingWriter(join(dir, 'telemetry.jsonl'));
  const csv = new HashingWriter(join(dir, 'steps.csv'));
  try {
    await csv.write(`${CSV_COLUMNS.join(',')}\n`);
    const builder = new TelemetryLineBuilder(run.config);
    for (const step of source.steps(run.id)) {
      if (control.signal?.aborted) throw new ExportCancelledError();
      await telemetry.write(`${JSON.stringify(builder.build(step))}\n`);
      const row = [step.step, step.wallTime, step.samples ?? '', ...METRIC_KEYS.map((k) => step.metrics[k] ?? '')];
      await csv.write(`${row.map(csvCell).join(',')}\n`);
    }
    files.push({ name: 'telemetry.jsonl', ...(await telemetry.close()) }, { name: 'steps.csv', ...(await csv.close()) });
  } catch (error) {
    telemetry.abandon();
    csv.abandon();
    throw error;
  }
  return files;
}

/**
 * Exports `source.runs` into `outDir` (created if needed; files that already exist are never
 * overwritten). Returns the manifest it wrote.
 */
export async function writeAgmExport(source: ExportSource, outDir: string, appVersion: string, control: ExportControl = {}): Promise<Manifest> {
  makeFolder(outDir); // bounded: a recursive mkdir loops forever on /proc paths
  const runs: Manifest['runs'][number][] = [];
  control.onProgress?.(0, source.runs.length);
  for (const run of source.runs) {
    const files = await exportRun(source, run, join(outDir, run.id), appVersion, control);
    runs.push({ run_id: run.id, name: run.name, config_hash: run.configHash, mean_type: run.config.objective.preset, seed: run.config.seed, directory: run.id, files });
    control.onProgress?.(runs.length, source.runs.length);
  }
  const manifest: Manifest = { schema_version: TELEMETRY_SCHEMA_VERSION, app_version: appVersion, created_at: new Date().toISOString(), runs };
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  return manifest;
}
