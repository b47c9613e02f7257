/**
 * Helpers for the fault suite (src-main/runs/fault-suite-*.test.ts) only: the built CLI started as a
 * real process you can kill, a read-only look at a database file (integrity, statuses, stored steps
 * and checkpoints), and polling. Nothing in the app imports this file.
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { CLI } from './run-cli.js';

/** Small rollouts (fast) but dModel 128: each checkpoint is about 1.6 MB, far over a socket buffer. */
export const BIG_CHECKPOINT_ARGS = ['--set', 'model.dModel=128', '--set', 'promptsPerRollout=1', '--set', 'groupSize=2', '--set', 'minibatchesPerRollout=1', '--set', 'evalPrompts=1', '--set', 'backend=wasm'];

export const freshDatabasePath = (label: string) => join(mkdtempSync(join(tmpdir(), `hmpo-fault-${label}-`)), 'lab.db');

/** A fresh database path per call whose folder is removed after the test file's last test (register at module level). */
export function databasesRemovedAfterAll(): (label: string) => string {
  const folders: string[] = [];
  afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
  return (label) => {
    const path = freshDatabasePath(label);
    folders.push(dirname(path));
    return path;
  };
}

export interface StartedCli {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code once the CLI and every process holding its output (its trainer) are gone. */
  readonly closed: Promise<number | null>;
}

/** Starts `hmpo-lab --db <path> ...args` without waiting for it. */
export function startCli(databasePath: string, args: readonly string[]): StartedCli {
  const child = spawn(process.execPath, [CLI, '--db', databasePath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const started: StartedCli = {
    child,
    stdout: '',
    stderr: '',
    // 'close' waits for the pipes: an orphaned trainer inherits stderr, so this also waits for it.
    closed: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout!.on('data', (d: Buffer) => (started.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (started.stderr += d.toString()));
  return started;
}

export interface StoredRun {
  readonly id: number;
  readonly status: string;
  readonly error: string | null;
  readonly startedAt: number | null;
  readonly steps: number;
  /** Stored checkpoints; `intact`: its file exists beside the database with the recorded size. */
  readonly checkpoints: readonly { kind: string; step: number; intact: boolean }[];
}

/** Every run of a database file, read with a separate read-only connection. */
export function readStore(databasePath: string): { integrity: string; runs: StoredRun[] } {
  const db = new BetterSqlite3(databasePath, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const rows = db.prepare('SELECT id, status, error, started_at AS startedAt FROM runs ORDER BY id').all() as Omit<StoredRun, 'steps' | 'checkpoints'>[];
    const steps = db.prepare('SELECT COUNT(*) FROM steps WHERE run_id = ?').pluck();
    const checkpoints = db.prepare('SELECT kind, step, file_name AS file, byte_size AS size FROM checkpoints WHERE run_id = ? ORDER BY step, kind');
    const intact = (file: string, size: number) => statSync(join(`${databasePath}-checkpoints`, file), { throwIfNoEntry: false })?.size === size;
    return {
      integrity,
      runs: rows.map((r) => ({
        ...r,
        steps: steps.get(r.id) as number,
        checkpoints: (checkpoints.all(r.id) as { kind: string; step: number; file: string; size: number }[]).map((c) => ({ kind: c.kind, step: c.step, intact: intact(c.file, c.size) })),
      })),
    };
  } finally {
    db.close();
  }
}

/** Polls `condition` every 50 ms (a throw, e.g. a database not created yet, counts as false); resolves with the elapsed ms, or rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  const holds = () => {
    try {
      return condition();
    } catch {
      return false;
    }
  };
  while (!holds()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - start;
}
