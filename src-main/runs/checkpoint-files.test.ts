// Checkpoint files: weights to a file beside the database and back, bit for bit; tampering is detected.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointsDirectory, deleteCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoint-files.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
import { CheckpointFileError, RunNotFoundError } from '../db/store-errors.js';
import { addRun, useTestDatabase } from '../db/test-fixtures.js';

const store = useTestDatabase();

const weights = new Map([
  ['embedding', { shape: [3, 2], data: new Float32Array([0.5, -1.25, Math.PI, Number.NaN, Infinity, -0]) }],
  ['layer0/attention/q', { shape: [2], data: new Float32Array([1e-30, 3.4e38]) }],
  ['scalar', { shape: [], data: new Float32Array([7]) }],
]);

function expectSameWeights(actual: Map<string, { shape: number[]; data: Float32Array }>): void {
  expect([...actual.keys()]).toEqual([...weights.keys()]);
  for (const [name, tensor] of weights) {
    expect(actual.get(name)?.shape).toEqual(tensor.shape);
    expect(Buffer.from((actual.get(name) as { data: Float32Array }).data.buffer)).toEqual(Buffer.from(tensor.data.buffer)); // bit for bit, NaN and -0 included
  }
}

describe('checkpoints', () => {
  it('saves weights to a file beside the database and loads them back bit for bit', () => {
    const run = addRun(store.db);
    const saved = saveCheckpoint(store.db, run, { step: 200, kind: 'final', weights }, 1234);
    expect(saved).toMatchObject({ runId: run, step: 200, kind: 'final', fileName: `run-${run}/final-200.ckpt`, createdAt: 1234 });
    expect(saved.path).toBe(path.join(store.dir, 'store.db-checkpoints', `run-${run}`, 'final-200.ckpt'));
    expect(fs.statSync(saved.path).size).toBe(saved.byteSize);
    expect(checkpointsDirectory(store.db)).toBe(path.join(store.dir, 'store.db-checkpoints'));
    expectSameWeights(loadCheckpoint(store.db, saved.id));
  });

  it('lists periodic and final checkpoints by step, replacing a re-save of the same step', () => {
    const run = addRun(store.db);
    saveCheckpoint(store.db, run, { step: 100, kind: 'periodic', weights });
    saveCheckpoint(store.db, run, { step: 50, kind: 'periodic', weights });
    const replaced = saveCheckpoint(store.db, run, { step: 100, kind: 'periodic', weights: new Map([['w', { shape: [1], data: new Float32Array([2]) }]]) });
    expect(listCheckpoints(store.db, run).map((c) => [c.step, c.kind])).toEqual([[50, 'periodic'], [100, 'periodic']]);
    expect(loadCheckpoint(store.db, replaced.id).get('w')?.data).toEqual(new Float32Array([2]));
    deleteCheckpoint(store.db, replaced.id);
    expect(fs.existsSync(replaced.path)).toBe(false);
    expect(listCheckpoints(store.db, run).map((c) => c.step)).toEqual([50]);
  });

  it('detects a missing or altered file', () => {
    const run = addRun(store.db);
    const saved = saveCheckpoint(store.db, run, { step: 1, kind: 'final', weights });
    const bytes = fs.readFileSync(saved.path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    fs.writeFileSync(saved.path, bytes);
    expect(() => loadCheckpoint(store.db, saved.id)).toThrow(/contents changed/);
    fs.rmSync(saved.path);
    expect(() => loadCheckpoint(store.db, saved.id)).toThrow(CheckpointFileError);
  });

  it('refuses unknown runs and inconsistent tensors, and non-checkpoint bytes', () => {
    expect(() => saveCheckpoint(store.db, 999, { step: 1, kind: 'final', weights })).toThrow(RunNotFoundError);
    expect(() => encodeCheckpoint(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]))).toThrow(/holds 4 values but data has 3/);
    expect(() => decodeCheckpoint(Buffer.from('not a checkpoint at all'))).toThrow(CheckpointFileError);
  });
});
