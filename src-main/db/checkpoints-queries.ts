/**
 * Model checkpoints: named float32 tensors written to a file in the checkpoints folder beside the
 * database (`<database file>-checkpoints/run-<id>/<kind>-<step>.ckpt`) and a `checkpoints` row that
 * points at it with its size and sha256. Saving, listing, loading back and deleting. It does not
 * decide when to checkpoint (RunConfig.checkpointEvery and the trainer host do).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { CheckpointKind, CheckpointPayload, CheckpointTensor } from '../../src-shared/checkpoint.js';
import { cached } from './statements.js';
import { CheckpointFileError, RunNotFoundError } from './store-errors.js';

export type { CheckpointKind, CheckpointTensor };

/** A stored checkpoint. */
export interface CheckpointRecord {
  readonly id: number;
  readonly runId: number;
  readonly step: number;
  readonly kind: CheckpointKind;
  /** Path relative to the checkpoints folder. */
  readonly fileName: string;
  /** Absolute path of the file. */
  readonly path: string;
  readonly byteSize: number;
  readonly sha256: string;
  readonly createdAt: number;
}

/** File layout: magic, u32 LE header length, JSON header, zero padding to 4 bytes, float32 LE data. */
const MAGIC = Buffer.from('HMPOCKP1', 'latin1');
const FORMAT = 'hmpo-checkpoint/1';

interface FileHeader {
  format: string;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
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

/** Serialises tensors to the checkpoint file format. */
export function encodeCheckpoint(weights: ReadonlyMap<string, CheckpointTensor>): Buffer {
  if (os.endianness() !== 'LE') throw new Error('checkpoint files are little-endian; this machine is big-endian');
  const tensors: FileHeader['tensors'] = [];
  let offset = 0;
  for (const [name, tensor] of weights) {
    const expected = tensor.shape.reduce((a, b) => a * b, 1);
    if (expected !== tensor.data.length) throw new Error(`checkpoint tensor ${name}: shape [${tensor.shape.join(', ')}] holds ${expected} values but data has ${tensor.data.length}`);
    tensors.push({ name, shape: [...tensor.shape], offset, length: tensor.data.length });
    offset += tensor.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify({ format: FORMAT, tensors } satisfies FileHeader), 'utf8');
  const headerEnd = MAGIC.length + 4 + json.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const out = Buffer.alloc(dataStart + offset);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let at = dataStart;
  for (const tensor of weights.values()) {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(out, at);
    at += tensor.data.byteLength;
  }
  return out;
}

/** Parses a checkpoint file's bytes back into tensors (fresh, aligned Float32Arrays). */
export function decodeCheckpoint(bytes: Buffer, source = 'checkpoint'): Map<string, { shape: number[]; data: Float32Array }> {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new CheckpointFileError(source, 'it is not an HMPO Lab checkpoint file');
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + jsonLength;
  if (headerEnd > bytes.length) throw new CheckpointFileError(source, 'its header is truncated');
  const header = JSON.parse(bytes.subarray(MAGIC.length + 4, headerEnd).toString('utf8')) as FileHeader;
  if (header.format !== FORMAT) throw new CheckpointFileError(source, `format ${header.format} is not ${FORMAT}`);
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const tensor of header.tensors) {
    const start = dataStart + tensor.offset;
    const end = start + tensor.length * 4;
    if (end > bytes.length) throw new CheckpointFileError(source, `tensor ${tensor.name} runs past the end of the file`);
    const data = new Float32Array(tensor.length);
    Buffer.from(data.buffer).set(bytes.subarray(start, end));
    weights.set(tensor.name, { shape: tensor.shape, data });
  }
  return weights;
}

interface CheckpointRow {
  id: number;
  run_id: number;
  step: number;
  kind: CheckpointKind;
  file_name: string;
  byte_size: number;
  sha256: string;
  created_at: number;
}

function toRecord(db: Database, row: CheckpointRow): CheckpointRecord {
  return {
    id: row.id,
    runId: row.run_id,
    step: row.step,
    kind: row.kind,
    fileName: row.file_name,
    path: path.join(requireRoot(db), row.file_name),
    byteSize: row.byte_size,
    sha256: row.sha256,
    createdAt: row.created_at,
  };
}

/**
 * Writes the weights to the run's checkpoint folder (temp file, then rename, so a reader never sees
 * half a file) and records it; saving the same run, kind and step again replaces both.
 */
export function saveCheckpoint(
  db: Database,
  runId: number,
  checkpoint: CheckpointPayload,
  now: number = Date.now(),
): CheckpointRecord {
  const root = requireRoot(db);
  if (cached(db, 'SELECT 1 FROM runs WHERE id = ?').get(runId) === undefined) throw new RunNotFoundError(runId);
  const fileName = path.posix.join(`run-${runId}`, `${checkpoint.kind}-${checkpoint.step}.ckpt`);
  const file = path.join(root, fileName);
  const bytes = encodeCheckpoint(checkpoint.weights);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
  try {
    const row = db.transaction(() => {
      cached(
        db,
        `INSERT INTO checkpoints (run_id, step, kind, file_name, byte_size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, kind, step) DO UPDATE SET file_name = excluded.file_name, byte_size = excluded.byte_size, sha256 = excluded.sha256, created_at = excluded.created_at`,
      ).run(runId, checkpoint.step, checkpoint.kind, fileName, bytes.length, createHash('sha256').update(bytes).digest('hex'), now);
      return cached(db, 'SELECT * FROM checkpoints WHERE run_id = ? AND kind = ? AND step = ?').get(runId, checkpoint.kind, checkpoint.step) as CheckpointRow;
    }).immediate();
    return toRecord(db, row);
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
}

/** A run's checkpoints, by step. */
export function listCheckpoints(db: Database, runId: number): CheckpointRecord[] {
  const rows = cached(db, 'SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step, kind').all(runId) as CheckpointRow[];
  return rows.map((row) => toRecord(db, row));
}

/** Reads a checkpoint back, checking the file's size and sha256 against its row. */
export function loadCheckpoint(db: Database, checkpointId: number): Map<string, { shape: number[]; data: Float32Array }> {
  const row = cached(db, 'SELECT * FROM checkpoints WHERE id = ?').get(checkpointId) as CheckpointRow | undefined;
  if (row === undefined) throw new Error(`checkpoint ${checkpointId} does not exist`);
  const file = path.join(requireRoot(db), row.file_name);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new CheckpointFileError(file, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length !== row.byte_size || createHash('sha256').update(bytes).digest('hex') !== row.sha256) {
    throw new CheckpointFileError(file, 'its contents changed since it was saved (size or sha256 differ)');
  }
  return decodeCheckpoint(bytes, file);
}

/** Deletes one checkpoint's row, then its file. */
export function deleteCheckpoint(db: Database, checkpointId: number): void {
  const row = cached(db, 'SELECT * FROM checkpoints WHERE id = ?').get(checkpointId) as CheckpointRow | undefined;
  if (row === undefined) return;
  cached(db, 'DELETE FROM checkpoints WHERE id = ?').run(checkpointId);
  fs.rmSync(path.join(requireRoot(db), row.file_name), { force: true });
}

/** Removes a deleted run's checkpoint folder (call after deleteRun has committed; no rows refer to it). */
export function deleteRunCheckpointFiles(db: Database, runId: number): void {
  const folder = runCheckpointsDirectory(db, runId);
  if (folder !== null) fs.rmSync(folder, { recursive: true, force: true });
}
