/**
 * Export jobs started from the UI or CLI: runs an AGM or long-format export in the background on its
 * own read-only connection, reports progress as onDidExportProgress events, and can be cancelled.
 * In browser mode the jobs are confined to an export root (export/export-root.ts): a folder outside
 * it is refused before anything is written. Formats live in export/; this only schedules, reports
 * and cleans up.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { ExportFormat } from '../../src-shared/contract.js';
import { ExportCancelledError } from '../export/export-source.js';
import { ExportOutsideRootError, type ExportRoot } from '../export/export-root.js';
import { FolderCreationError } from '../fs/make-folder.js';
import { SqliteExportSource } from '../db/export-source-queries.js';
import { UserFacingError } from './user-facing-error.js';
import { exportFailureSentence } from './export-failure.js';
import type { EventHub } from './event-hub.js';

export interface ExportJobRequest {
  readonly databasePath: string;
  readonly runIds: readonly number[];
  readonly format: ExportFormat;
  readonly outDir: string;
  readonly appVersion: string;
}

/** Runs one export to completion (also used directly by the CLI). Progress: (done, total) runs. */
export async function runExport(request: ExportJobRequest, control: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<string> {
  const outDir = resolve(request.outDir);
  const source = new SqliteExportSource(request.databasePath, request.runIds);
  try {
    // The writers are imported per export: the AGM one loads the config schemas (zod), which every
    // app start would otherwise pay for, `hmpo-lab ls` included.
    if (request.format === 'agm') await (await import('../export/agm-export.js')).writeAgmExport(source, outDir, request.appVersion, control);
    else await (await import('../export/long-export.js')).writeLongExport(source, outDir, request.format, control);
  } finally {
    source.close();
  }
  return outDir;
}

export class ExportJobs {
  private readonly running = new Map<string, AbortController>();

  /** `root`: confine every export to this folder (browser mode); none for the desktop app and CLI. */
  constructor(
    private readonly events: EventHub,
    private readonly root: ExportRoot | null = null,
  ) {}

  /** The folder an export request writes to: checked against the root when there is one. */
  private outDirOf(requested: string): string {
    if (this.root === null) return resolve(requested);
    try {
      return this.root.prepare(requested); // made now, so a refusal is the reply, not a later event
    } catch (error) {
      if (error instanceof ExportOutsideRootError) throw new UserFacingError(error.code, error.message);
      if (error instanceof FolderCreationError) throw new UserFacingError('EXPORT_FOLDER', exportFailureSentence(error, requested, this.root.path));
      throw error;
    }
  }

  start(request: ExportJobRequest): string {
    const outDir = this.outDirOf(request.outDir);
    const exportId = randomUUID();
    const controller = new AbortController();
    this.running.set(exportId, controller);
    const report = (state: 'running' | 'finished' | 'failed' | 'cancelled', done: number, total: number, message?: string) =>
      this.events.emit('onDidExportProgress', { exportId, done, total, state, outDir, ...(message ? { message } : {}) });
    let last = { done: 0, total: 0 };
    void runExport({ ...request, outDir }, {
      signal: controller.signal,
      onProgress: (done, total) => {
        last = { done, total };
        report('running', done, total);
      },
    })
      .then(() => report('finished', last.total, last.total))
      .catch((error: unknown) => {
        if (error instanceof ExportCancelledError) report('cancelled', last.done, last.total, error.message);
        else report('failed', last.done, last.total, exportFailureSentence(error, outDir));
      })
      .finally(() => this.running.delete(exportId));
    return exportId;
  }

  cancel(exportId: string): boolean {
    const controller = this.running.get(exportId);
    controller?.abort();
    return controller !== undefined;
  }
}
