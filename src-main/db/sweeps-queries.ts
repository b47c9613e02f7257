/**
 * Sweeps: a recorded grid of runs (base config, axes, seeds) and the runs it queued, created together
 * in one transaction so a sweep never exists half-made. It does not expand axes into configs or
 * validate them (the sweep builder does, with validateRunConfig) and does not launch anything.
 */
import type { Database } from 'better-sqlite3';
import type { SweepSummary } from '../../src-shared/contract.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import { createRun, type RunRecord } from './runs-queries.js';
import { cached } from './statements.js';

/** A stored sweep: the contract's SweepSummary fields with numeric ids, and the base config it expanded. */
export interface SweepRecord extends Pick<SweepSummary, 'name' | 'axes' | 'seeds' | 'createdAt'> {
  readonly id: number;
  readonly baseConfig: RunConfig;
  /** In creation order. */
  readonly runIds: readonly number[];
}

/** A sweep to record, with the already expanded and validated config of each of its runs. */
export interface NewSweep extends Pick<SweepRecord, 'name' | 'baseConfig' | 'axes' | 'seeds'> {
  readonly configs: readonly RunConfig[];
  readonly appVersion: string;
  /** Tags given to every run of the sweep. */
  readonly tags?: readonly string[];
  /** Each run's display name, in configs order (its cell's label and seed, so two arms of one preset read apart); absent, createRun's default. */
  readonly names?: readonly string[];
}

interface SweepRow {
  id: number;
  name: string;
  base_config_json: string;
  axes_json: string;
  seeds_json: string;
  created_at: number;
}

function toRecord(db: Database, row: SweepRow): SweepRecord {
  return {
    id: row.id,
    name: row.name,
    baseConfig: JSON.parse(row.base_config_json) as RunConfig,
    axes: JSON.parse(row.axes_json) as SweepRecord['axes'],
    seeds: JSON.parse(row.seeds_json) as number[],
    createdAt: row.created_at,
    runIds: cached(db, 'SELECT id FROM runs WHERE sweep_id = ? ORDER BY id').pluck().all(row.id) as number[],
  };
}

/** Records the sweep and queues one run per config, atomically. */
export function createSweep(db: Database, sweep: NewSweep, now: number = Date.now()): { sweep: SweepRecord; runs: RunRecord[] } {
  return db.transaction(() => {
    const id = Number(
      cached(db, 'INSERT INTO sweeps (name, base_config_json, axes_json, seeds_json, created_at) VALUES (?, ?, ?, ?, ?)').run(
        sweep.name,
        JSON.stringify(sweep.baseConfig),
        JSON.stringify(sweep.axes),
        JSON.stringify(sweep.seeds),
        now,
      ).lastInsertRowid,
    );
    const runs = sweep.configs.map((config, i) => createRun(db, { config, appVersion: sweep.appVersion, sweepId: id, tags: sweep.tags ?? [], ...(sweep.names?.[i] === undefined ? {} : { name: sweep.names[i] }) }, now));
    return { sweep: getSweep(db, id) as SweepRecord, runs };
  }).immediate();
}

/**
 * Adds runs at new seeds to an existing sweep, atomically: its seed list grows and the runs join it.
 * Undefined when the sweep is gone; throws when a seed is already in it (the caller picks fresh ones).
 */
export function addSeedsToSweep(
  db: Database,
  sweepId: number,
  seeds: readonly number[],
  runs: readonly { readonly config: RunConfig; readonly name: string }[],
  appVersion: string,
): RunRecord[] | undefined {
  return db.transaction(() => {
    const sweep = getSweep(db, sweepId);
    if (sweep === undefined) return undefined;
    const repeated = seeds.filter((seed) => sweep.seeds.includes(seed));
    if (repeated.length > 0) throw new Error(`sweep ${sweepId} already has seed(s) ${repeated.join(', ')}`);
    cached(db, 'UPDATE sweeps SET seeds_json = ? WHERE id = ?').run(JSON.stringify([...sweep.seeds, ...seeds]), sweepId);
    return runs.map((run) => createRun(db, { config: run.config, appVersion, sweepId, tags: [], name: run.name }));
  }).immediate();
}

/** The sweep, or undefined. */
export function getSweep(db: Database, sweepId: number): SweepRecord | undefined {
  const row = cached(db, 'SELECT * FROM sweeps WHERE id = ?').get(sweepId) as SweepRow | undefined;
  return row === undefined ? undefined : toRecord(db, row);
}

/** All sweeps, newest first. */
export function listSweeps(db: Database): SweepRecord[] {
  return (cached(db, 'SELECT * FROM sweeps ORDER BY id DESC').all() as SweepRow[]).map((row) => toRecord(db, row));
}

/** Deletes the sweep record; its runs stay (their sweep_id becomes NULL). Delete runs with deleteRun. */
export function deleteSweep(db: Database, sweepId: number): boolean {
  return cached(db, 'DELETE FROM sweeps WHERE id = ?').run(sweepId).changes === 1;
}

/** Renames the sweep ('' clears its own name, leaving "sweep N"); false when there is no such sweep. */
export function renameSweep(db: Database, sweepId: number, name: string): boolean {
  return cached(db, 'UPDATE sweeps SET name = ? WHERE id = ?').run(name.trim(), sweepId).changes === 1;
}
