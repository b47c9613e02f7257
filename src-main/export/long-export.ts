/**
 * The full-resolution long-format export: every stored metric value as one row (run_id, step, key,
 * value, wall_time) in CSV or JSONL, plus runs.jsonl with each run's metadata and config. Streams;
 * -0 is kept and non-finite values are written as the strings "NaN", "Infinity", "-Infinity", so
 * every stored value round-trips.
 */
import { makeFolder } from '../fs/make-folder.js';
import { join } from 'node:path';
import { csvCell, numberText } from './csv.js';
import { ExportCancelledError, type ExportControl, type ExportSource } from './export-source.js';
import { HashingWriter } from './hashing-writer.js';

export type LongFormat = 'csv' | 'jsonl';

/** A number as JSON text: -0 kept (JSON.stringify writes 0), non-finite values as strings. */
const jsonNumber = (value: number): string => (Object.is(value, -0) ? '-0' : Number.isFinite(value) ? String(value) : JSON.stringify(numberText(value)));

/** Writes metrics.<format> and runs.jsonl into outDir; returns the files written with their hashes. */
export async function writeLongExport(source: ExportSource, outDir: string, format: LongFormat, control: ExportControl = {}): Promise<{ name: string; sha256: string; bytes: number; rows: number }[]> {
  makeFolder(outDir); // bounded: a recursive mkdir loops forever on /proc paths
  const runsFile = new HashingWriter(join(outDir, 'runs.jsonl'));
  for (const run of source.runs) {
    await runsFile.write(`${JSON.stringify({ run_id: run.id, name: run.name, status: run.status, created_at: new Date(run.createdAt).toISOString(), config_hash: run.configHash, config: run.config })}\n`);
  }
  const runsResult = { name: 'runs.jsonl', ...(await runsFile.close()), rows: source.runs.length };

  // Progress counts runs (ExportControl); lines are joined into chunks so the writer is awaited per chunk, not per row.
  control.onProgress?.(0, source.runs.length);
  const metrics = new HashingWriter(join(outDir, `metrics.${format}`));
  const CHUNK_ROWS = 4096;
  let rows = 0;
  try {
    if (format === 'csv') await metrics.write('run_id,step,key,value,wall_time\n');
    for (const [index, run] of source.runs.entries()) {
      const runCell = format === 'csv' ? csvCell(run.id) : JSON.stringify(run.id);
      let lastKey = '';
      let keyCell = '';
      let chunk: string[] = [];
      for (const row of source.metricRows(run.id)) {
        if (row.key !== lastKey) {
          lastKey = row.key;
          keyCell = format === 'csv' ? csvCell(row.key) : JSON.stringify(row.key);
        }
        chunk.push(
          format === 'csv'
            ? `${runCell},${row.step},${keyCell},${numberText(row.value)},${numberText(row.wallTime)}\n`
            : `{"run_id":${runCell},"step":${row.step},"key":${keyCell},"value":${jsonNumber(row.value)},"wall_time":${jsonNumber(row.wallTime)}}\n`,
        );
        rows += 1;
        if (chunk.length === CHUNK_ROWS) {
          await metrics.write(chunk.join(''));
          chunk = [];
          if (control.signal?.aborted) throw new ExportCancelledError();
        }
      }
      if (chunk.length > 0) await metrics.write(chunk.join(''));
      control.onProgress?.(index + 1, source.runs.length);
    }
  } catch (error) {
    metrics.abandon();
    throw error;
  }
  return [runsResult, { name: `metrics.${format}`, ...(await metrics.close()), rows }];
}
