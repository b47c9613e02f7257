// Four writer processes on one database file at once (the CLI and the app may both write): with WAL,
// a busy timeout and short BEGIN IMMEDIATE transactions, none gets SQLITE_BUSY and every row lands.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { METRIC_KEYS } from '../../src-shared/metrics.js';
import { readSummaries } from './test-fixtures.js';
import { addRun, openTestDatabase, useTestFolder } from './test-fixtures.js';

const folder = useTestFolder();

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test-fixtures.ts');

function writer(file: string, runId: number, batches: number, batchSize: number, startAt: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { runWriterProcess } = await import(${JSON.stringify(fixtures)}); await runWriterProcess(${JSON.stringify(file)}, ${runId}, ${batches}, ${batchSize}, ${startAt});`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('four writer processes on one file', () => {
  it('all commit every batch without SQLITE_BUSY', async () => {
    const file = path.join(folder.dir, 'shared.db');
    const db = openTestDatabase(folder.dir, 'shared.db');
    const runs = [addRun(db), addRun(db), addRun(db), addRun(db)];
    const batches = 60;
    const batchSize = 5;
    const startAt = Date.now() + 4000; // time for every child to start and load before any writes
    const results = await Promise.all(runs.map((runId) => writer(file, runId, batches, batchSize, startAt)));
    for (const result of results) {
      expect(result.stderr).not.toMatch(/SQLITE_BUSY|database is locked/);
      expect(result.code, result.stderr).toBe(0);
    }
    const steps = batches * batchSize;
    for (const runId of runs) {
      expect(db.prepare('SELECT count(*) FROM steps WHERE run_id = ?').pluck().get(runId)).toBe(steps);
      expect(db.prepare('SELECT count(*) FROM metrics WHERE run_id = ?').pluck().get(runId)).toBe(steps * METRIC_KEYS.length);
      expect(db.prepare('SELECT count(*) FROM qk_stats WHERE run_id = ?').pluck().get(runId)).toBe(steps * 6);
      expect(readSummaries(db, [runId]).every((s) => s.count === steps && s.lastStep === steps - 1)).toBe(true);
    }
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
