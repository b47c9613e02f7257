/**
 * The run manager's RunStore over the SQLite query modules, plus the summaries the UI and the CLI
 * show. Run ids are integers in the database and decimal strings in the contract; this adapter is
 * the one place that converts. It writes nothing the query modules do not already validate.
 */
import type { Database } from 'better-sqlite3';
import type { ConfigCellsOf } from '../../src-shared/config-cells.js';
import type { RunSummary } from '../../src-shared/contract.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { TaskName } from '../../src-shared/tasks.js';
import type { StepRecord, TrainEvent } from '../../src-shared/step-record.js';
import { appendEvents } from '../db/events-queries.js';
import { saveCheckpoint } from '../runs/checkpoint-files.js';
import { insertStepRecords } from '../db/metrics-queries.js';
import { recordOutcomeSummary } from '../db/outcome-summaries-queries.js';
import { endedRuns, readRunProgress, reconcileOrphanedRuns, setRunOwner, startCheck, stopRequests, touchRuns, type RunProgress } from '../db/run-control-queries.js';
import { createRun, getRun, listRuns, markRunEnded, markRunStarted, requireRun, setRunBackend, type RunRecord } from '../db/runs-queries.js';
import { InvalidStatusTransitionError, RunNotFoundError } from '../db/store-errors.js';
import { UserFacingError } from './user-facing-error.js';
import { isProcessAlive } from '../runs/process-alive.js';
import type { NewRun, RunEnd, RunStore } from '../runs/run-store.js';
import type { CheckpointPayload } from '../../src-shared/checkpoint.js';

/** "42" -> 42, refusing anything that is not a run id of this database. */
export function parseRunId(runId: string): number {
  const id = Number(runId);
  if (!/^\d{1,15}$/.test(runId) || !Number.isSafeInteger(id)) throw new UserFacingError('RUN_NOT_FOUND', `no run with id ${JSON.stringify(runId)}; run ids are numbers (see hmpo-lab ls)`);
  return id;
}

export function toSummary(record: RunRecord, progress: RunProgress | undefined, configCellsOf?: ConfigCellsOf): RunSummary {
  return {
    id: String(record.id),
    name: record.name,
    status: record.status,
    reason: record.status === 'failed' || record.status === 'crashed' || record.status === 'stopped' ? record.error : null,
    task: record.task as TaskName,
    preset: record.config.objective.preset,
    seed: record.seed,
    groupKey: record.configHash,
    optimizer: record.config.optimizer.name,
    qkClip: record.config.qkClip.enabled,
    tags: record.tags,
    notes: record.notes,
    sweepId: record.sweepId === null ? null : String(record.sweepId),
    stepsDone: record.lastStep === null ? 0 : record.lastStep + 1,
    totalSteps: record.config.totalSteps,
    lastReward: progress?.lastReward ?? null,
    bestReward: progress?.bestReward ?? null,
    evalReward: progress?.evalReward ?? null,
    backend: record.backend,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    wallTime: progress?.wallTime ?? null,
    worker: record.worker,
    ...(configCellsOf ? { config: configCellsOf(record.config) } : {}),
  };
}

export class SqliteRunStore implements RunStore {
  constructor(
    readonly db: Database,
    private readonly appVersion: string,
    /** Given by apps that show the runs table (desktop, browser mode): summaries then carry config cells. */
    readonly configCellsOf?: ConfigCellsOf,
  ) {}

  createRun(run: NewRun): string {
    const record = createRun(this.db, {
      config: run.config,
      appVersion: this.appVersion,
      name: run.name,
      sweepId: run.sweepId === undefined || run.sweepId === null ? null : Number(run.sweepId),
      tags: run.tags ?? [],
    });
    setRunOwner(this.db, record.id, process.pid);
    return String(record.id);
  }

  claim(runId: string, ownerPid: number): void {
    setRunOwner(this.db, parseRunId(runId), ownerPid);
  }

  config(runId: string): RunConfig {
    return requireRun(this.db, parseRunId(runId)).config;
  }

  startable(runId: string): ReturnType<RunStore['startable']> {
    const id = parseRunId(runId);
    const check = startCheck(this.db, id);
    return check === 'startable' ? { ok: true, config: requireRun(this.db, id).config } : { ok: false, why: check };
  }

  exists(runId: string): boolean {
    return getRun(this.db, parseRunId(runId)) !== undefined;
  }

  markRunning(runId: string, info: { pid: number | null; ownerPid: number }): void {
    const id = parseRunId(runId);
    markRunStarted(this.db, id, { pid: info.pid ?? 0 });
    setRunOwner(this.db, id, info.ownerPid);
  }

  markBackend(runId: string, backend: string): void {
    setRunBackend(this.db, parseRunId(runId), backend);
  }

  appendSteps(runId: string, records: readonly StepRecord[]): void {
    insertStepRecords(this.db, parseRunId(runId), records);
  }

  appendEvents(runId: string, events: readonly TrainEvent[]): void {
    appendEvents(this.db, parseRunId(runId), events);
  }

  markEnded(runId: string, end: RunEnd): boolean {
    const id = parseRunId(runId);
    const current = getRun(this.db, id);
    if (current === undefined) return false;
    // A run that never started cannot crash; if its trainer died before the first message it failed.
    const status = end.status === 'crashed' && current.status === 'queued' ? 'failed' : end.status;
    try {
      markRunEnded(this.db, id, { status, exitCode: end.exitCode, error: end.reason ?? (status === 'failed' ? 'the trainer failed' : null) });
    } catch (error) {
      // Another process deleted or ended it (e.g. its liveness check) in between: its record stands.
      if (error instanceof RunNotFoundError || error instanceof InvalidStatusTransitionError) return false;
      throw error;
    }
    try {
      // Compare reads this instead of the run's 11 stability series (issue 11). The end itself is
      // committed: a failure here only costs speed, as the first Compare of the run writes the row
      // (outcomeSummaryOfEndedRun), as it does for runs another process's liveness check ended.
      recordOutcomeSummary(this.db, id);
    } catch {
      // left to the lazy path
    }
    return true;
  }

  heartbeat(runIds: readonly string[]): string[] {
    const ids = runIds.map(parseRunId);
    touchRuns(this.db, ids);
    return [...stopRequests(this.db, ids), ...endedRuns(this.db, ids)].map(String);
  }

  reconcile(): string[] {
    const { crashed, stopped } = reconcileOrphanedRuns(this.db, { isAlive: isProcessAlive });
    return [...crashed, ...stopped].map(String);
  }

  summary(runId: string): RunSummary {
    const id = parseRunId(runId);
    return toSummary(requireRun(this.db, id), readRunProgress(this.db, [id]).get(id), this.configCellsOf);
  }

  saveCheckpoint(runId: string, checkpoint: CheckpointPayload): void {
    saveCheckpoint(this.db, parseRunId(runId), checkpoint);
  }

  summaries(records: readonly RunRecord[] = listRuns(this.db)): RunSummary[] {
    const progress = readRunProgress(this.db, records.map((r) => r.id));
    return records.map((r) => toSummary(r, progress.get(r.id), this.configCellsOf));
  }
}
