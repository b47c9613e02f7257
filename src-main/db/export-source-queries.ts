/**
 * The exports' ExportSource over SQLite, on its OWN read-only connection: a better-sqlite3 connection
 * is busy while an iterator is open, and an export awaits disk writes between rows while the run
 * manager keeps writing steps on the main connection (WAL lets both proceed). Close it when done.
 */
import type { Database } from 'better-sqlite3';
import { connectSqlite } from './sqlite-connection.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import type { ExportRun, ExportSource, ExportStep, MetricRow } from '../export/export-source.js';
import { BUSY_TIMEOUT_MS } from './open-database.js';
import { requireRun } from './runs-queries.js';
import { nan } from './statements.js';

const STEP_ROWS_SQL = `
  SELECT s.step, s.wall_time, s.samples, k.name, m.value
  FROM steps s JOIN metrics m ON m.run_id = s.run_id AND m.step = s.step JOIN metric_keys k ON k.id = m.key_id
  WHERE s.run_id = ? ORDER BY s.step, k.name`;


export class SqliteExportSource implements ExportSource {
  private readonly db: Database;
  readonly runs: ExportRun[];

  constructor(file: string, runIds: readonly number[]) {
    this.db = connectSqlite(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    this.runs = runIds.map((id) => {
      const r = requireRun(this.db, id);
      return { id: String(r.id), name: r.name, createdAt: r.createdAt, config: r.config, configHash: r.configHash, status: r.status };
    });
  }

  *steps(runId: string): Iterable<ExportStep> {
    let current: { step: number; wallTime: number; samples: number; metrics: MetricValues } | undefined;
    for (const [step, wallTime, samples, key, value] of this.db.prepare(STEP_ROWS_SQL).raw().iterate(Number(runId)) as Iterable<[number, number | null, number, string, number | null]>) {
      if (current && current.step !== step) {
        yield current;
        current = undefined;
      }
      current ??= { step, wallTime: nan(wallTime), samples, metrics: {} };
      (current.metrics as Record<string, number>)[key] = nan(value);
    }
    if (current) yield current;
  }

  /** In primary-key order (key, then step): no sort, one pass over the run's rows. */
  *metricRows(runId: string): Iterable<MetricRow> {
    const id = Number(runId);
    const wallTimes = new Map((this.db.prepare('SELECT step, wall_time FROM steps WHERE run_id = ?').raw().all(id) as [number, number | null][]).map(([step, wall]) => [step, nan(wall)]));
    const keyNames = new Map((this.db.prepare('SELECT id, name FROM metric_keys').raw().all() as [number, string][]).map(([keyId, name]) => [keyId, name]));
    for (const [keyId, step, value] of this.db.prepare('SELECT key_id, step, value FROM metrics WHERE run_id = ? ORDER BY key_id, step').raw().iterate(id) as Iterable<[number, number, number | null]>) {
      yield { step, key: keyNames.get(keyId) ?? String(keyId), value: nan(value), wallTime: wallTimes.get(step) ?? NaN };
    }
  }

  close(): void {
    this.db.close();
  }
}
