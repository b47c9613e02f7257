/**
 * Store benchmark: metric-row ingest while four runs write (one writer process, as the app does, and
 * four processes on one file), then the compare query over 40 runs x 20 keys x 20,000 steps to 1,000
 * buckets. Prints PASS/MISS against the targets and writes bench/results/store-bench.json. Not a test.
 * Run: `npx tsx bench/store-bench.ts [--quick] [--fresh]` (--fresh rebuilds the cached compare db).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { LOG_RATIO_HIST_BINS, METRIC_KEYS, type MetricKey, type MetricValues } from '../src-shared/metrics.js';
import type { StepRecord } from '../src-shared/step-record.js';
import { validateRunConfig } from '../src-shared/run-config.js';
import { downsampleSeries } from '../src-main/db/downsample-queries.js';
import { insertStepBatches, type StepBatch } from '../src-main/db/metrics-queries.js';
import { openDatabase } from '../src-main/db/open-database.js';
import { createRun } from '../src-main/db/runs-queries.js';
import { SqliteExportSource } from '../src-main/db/export-source-queries.js';
import { writeLongExport } from '../src-main/export/long-export.js';

const HERE = fileURLToPath(import.meta.url);
const RESULTS = path.join(path.dirname(HERE), 'results');
const INGEST_TARGET = 500_000;
const COMPARE_TARGET_MS = 50;

const args = process.argv.slice(2);
const quick = args.includes('--quick');

function config(seed: number) {
  const result = validateRunConfig({ objective: { preset: seed % 2 === 0 ? 'hmpo' : 'gspo' }, seed });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** A trainer-like record: `keys` metrics, 2 layers x 4 heads of QK stats, a 42-bin histogram. */
function record(step: number, run: number, keys: readonly MetricKey[], withExtras: boolean): StepRecord {
  const metrics: MetricValues = {};
  keys.forEach((key, i) => {
    metrics[key] = Math.sin(step * 0.001 * (i + 1) + run) + (step % 997 === 0 ? 3 : 0) + Math.random() * 0.01;
  });
  return {
    step,
    rollout: step >> 2,
    samples: (step + 1) * 64,
    wallTime: step * 0.05,
    skipped: false,
    metrics,
    qk: withExtras ? { maxLogits: [[10, 11, 12, 13], [14, 15, 16, 17]].map((l) => l.map((v) => v + (step % 7))), clipped: step % 5 === 0 ? [{ layer: 1, head: 2, sMax: 120, gamma: 0.83 }] : [] } : { maxLogits: [], clipped: [] },
    logRatioHistogram: withExtras ? Array.from({ length: LOG_RATIO_HIST_BINS + 2 }, (_, i) => (i * step) % 9) : [],
  };
}

function freshDatabase(file: string): Database {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  return openDatabase(file);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
/** Issue target: export at least 1,000,000 rows/s to CSV. */
const EXPORT_TARGET = 1_000_000;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

// ------------------------------------------------------------------------------------------------
// Ingest
// ------------------------------------------------------------------------------------------------

interface IngestResult {
  readonly mode: string;
  readonly flushSteps: number;
  readonly metricRows: number;
  readonly seconds: number;
  readonly metricRowsPerSecond: number;
  /** Metric rows per second of CPU time of the writer process(es): less sensitive to a busy machine. */
  readonly metricRowsPerCpuSecond: number;
}

/** CPU seconds (user + system) this process used since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** The app's way: one process, every flush writes all four runs' new steps in one transaction. */
function ingestSingleWriter(dir: string, steps: number, flushSteps: number): IngestResult {
  const db = freshDatabase(path.join(dir, `single-${flushSteps}.db`));
  const runs = [0, 1, 2, 3].map((seed) => createRun(db, { config: config(seed), appVersion: 'bench' }).id);
  const records = runs.map((run) => Array.from({ length: steps }, (_, step) => record(step, run, METRIC_KEYS, true)));
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let from = 0; from < steps; from += flushSteps) {
    const batches: StepBatch[] = runs.map((runId, i) => ({ runId, records: (records[i] as StepRecord[]).slice(from, from + flushSteps) }));
    insertStepBatches(db, batches);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = cpuSeconds(cpu);
  db.close();
  const metricRows = runs.length * steps * METRIC_KEYS.length;
  return { mode: '1 writer process, 4 runs', flushSteps, metricRows, seconds, metricRowsPerSecond: metricRows / seconds, metricRowsPerCpuSecond: metricRows / cpuUsed };
}

/** Child mode: write one run's steps in batches, starting at a shared instant. */
async function childWriter(file: string, runId: number, steps: number, flushSteps: number, startAt: number): Promise<void> {
  const db = openDatabase(file);
  const records = Array.from({ length: steps }, (_, step) => record(step, runId, METRIC_KEYS, true));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const cpu = process.cpuUsage();
  for (let from = 0; from < steps; from += flushSteps) insertStepBatches(db, [{ runId, records: records.slice(from, from + flushSteps) }]);
  const cpuUsed = cpuSeconds(cpu);
  db.close();
  process.stdout.write(JSON.stringify({ finishedAt: Date.now(), cpuSeconds: cpuUsed }));
}

/** Four processes, one run each, all writing to one file. */
async function ingestFourProcesses(dir: string, steps: number, flushSteps: number): Promise<IngestResult> {
  const file = path.join(dir, `multi-${flushSteps}.db`);
  const db = freshDatabase(file);
  const runs = [0, 1, 2, 3].map((seed) => createRun(db, { config: config(seed), appVersion: 'bench' }).id);
  db.close();
  const startAt = Date.now() + 5000;
  const outputs = await Promise.all(
    runs.map(
      (runId) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', HERE, '--child', file, String(runId), String(steps), String(flushSteps), String(startAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer for run ${runId} exited with ${code}`))));
        }),
    ),
  );
  const reports = outputs.map((out) => JSON.parse(out) as { finishedAt: number; cpuSeconds: number });
  const seconds = (Math.max(...reports.map((r) => r.finishedAt)) - startAt) / 1000;
  const cpuUsed = reports.reduce((sum, r) => sum + r.cpuSeconds, 0);
  const metricRows = runs.length * steps * METRIC_KEYS.length;
  return { mode: '4 writer processes, 1 run each', flushSteps, metricRows, seconds, metricRowsPerSecond: metricRows / seconds, metricRowsPerCpuSecond: metricRows / cpuUsed };
}

// ------------------------------------------------------------------------------------------------
// Compare query
// ------------------------------------------------------------------------------------------------

const COMPARE = quick ? { runs: 8, keys: 20, steps: 5_000 } : { runs: 40, keys: 20, steps: 20_000 };
const COMPARE_KEYS = METRIC_KEYS.slice(0, COMPARE.keys);

/** The compare database, cached in bench/results between runs (it takes a while to fill). */
function compareDatabase(): { db: Database; runIds: number[]; buildSeconds: number | null } {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `store-bench-compare-${COMPARE.runs}x${COMPARE.keys}x${COMPARE.steps}.db`);
  if (fs.existsSync(file) && !args.includes('--fresh')) {
    const db = openDatabase(file);
    const runIds = db.prepare('SELECT id FROM runs ORDER BY id').pluck().all() as number[];
    const complete = runIds.length === COMPARE.runs && (db.prepare('SELECT count(*) FROM steps').pluck().get() as number) === COMPARE.runs * COMPARE.steps;
    if (complete) return { db, runIds, buildSeconds: null };
    db.close();
  }
  const db = freshDatabase(file);
  const runIds = Array.from({ length: COMPARE.runs }, (_, seed) => createRun(db, { config: config(seed), appVersion: 'bench' }).id);
  const started = performance.now();
  const flush = 500;
  for (let from = 0; from < COMPARE.steps; from += flush) {
    insertStepBatches(db, runIds.map((runId) => ({ runId, records: Array.from({ length: Math.min(flush, COMPARE.steps - from) }, (_, i) => record(from + i, runId, COMPARE_KEYS, false)) })));
    if ((from / flush) % 8 === 7) process.stdout.write(`  building compare database: ${Math.round(((from + flush) / COMPARE.steps) * 100)}%\r`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, runIds, buildSeconds: (performance.now() - started) / 1000 };
}

interface QueryTiming {
  readonly query: string;
  readonly series: number;
  readonly buckets: number;
  readonly firstMs: number;
  readonly medianMs: number;
}

function time(query: string, repeats: number, run: () => { series: number; buckets: number }): QueryTiming {
  const times: number[] = [];
  let shape = { series: 0, buckets: 0 };
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    shape = run();
    times.push(performance.now() - started);
  }
  return { query, ...shape, firstMs: times[0] as number, medianMs: median(times.slice(1).length ? times.slice(1) : times) };
}

function compareQueries(db: Database, runIds: number[]): QueryTiming[] {
  const zoom = Math.floor(COMPARE.steps / 4) + 13; // an unaligned window of 1,000 steps
  const count = (series: ReturnType<typeof downsampleSeries>) => ({ series: series.length, buckets: series.reduce((n, s) => n + s.bucketStart.length, 0) });
  const timings = [
    time(`all: ${runIds.length} runs x ${COMPARE_KEYS.length} keys -> 1,000 buckets`, 6, () => count(downsampleSeries(db, { runIds, keys: COMPARE_KEYS, buckets: 1000 }))),
    time(`one chart: ${runIds.length} runs x 1 key -> 1,000 buckets`, 11, () => count(downsampleSeries(db, { runIds, keys: [COMPARE_KEYS[3] as MetricKey], buckets: 1000 }))),
    time(`one chart zoomed to ${fmt(zoom)}-${fmt(zoom + 999)} -> 1,000 buckets`, 11, () => count(downsampleSeries(db, { runIds, keys: [COMPARE_KEYS[3] as MetricKey], buckets: 1000, fromStep: zoom, toStep: zoom + 999 }))),
  ];
  // What the pyramid replaces: bucketing every raw point with GROUP BY (one chart only; all series take minutes).
  const keyId = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck().get(COMPARE_KEYS[3]) as number;
  const naive = db.prepare(`
    SELECT g.run_id, g.b, g.mn, g.mx, g.ls, (SELECT value FROM metrics m WHERE m.run_id = g.run_id AND m.key_id = :key AND m.step = g.ls)
    FROM (SELECT run_id, CAST(step * 1000 / :span AS INTEGER) AS b, min(value) AS mn, max(value) AS mx, max(step) AS ls
          FROM metrics WHERE run_id IN (SELECT value FROM json_each(:runs)) AND key_id = :key GROUP BY run_id, b) AS g`).raw();
  timings.push(time(`naive GROUP BY over raw metrics, one chart (reference)`, 2, () => ({ series: runIds.length, buckets: naive.all({ key: keyId, span: COMPARE.steps, runs: JSON.stringify(runIds) }).length })));
  return timings;
}

// ------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hmpo-store-bench-'));
  const steps = quick ? 1_000 : 5_000;
  try {
    console.log(`store-bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
    console.log(`\nIngest: 4 runs x ${fmt(steps)} steps x ${METRIC_KEYS.length} metric keys (+ steps, summaries, rollups, AGM, 8 QK heads, histogram per step)`);
    const ingest: IngestResult[] = [];
    for (const flush of [10, 100]) ingest.push(ingestSingleWriter(dir, steps, flush));
    for (const flush of [10, 100]) ingest.push(await ingestFourProcesses(dir, steps, flush));
    for (const r of ingest) {
      console.log(`  ${r.mode.padEnd(32)} flush ${String(r.flushSteps).padStart(3)} steps/run: ${fmt(r.metricRowsPerSecond).padStart(9)} metric rows/s, ${fmt(r.metricRowsPerCpuSecond).padStart(9)} per CPU-second  (${fmt(r.metricRows)} rows in ${r.seconds.toFixed(2)} s)  ${verdict(r.metricRowsPerSecond >= INGEST_TARGET)}`);
    }

    console.log(`\nCompare: ${COMPARE.runs} runs x ${COMPARE.keys} keys x ${fmt(COMPARE.steps)} steps (${fmt(COMPARE.runs * COMPARE.keys * COMPARE.steps)} metric rows)`);
    const { db, runIds, buildSeconds } = compareDatabase();
    if (buildSeconds !== null) console.log(`  built in ${buildSeconds.toFixed(1)} s (${fmt((COMPARE.runs * COMPARE.keys * COMPARE.steps) / buildSeconds)} metric rows/s, one writer, 500-step flushes of all runs)`);
    const file = db.name;
    const bytes = fs.statSync(file).size;
    const tableBytes = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('metrics', 'metric_rollups') GROUP BY name").all() as { name: string; bytes: number }[];
    console.log(`  database ${fmt(bytes / 1e6)} MB: ${tableBytes.map((t) => `${t.name} ${fmt(t.bytes / 1e6)} MB`).join(', ')}`);
    const timings = compareQueries(db, runIds);
    db.close();
    for (const t of timings) {
      console.log(`  ${t.query.padEnd(58)} ${t.medianMs.toFixed(1).padStart(8)} ms median (first ${t.firstMs.toFixed(1)} ms), ${fmt(t.buckets)} buckets in ${t.series} series  ${t.query.startsWith('naive') ? '' : verdict(t.medianMs <= COMPARE_TARGET_MS)}`);
    }

    // Export throughput: the app's streaming long-format CSV export of some of those runs, to disk.
    const exportRuns = runIds.slice(0, 4);
    const source = new SqliteExportSource(file, exportRuns);
    const exportDir = path.join(dir, 'export-csv');
    const exportStart = performance.now();
    const files = await writeLongExport(source, exportDir, 'csv');
    const exportSeconds = (performance.now() - exportStart) / 1000;
    source.close();
    const exportRows = files.find((f) => f.name === 'metrics.csv')!.rows;
    console.log(`\nExport: long-format CSV of ${exportRuns.length} runs (${fmt(exportRows)} metric rows, ${fmt(files.reduce((n, f) => n + f.bytes, 0) / 1e6)} MB): ${fmt(exportRows / exportSeconds)} rows/s in ${exportSeconds.toFixed(1)} s  ${verdict(exportRows / exportSeconds >= EXPORT_TARGET)}`);
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'store-bench.json'), JSON.stringify({ when: new Date().toISOString(), cpus: os.cpus().length, loadavg: os.loadavg(), ingest, compare: { ...COMPARE, bytes, tableBytes, timings } }, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (args[0] === '--child') {
  const [file, runId, steps, flush, startAt] = args.slice(1);
  await childWriter(file as string, Number(runId), Number(steps), Number(flush), Number(startAt));
} else {
  await main();
}
