/**
 * What the run manager needs from persistence, and nothing more: create queued runs, record
 * status transitions, append step records and events in batches, and read configs back. The SQLite
 * store implements it (db/ queries); the manager never writes SQL. Times are ms since the epoch.
 * Also the event sink it announces to (RunEventSink).
 */
import type { EventName, Events, RunStatus, RunSummary } from '../../src-shared/contract.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord, TrainEvent } from '../../src-shared/step-record.js';
import type { CheckpointPayload } from '../../src-shared/checkpoint.js';

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
  /**
   * Checked just before a queued run's trainer starts: its config, or why it must not start
   * (another process deleted it, asked to stop it, or already ended it).
   */
  startable(runId: string): { readonly ok: true; readonly config: RunConfig } | { readonly ok: false; readonly why: 'deleted' | 'stop-requested' | 'not-queued' };
  /** queued -> running, with the owning process ids. */
  markRunning(runId: string, info: { pid: number | null; ownerPid: number }): void;
  markBackend(runId: string, backend: string): void;
  /** Appends step records in one transaction. */
  appendSteps(runId: string, records: readonly StepRecord[]): void;
  appendEvents(runId: string, events: readonly TrainEvent[]): void;
  /** running|queued -> an end state, with why; false if another process deleted or already ended the run. */
  markEnded(runId: string, end: RunEnd): boolean;
  /** Heartbeat of this process's queued and running runs; returns which of them another process asked to stop or already ended. */
  heartbeat(runIds: readonly string[]): string[];
  /** Ends other processes' runs whose owner died or stopped heartbeating (crashed if running, stopped if queued); returns their ids. */
  reconcile(): string[];
  /** False once the run's row is gone (deleted by another process). */
  exists(runId: string): boolean;
  summary(runId: string): RunSummary;
  /** Keeps model weights as a file beside the database, referenced from the checkpoints table. */
  saveCheckpoint(runId: string, checkpoint: CheckpointPayload): void;
}

/**
 * Where the manager announces steps and run changes to connected views (the app's EventHub is one).
 * Declared here so runs/ does not import from app/, the layer that composes it.
 */
export interface RunEventSink {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** How many listeners there are: with none, the manager skips building summaries. */
  readonly size: number;
}
