/**
 * What an export reads: run metadata and each run's steps (or metric rows) as lazy iterables, so a
 * writer streams with flat memory however long the runs. The store implements it over SQLite;
 * tests implement it over arrays. No file or format logic lives here.
 */
import type { MetricValues } from '../../src-shared/metrics.js';
import type { RunConfig } from '../../src-shared/run-config.js';

export interface ExportRun {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly config: RunConfig;
  /** sha256 of the canonical config without its seed (the grouping key). */
  readonly configHash: string;
  readonly status: string;
}

export interface ExportStep {
  readonly step: number;
  readonly wallTime: number;
  readonly samples: number | null;
  readonly metrics: MetricValues;
}

export interface MetricRow {
  readonly step: number;
  readonly key: string;
  readonly value: number;
  readonly wallTime: number;
}

export interface ExportSource {
  readonly runs: readonly ExportRun[];
  /** The run's steps in increasing step order. */
  steps(runId: string): Iterable<ExportStep>;
  /** The run's stored metric values, one row per (step, key), in storage order (any order is valid). */
  metricRows(runId: string): Iterable<MetricRow>;
}

/** Progress and cancellation for long exports. */
export interface ExportControl {
  readonly signal?: AbortSignal;
  /** Progress in one unit for every format, dialog and the CLI: runs exported so far, of all runs. */
  onProgress?(runsDone: number, runsTotal: number): void;
}

export class ExportCancelledError extends Error {
  override readonly name = 'ExportCancelledError';
  constructor() {
    super('the export was cancelled; files already written stay in the output folder');
  }
}
