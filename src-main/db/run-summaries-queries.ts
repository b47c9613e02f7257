/**
 * The runs table's rows (runs:list) in one SQL statement: summary columns, the three config fields
 * the table shows (read with json_extract instead of parsing every config), steps done, reward
 * summary and last wall time. It answers exactly what SqliteRunStore.summaries() does, about 2x
 * faster at 10,000 runs (run-summaries-queries.test.ts checks they agree). Each run also carries
 * its sparse config cells (parsed once per config hash: seeds share them), and listMetricSummaries
 * answers the table's chosen metric columns. Read-only.
 */
import type { Database } from 'better-sqlite3';
import type { ConfigCellsOf } from '../../src-shared/config-cells.js';
import type { ConfigCell, RunMetricSummaries, RunStatus, RunSummary } from '../../src-shared/contract.js';
import { isMetricKey, type MetricKey } from '../../src-shared/metrics.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import type { TaskName } from '../../src-shared/tasks.js';
import { cached } from './statements.js';

const SUMMARIES_SQL = `
  SELECT r.id, r.name, r.status, r.error, r.task, r.objective_preset, r.seed, r.config_hash,
         json_extract(r.config_json, '$.optimizer.name'), json_extract(r.config_json, '$.qkClip.enabled'),
         json_extract(r.config_json, '$.totalSteps'), r.tags_json, r.notes, r.sweep_id, r.backend,
         r.created_at, r.started_at, r.finished_at,
         (SELECT max(step) FROM steps WHERE run_id = r.id),
         (SELECT s.last_value FROM metric_summaries s WHERE s.run_id = r.id AND s.key_id = (SELECT id FROM metric_keys WHERE name = 'charts/reward_mean')),
         (SELECT s.max_value FROM metric_summaries s WHERE s.run_id = r.id AND s.key_id = (SELECT id FROM metric_keys WHERE name = 'charts/reward_mean')),
         (SELECT s.last_value FROM metric_summaries s WHERE s.run_id = r.id AND s.key_id = (SELECT id FROM metric_keys WHERE name = 'charts/eval_reward')),
         (SELECT wall_time FROM steps WHERE run_id = r.id ORDER BY step DESC LIMIT 1),
         r.worker, r.config_json
  FROM runs r ORDER BY r.id DESC`;

type Row = [
  number, string, RunStatus, string | null, string, string, number, string,
  'adamw' | 'muon', number, number, string, string, number | null, string | null,
  number, number | null, number | null,
  number | null, number | null, number | null, number | null, number | null,
  string | null, string,
];

const num = (v: number | null): number | null => (v === null || Number.isNaN(v) ? null : v);

/** Every run as the runs table shows it, newest first; with `configCellsOf`, each carries its config cells. */
export function listRunSummaries(db: Database, configCellsOf?: ConfigCellsOf): RunSummary[] {
  // The cells leave out seed and name, exactly what the config hash leaves out: one parse per hash.
  const cellsByHash = new Map<string, Readonly<Record<string, ConfigCell>>>();
  const cellsOf = (hash: string, json: string) => {
    let cells = cellsByHash.get(hash);
    if (cells === undefined) cellsByHash.set(hash, (cells = configCellsOf!(JSON.parse(json))));
    return cells;
  };
  return (cached(db, SUMMARIES_SQL).raw().all() as Row[]).map(
    ([id, name, status, error, task, preset, seed, groupKey, optimizer, qkClip, totalSteps, tagsJson, notes, sweepId, backend, createdAt, startedAt, finishedAt, lastStep, lastReward, bestReward, evalReward, wallTime, worker, configJson]) => ({
      id: String(id),
      name,
      status,
      reason: status === 'failed' || status === 'crashed' || status === 'stopped' ? error : null,
      task: task as TaskName,
      preset: preset as ObjectivePreset,
      seed,
      groupKey,
      optimizer,
      qkClip: qkClip === 1,
      tags: JSON.parse(tagsJson) as string[],
      notes,
      sweepId: sweepId === null ? null : String(sweepId),
      stepsDone: lastStep === null ? 0 : lastStep + 1,
      totalSteps,
      lastReward: num(lastReward),
      bestReward: num(bestReward),
      evalReward: num(evalReward),
      backend,
      createdAt,
      startedAt,
      finishedAt,
      wallTime: num(wallTime),
      worker,
      ...(configCellsOf ? { config: cellsOf(groupKey, configJson) } : {}),
    }),
  );
}

const AVAILABLE_KEYS_SQL = `SELECT k.name FROM metric_keys k WHERE EXISTS (SELECT 1 FROM metric_summaries s WHERE s.key_id = k.id) ORDER BY k.name`;
const METRIC_SUMMARIES_SQL = `
  SELECT s.run_id, k.name, s.last_value, s.min_value, s.max_value
  FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id
  WHERE k.name IN (SELECT value FROM json_each(@keys)) AND (@runIds IS NULL OR s.run_id IN (SELECT value FROM json_each(@runIds)))`;

/** The metric keys any run has logged, and last/min/max of `keys` per run (every run, or `runIds`). */
export function listMetricSummaries(db: Database, keys: readonly MetricKey[], runIds?: readonly string[]): RunMetricSummaries {
  const available = (cached(db, AVAILABLE_KEYS_SQL).pluck().all() as string[]).filter(isMetricKey);
  if (keys.length === 0) return { available, values: [] };
  const rows = cached(db, METRIC_SUMMARIES_SQL).raw().all({ keys: JSON.stringify(keys), runIds: runIds === undefined ? null : JSON.stringify(runIds.map(Number)) }) as [number, MetricKey, number | null, number | null, number | null][];
  return { available, values: rows.map(([runId, key, last, min, max]) => ({ runId: String(runId), key, last: num(last), min: num(min), max: num(max) })) };
}
