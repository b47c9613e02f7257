/**
 * Runs: one row per training process, created queued from a validated RunConfig and moved through
 * its statuses with timestamps, pid, exit code and error; every status change also lands in the
 * event log, in the same transaction. Also tags/notes, listing with filters, deletion (rows cascade,
 * checkpoint files go too) and start-up reconciliation of runs whose process died. It does not start
 * or stop processes (trainer-host.ts does) and does not validate configs (validateRunConfig does).
 */
import type { Database } from 'better-sqlite3';
import type { RunStatus } from '../../src-shared/contract.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import { runName } from '../../src-shared/run-name.js';
import { configHash } from './config-hash.js';
import { appendEvent } from './events-queries.js';
import { cached } from './statements.js';
import { InvalidStatusTransitionError, RunActiveError, RunNotFoundError } from './store-errors.js';

/** The statuses a run can end in. */
export type EndStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** Which status may follow which. queued -> failed covers a trainer that could not be launched. */
const ALLOWED_FROM: Record<RunStatus, readonly RunStatus[]> = {
  queued: [],
  running: ['queued'],
  finished: ['running'],
  failed: ['queued', 'running'],
  stopped: ['queued', 'running'],
  crashed: ['running'],
};

/** A run as the app sees it. Times are milliseconds since the Unix epoch. */
export interface RunRecord {
  readonly id: number;
  readonly sweepId: number | null;
  readonly name: string;
  readonly status: RunStatus;
  readonly objectivePreset: string;
  readonly seed: number;
  readonly task: string;
  readonly config: RunConfig;
  /** Grouping key: sha256 of the config without seed and name (config-hash.ts). */
  readonly configHash: string;
  /** Backend the trainer actually used; null until it started. */
  readonly backend: string | null;
  readonly appVersion: string;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly heartbeatAt: number | null;
  readonly tags: readonly string[];
  readonly notes: string;
  /** Largest optimizer step stored so far, null before the first. */
  readonly lastStep: number | null;
  /** The remote worker that trained it (migration 0004); null for a local run. */
  readonly worker: string | null;
}

/** What a new run needs. */
export interface NewRun {
  readonly config: RunConfig;
  readonly appVersion: string;
  /** Display name; defaults to runName(config) (src-shared/run-name.ts). */
  readonly name?: string;
  readonly sweepId?: number | null;
  readonly tags?: readonly string[];
  readonly notes?: string;
}

/** Filters for `listRuns`; all optional and combined with AND. */
export interface RunFilter {
  readonly statuses?: readonly RunStatus[];
  readonly task?: string;
  readonly objectivePreset?: string;
  readonly tag?: string;
  /** Case-insensitive substring of the name or the notes. */
  readonly text?: string;
  readonly sweepId?: number;
  readonly configHash?: string;
  readonly limit?: number;
  readonly offset?: number;
}

interface RunRow {
  id: number;
  sweep_id: number | null;
  name: string;
  status: RunStatus;
  objective_preset: string;
  seed: number;
  task: string;
  config_json: string;
  config_hash: string;
  backend: string | null;
  app_version: string;
  pid: number | null;
  exit_code: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
  tags_json: string;
  notes: string;
  last_step: number | null;
  worker?: string | null;
}

const SELECT_RUN = `SELECT runs.*, (SELECT max(step) FROM steps WHERE steps.run_id = runs.id) AS last_step FROM runs`;

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    sweepId: row.sweep_id,
    name: row.name,
    status: row.status,
    objectivePreset: row.objective_preset,
    seed: row.seed,
    task: row.task,
    config: JSON.parse(row.config_json) as RunConfig,
    configHash: row.config_hash,
    backend: row.backend,
    appVersion: row.app_version,
    pid: row.pid,
    exitCode: row.exit_code,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
    tags: JSON.parse(row.tags_json) as string[],
    notes: row.notes,
    lastStep: row.last_step,
    worker: row.worker ?? null,
  };
}

/** Trimmed, non-empty, first occurrence kept. */
function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
}

/** Inserts a queued run (and its 'status' event) and returns it. */
export function createRun(db: Database, run: NewRun, now: number = Date.now()): RunRecord {
  const { config } = run;
  return db.transaction((): RunRecord => {
    const info = cached(
      db,
      `INSERT INTO runs (sweep_id, name, status, objective_preset, seed, task, config_json, config_hash, app_version, created_at, tags_json, notes)
       VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      run.sweepId ?? null,
      runName(config, { given: run.name }),
      config.objective.preset,
      config.seed,
      config.task,
      JSON.stringify(config),
      configHash(config),
      run.appVersion,
      now,
      JSON.stringify(normaliseTags(run.tags ?? [])),
      run.notes ?? '',
    );
    const id = Number(info.lastInsertRowid);
    appendEvent(db, id, { kind: 'status', from: null, to: 'queued' }, now);
    return requireRun(db, id);
  }).immediate();
}

/** The run, or undefined if there is none with this id. */
export function getRun(db: Database, runId: number): RunRecord | undefined {
  const row = cached(db, `${SELECT_RUN} WHERE runs.id = ?`).get(runId) as RunRow | undefined;
  return row === undefined ? undefined : toRecord(row);
}

/** The run, or RunNotFoundError. */
export function requireRun(db: Database, runId: number): RunRecord {
  const run = getRun(db, runId);
  if (run === undefined) throw new RunNotFoundError(runId);
  return run;
}

/** Runs matching `filter`, newest first. */
export function listRuns(db: Database, filter: RunFilter = {}): RunRecord[] {
  const text = filter.text === undefined || filter.text === '' ? null : `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = cached(
    db,
    `${SELECT_RUN}
     WHERE (:statuses IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
       AND (:task IS NULL OR task = :task)
       AND (:preset IS NULL OR objective_preset = :preset)
       AND (:sweepId IS NULL OR sweep_id = :sweepId)
       AND (:configHash IS NULL OR config_hash = :configHash)
       AND (:tag IS NULL OR EXISTS (SELECT 1 FROM json_each(runs.tags_json) WHERE value = :tag))
       AND (:text IS NULL OR name LIKE :text ESCAPE '\\' OR notes LIKE :text ESCAPE '\\')
     ORDER BY runs.id DESC LIMIT :limit OFFSET :offset`,
  ).all({
    statuses: filter.statuses === undefined ? null : JSON.stringify(filter.statuses),
    task: filter.task ?? null,
    preset: filter.objectivePreset ?? null,
    sweepId: filter.sweepId ?? null,
    configHash: filter.configHash ?? null,
    tag: filter.tag ?? null,
    text,
    limit: filter.limit ?? -1,
    offset: filter.offset ?? 0,
  }) as RunRow[];
  return rows.map(toRecord);
}

/** Checks the transition, applies `assignments` and logs the status event, in one transaction. */
function transition(db: Database, runId: number, to: RunStatus, assignments: Record<string, unknown>, event: { reason?: string; exitCode?: number | null }, now: number): RunRecord {
  return db.transaction((): RunRecord => {
    const from = (cached(db, 'SELECT status FROM runs WHERE id = ?').pluck().get(runId) as RunStatus | undefined);
    if (from === undefined) throw new RunNotFoundError(runId);
    if (!ALLOWED_FROM[to].includes(from)) throw new InvalidStatusTransitionError(runId, from, to);
    const columns = Object.keys(assignments);
    cached(db, `UPDATE runs SET status = :status, ${columns.map((c) => `${c} = :${c}`).join(', ')} WHERE id = :id`).run({ ...assignments, status: to, id: runId });
    appendEvent(db, runId, { kind: 'status', from, to, ...event }, now);
    return requireRun(db, runId);
  }).immediate();
}

/** queued -> running: the trainer process `pid` has started (backend: what it actually uses, if known yet). */
export function markRunStarted(db: Database, runId: number, start: { readonly pid: number; readonly backend?: string | null }, now: number = Date.now()): RunRecord {
  return transition(db, runId, 'running', { pid: start.pid, backend: start.backend ?? null, started_at: now, heartbeat_at: now }, {}, now);
}

/** Records the backend once the trainer reports it (after markRunStarted). */
export function setRunBackend(db: Database, runId: number, backend: string): void {
  if (cached(db, 'UPDATE runs SET backend = ? WHERE id = ?').run(backend, runId).changes === 0) throw new RunNotFoundError(runId);
}

/**
 * Ends the run: finished, failed (`error` is the reason, required), stopped or crashed. Sets
 * finished_at, the exit code and error, and logs the change.
 */
export function markRunEnded(db: Database, runId: number, end: { readonly status: EndStatus; readonly exitCode?: number | null; readonly error?: string | null }, now: number = Date.now()): RunRecord {
  const error = end.error ?? null;
  if (end.status === 'failed' && (error === null || error.trim() === '')) throw new Error(`markRunEnded(${runId}): a failed run needs its reason in \`error\``);
  const exitCode = end.exitCode ?? null;
  return transition(db, runId, end.status, { exit_code: exitCode, error, finished_at: now, heartbeat_at: now }, { ...(error === null ? {} : { reason: error }), exitCode }, now);
}

/** Records a sign of life of a running run; false if the run is not running (any more). */
export function recordHeartbeat(db: Database, runId: number, now: number = Date.now()): boolean {
  return cached(db, "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(now, runId).changes === 1;
}

/** Replaces the run's tags (trimmed, empty ones dropped, duplicates removed). */
export function setRunTags(db: Database, runId: number, tags: readonly string[]): RunRecord {
  if (cached(db, 'UPDATE runs SET tags_json = ? WHERE id = ?').run(JSON.stringify(normaliseTags(tags)), runId).changes === 0) throw new RunNotFoundError(runId);
  return requireRun(db, runId);
}

/** Replaces the run's notes. */
export function setRunNotes(db: Database, runId: number, notes: string): RunRecord {
  if (cached(db, 'UPDATE runs SET notes = ? WHERE id = ?').run(notes, runId).changes === 0) throw new RunNotFoundError(runId);
  return requireRun(db, runId);
}

/**
 * Deletes a run that is not running: its rows everywhere (ON DELETE CASCADE) in one transaction.
 * Its checkpoint files stay: the caller removes them after this commits (runs/checkpoint-files.ts),
 * so a crash in between leaves only unreferenced files, never rows pointing at missing ones.
 */
export function deleteRun(db: Database, runId: number): void {
  db.transaction(() => {
    const status = cached(db, 'SELECT status FROM runs WHERE id = ?').pluck().get(runId) as RunStatus | undefined;
    if (status === undefined) throw new RunNotFoundError(runId);
    if (status === 'running') throw new RunActiveError(runId);
    cached(db, 'DELETE FROM runs WHERE id = ?').run(runId);
  }).immediate();
}
