/**
 * Checkpoint files: each run's weights in a file in the checkpoints folder beside the database
 * (`<database file>-checkpoints/run-<id>/<kind>-<step>.ckpt`, format in checkpoint-format.ts) and a
 * `checkpoints` row that points at it with its size and sha256 (db/checkpoints-queries.ts). Saving,
 * listing, loading back and deleting. It does not decide when to checkpoint (RunConfig.checkpointEvery
 * and the trainer do).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { CheckpointPayload } from '../../src-shared/checkpoint.js';
import { deleteCheckpointRow, getCheckpointRow, listCheckpointRows, recordCheckpoint, type CheckpointRow } from '../db/checkpoints-queries.js';
import { getRun } from '../db/runs-queries.js';
import { CheckpointFileError, RunNotFoundError } from '../db/store-errors.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';

/** A stored checkpoint and the absolute path of its file. */
export interface CheckpointRecord extends CheckpointRow {
  readonly path: string;
}

/** The checkpoints folder of this database, or null for an in-memory database. */
export function checkpointsDirectory(db: Database): string | null {
  return db.memory ? null : `${path.resolve(db.name)}-checkpoints`;
}

/** The folder holding one run's checkpoint files, or null for an in-memory database. */
export function runCheckpointsDirectory(db: Database, runId: number): string | null {
  const root = checkpointsDirectory(db);
  return root === null ? null : path.join(root, `run-${runId}`);
}

function requireRoot(db: Database): string {
  const root = checkpointsDirectory(db);
  if (root === null) throw new Error('checkpoints need a database file; this one is in memory');
  return root;
}

const withPath = (db: Database, row: CheckpointRow): CheckpointRecord => ({ ...row, path: path.join(requireRoot(db), row.fileName) });

/**
 * Writes the weights to the run's checkpoint folder (temp file, then rename, so a reader never sees
 * half a file) and records it; saving the same run, kind and step again replaces both.
 */
export function saveCheckpoint(db: Database, runId: number, checkpoint: CheckpointPayload, now: number = Date.now()): CheckpointRecord {
  const root = requireRoot(db);
  if (getRun(db, runId) === undefined) throw new RunNotFoundError(runId);
  const fileName = path.posix.join(`run-${runId}`, `${checkpoint.kind}-${checkpoint.step}.ckpt`);
  const file = path.join(root, fileName);
  const bytes = encodeCheckpoint(checkpoint.weights);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
  try {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return withPath(db, recordCheckpoint(db, { runId, step: checkpoint.step, kind: checkpoint.kind, fileName, byteSize: bytes.length, sha256, createdAt: now }));
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
}

/** A run's checkpoints, by step. */
export function listCheckpoints(db: Database, runId: number): CheckpointRecord[] {
  return listCheckpointRows(db, runId).map((row) => withPath(db, row));
}

/** Reads a checkpoint back, checking the file's size and sha256 against its row. */
export function loadCheckpoint(db: Database, checkpointId: number): Map<string, { shape: number[]; data: Float32Array }> {
  const row = getCheckpointRow(db, checkpointId);
  if (row === undefined) throw new Error(`checkpoint ${checkpointId} does not exist`);
  const file = withPath(db, row).path;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new CheckpointFileError(file, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length !== row.byteSize || createHash('sha256').update(bytes).digest('hex') !== row.sha256) {
    throw new CheckpointFileError(file, 'its contents changed since it was saved (size or sha256 differ)');
  }
  return decodeCheckpoint(bytes, file);
}

/** Deletes one checkpoint's row, then its file. */
export function deleteCheckpoint(db: Database, checkpointId: number): void {
  const row = getCheckpointRow(db, checkpointId);
  if (row === undefined) return;
  deleteCheckpointRow(db, checkpointId);
  fs.rmSync(withPath(db, row).path, { force: true });
}

/** Removes a deleted run's checkpoint folder (call after deleteRun has committed; no rows refer to it). */
export function deleteRunCheckpointFiles(db: Database, runId: number): void {
  const folder = runCheckpointsDirectory(db, runId);
  if (folder !== null) fs.rmSync(folder, { recursive: true, force: true });
}
