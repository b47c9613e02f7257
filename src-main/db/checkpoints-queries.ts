/**
 * The `checkpoints` rows: which checkpoint files a run has (run, step, kind, file name relative to
 * the checkpoints folder, size, sha256). Only queries: writing, reading and deleting the files
 * themselves, and where the folder is, belong to runs/checkpoint-files.ts.
 */
import type { Database } from 'better-sqlite3';
import type { CheckpointKind } from '../../src-shared/checkpoint.js';
import { cached } from './statements.js';

/** A checkpoint as the database records it. */
export interface CheckpointRow {
  readonly id: number;
  readonly runId: number;
  readonly step: number;
  readonly kind: CheckpointKind;
  /** Path relative to the checkpoints folder, with forward slashes. */
  readonly fileName: string;
  readonly byteSize: number;
  readonly sha256: string;
  readonly createdAt: number;
}

/** What recordCheckpoint stores (the row without its id). */
export type NewCheckpointRow = Omit<CheckpointRow, 'id'>;

interface SqlRow {
  id: number;
  run_id: number;
  step: number;
  kind: CheckpointKind;
  file_name: string;
  byte_size: number;
  sha256: string;
  created_at: number;
}

const fromSql = (row: SqlRow): CheckpointRow => ({ id: row.id, runId: row.run_id, step: row.step, kind: row.kind, fileName: row.file_name, byteSize: row.byte_size, sha256: row.sha256, createdAt: row.created_at });

/** Records a checkpoint file; recording the same run, kind and step again replaces the row. */
export function recordCheckpoint(db: Database, checkpoint: NewCheckpointRow): CheckpointRow {
  return db.transaction(() => {
    cached(
      db,
      `INSERT INTO checkpoints (run_id, step, kind, file_name, byte_size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, kind, step) DO UPDATE SET file_name = excluded.file_name, byte_size = excluded.byte_size, sha256 = excluded.sha256, created_at = excluded.created_at`,
    ).run(checkpoint.runId, checkpoint.step, checkpoint.kind, checkpoint.fileName, checkpoint.byteSize, checkpoint.sha256, checkpoint.createdAt);
    return fromSql(cached(db, 'SELECT * FROM checkpoints WHERE run_id = ? AND kind = ? AND step = ?').get(checkpoint.runId, checkpoint.kind, checkpoint.step) as SqlRow);
  }).immediate();
}

/** A run's checkpoint rows, by step. */
export function listCheckpointRows(db: Database, runId: number): CheckpointRow[] {
  return (cached(db, 'SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step, kind').all(runId) as SqlRow[]).map(fromSql);
}

/** One checkpoint row, or undefined. */
export function getCheckpointRow(db: Database, checkpointId: number): CheckpointRow | undefined {
  const row = cached(db, 'SELECT * FROM checkpoints WHERE id = ?').get(checkpointId) as SqlRow | undefined;
  return row === undefined ? undefined : fromSql(row);
}

/** Deletes one checkpoint row (its file is the caller's). */
export function deleteCheckpointRow(db: Database, checkpointId: number): void {
  cached(db, 'DELETE FROM checkpoints WHERE id = ?').run(checkpointId);
}
