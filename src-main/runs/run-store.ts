/**
 * What the run manager needs from persistence, and nothing more: create queued runs, record
 * status transitions, append step records and events in batches, and read configs back. The SQLite
 * store implements it (db/ queries); the manager never writes SQL. Times are ms since the epoch.
 */
import type { RunStatus, RunSummary } from '../../src-shared/contract.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord, TrainEvent } from '../../src-shared/step-record.js';

export interface NewRun {
  readonly config: RunConfig;
  readonly name: string;
  readonly sweepId?: string | null;
  readonly tags?: readonly string[];
}

export interface RunEnd {
  readonly status: Extract<RunStatus, 'finished' | 'failed' | 'stopped' | 'crashed'>;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
}

export interface RunStore {
  /** Inserts a queued run owned by this process; returns its id. */
  createRun(run: NewRun): string;
  /** Marks an existing queued run (e.g. created with its sweep) as owned by `ownerPid`. */
  claim(runId: string, ownerPid: number): void;
  /** The config a run was created with (verbatim, validated). */
  config(runId: string): RunConfig;
  /** queued -> running, with the owning process ids. */
  markRunning(runId: string, info: { pid: number | null; ownerPid: number }): void;
  markBackend(runId: string, backend: string): void;
  /** Appends step records in one transaction. */
  appendSteps(runId: string, records: readonly StepRecord[]): void;
  appendEvents(runId: string, events: readonly TrainEvent[]): void;
  /** running|queued -> an end state, with why. */
  markEnded(runId: string, end: RunEnd): void;
  /** Updates last-heartbeat of live runs, and returns which of them another process asked to stop. */
  heartbeat(runIds: readonly string[]): string[];
  summary(runId: string): RunSummary;
  /** Keeps model weights as a file beside the database, referenced from the checkpoints table. */
  saveCheckpoint(runId: string, checkpoint: { step: number; kind: 'final' | 'periodic'; weights: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }> }): void;
}
