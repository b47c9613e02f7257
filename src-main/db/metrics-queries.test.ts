// Step telemetry: every value of a StepRecord round-trips (NaN stays NaN, never 0 or null), the
// per-run summary and the rollup pyramid agree with brute force over the raw points, downsampling
// is exact per bucket and keeps the global min, max and final point, and the queries walk the
// primary keys (EXPLAIN QUERY PLAN).
import { describe, expect, it } from 'vitest';
import { LOG_RATIO_HIST_MAX, LOG_RATIO_HIST_MIN, METRIC_KEYS, type MetricKey, type MetricValues } from '../../src-shared/metrics.js';
import type { StepRecord } from '../../src-shared/step-record.js';
import { SEAL_STEPS, bucketPlan, rollupWidth } from './metric-rollups.js';
import { DOWNSAMPLE_BLOCKS_SQL, DOWNSAMPLE_EDGES_SQL, DOWNSAMPLE_POINTS_SQL, downsampleSeries } from './downsample-queries.js';
import { readLogRatioHistograms, readQkStats, readSteps } from './metric-readers.js';
import { insertStepBatches, insertStepRecords } from './metrics-queries.js';
import { RunNotFoundError } from './store-errors.js';
import { addRun, openTestDatabase, readSeries, readSummaries, sampleValue, SERIES_SQL, stepRecord, useTestDatabase } from './test-fixtures.js';

const store = useTestDatabase();

/** Seeded PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A series with NaN, +-Infinity, spikes, and keys measured only on some steps. */
function syntheticRecords(steps: number, seed: number): StepRecord[] {
  const rand = random(seed);
  return Array.from({ length: steps }, (_, step) => {
    const metrics: Record<string, number> = {
      'charts/reward_mean': sampleValue(step, 0) + (rand() < 0.01 ? 50 : 0),
      'losses/policy_loss': rand() < 0.05 ? Number.NaN : sampleValue(step, 1),
      'optim/grad_norm': rand() < 0.01 ? Infinity : rand() < 0.01 ? -Infinity : rand() * 10,
      'losses/kl': Number.NaN, // never finite
    };
    if (step % 10 === 3) metrics['charts/eval_reward'] = rand(); // sparse: evaluations
    return { ...stepRecord(step), metrics: metrics as MetricValues };
  });
}

/** Inserts `records` in batches of random size 1..maxBatch. */
function insertInRandomBatches(runId: number, records: StepRecord[], maxBatch: number, seed: number): void {
  const rand = random(seed);
  for (let i = 0; i < records.length; ) {
    const n = 1 + Math.floor(rand() * maxBatch);
    insertStepRecords(store.db, runId, records.slice(i, i + n));
    i += n;
  }
}

interface Point {
  step: number;
  value: number;
}
const pointsOf = (records: StepRecord[], key: MetricKey): Point[] =>
  records.flatMap((r) => (r.metrics[key] === undefined ? [] : [{ step: r.step, value: r.metrics[key] as number }]));

/** Brute force: min/max over non-NaN values (NaN if none), last point. */
function aggregate(points: Point[]): { min: number; max: number; lastStep: number; last: number } {
  const finite = points.map((p) => p.value).filter((v) => !Number.isNaN(v));
  const last = points.at(-1) as Point;
  return { min: finite.length ? Math.min(...finite) : Number.NaN, max: finite.length ? Math.max(...finite) : Number.NaN, lastStep: last.step, last: last.value };
}

describe('insertStepRecords round trip', () => {
  it('stores every field of every record and reads it back exactly, NaN and Infinity included', () => {
    const run = addRun(store.db);
    const records = Array.from({ length: 30 }, (_, step) => {
      const r = stepRecord(step);
      if (step === 4) return { ...r, metrics: { ...r.metrics, 'losses/policy_loss': Number.NaN, 'optim/grad_norm': Infinity, 'ratio/a0': -Infinity }, qk: { ...r.qk, maxLogits: [[Number.NaN, 1, 2], [3, 4, 5]] } };
      if (step === 5) return { ...r, metrics: { 'charts/reward_mean': 0 } }; // a step that measured one key only
      return r;
    });
    insertStepRecords(store.db, run, records.slice(0, 7));
    insertStepRecords(store.db, run, records.slice(7));

    for (const key of METRIC_KEYS) {
      const expected = pointsOf(records, key);
      const series = readSeries(store.db, run, key);
      expect(series.steps, key).toEqual(expected.map((p) => p.step));
      expect(series.values, key).toEqual(expected.map((p) => p.value)); // toEqual treats NaN as equal to NaN only
    }
    const loss = readSeries(store.db, run, 'losses/policy_loss');
    expect(Number.isNaN(loss.values[4])).toBe(true); // not 0, not null
    expect(readSeries(store.db, run, 'optim/grad_norm').values[4]).toBe(Infinity);
    expect(readSeries(store.db, run, 'charts/reward_mean', { fromStep: 10, toStep: 12 }).steps).toEqual([10, 11, 12]);

    expect(readSteps(store.db, run)).toEqual(records.map((r) => ({ step: r.step, rollout: r.rollout, samples: r.samples, wallTime: r.wallTime, skipped: r.skipped })));
    expect(readQkStats(store.db, run)).toEqual(
      records.flatMap((r) =>
        r.qk.maxLogits.flatMap((heads, layer) =>
          heads.map((maxLogit, head) => {
            const clip = r.qk.clipped.find((c) => c.layer === layer && c.head === head);
            return { step: r.step, layer, head, maxLogit, clipped: clip !== undefined, gamma: clip?.gamma ?? Number.NaN };
          }),
        ),
      ),
    );
    expect(readLogRatioHistograms(store.db, run)).toEqual(records.map((r) => ({ step: r.step, binMin: LOG_RATIO_HIST_MIN, binMax: LOG_RATIO_HIST_MAX, counts: r.logRatioHistogram })));
  });

  it('refuses replayed or reordered steps and unknown runs, leaving the database unchanged', () => {
    const run = addRun(store.db);
    insertStepRecords(store.db, run, [stepRecord(0), stepRecord(1)]);
    const before = store.db.prepare('SELECT count(*) FROM metrics').pluck().get();
    expect(() => insertStepRecords(store.db, run, [stepRecord(2), stepRecord(1)])).toThrow(/step 1 must be an integer above 2/);
    expect(() => insertStepRecords(store.db, run, [stepRecord(1)])).toThrow(/above 1/);
    expect(() => insertStepRecords(store.db, run, [stepRecord(2.5)])).toThrow(/integer/);
    expect(() => insertStepRecords(store.db, 999, [stepRecord(0)])).toThrow(RunNotFoundError);
    expect(store.db.prepare('SELECT count(*) FROM metrics').pluck().get()).toBe(before);
    expect(readSteps(store.db, run).map((s) => s.step)).toEqual([0, 1]);
  });

  it('writes batches of several runs in one transaction: all or nothing', () => {
    const a = addRun(store.db);
    const b = addRun(store.db);
    insertStepBatches(store.db, [{ runId: a, records: [stepRecord(0)] }, { runId: b, records: [stepRecord(0), stepRecord(1)] }]);
    expect(readSteps(store.db, b)).toHaveLength(2);
    expect(() => insertStepBatches(store.db, [{ runId: a, records: [stepRecord(1)] }, { runId: b, records: [stepRecord(1)] }])).toThrow(/above 1/);
    expect(readSteps(store.db, a).map((s) => s.step)).toEqual([0]); // run a's valid batch was rolled back too
  });
});

describe('metric summaries', () => {
  it('hold the last value, the min and max of non-NaN values and the count, across batches', () => {
    const run = addRun(store.db);
    const records = syntheticRecords(500, 1);
    insertInRandomBatches(run, records, 40, 2);
    const summaries = new Map(readSummaries(store.db, [run]).map((s) => [s.key, s]));
    for (const key of ['charts/reward_mean', 'losses/policy_loss', 'optim/grad_norm', 'losses/kl', 'charts/eval_reward'] as const) {
      const points = pointsOf(records, key);
      expect(summaries.get(key), key).toEqual({ runId: run, key, count: points.length, ...aggregate(points) });
    }
    expect(summaries.get('optim/grad_norm')?.max).toBe(Infinity);
    expect(summaries.get('optim/grad_norm')?.min).toBe(-Infinity);
    expect(Number.isNaN(summaries.get('losses/kl')?.min)).toBe(true);
  });
});

describe('rollup pyramid', () => {
  /** Every stored block of every level equals brute force over its steps, and exactly the sealed ones exist. */
  function expectPyramid(run: number, records: StepRecord[], keys: readonly MetricKey[]): number {
    const maxStep = (records.at(-1) as StepRecord).step;
    const sealed = Math.floor((maxStep + 1) / SEAL_STEPS) * SEAL_STEPS; // steps below this are in stored blocks
    const keyIds = new Map(store.db.prepare('SELECT name, id FROM metric_keys').raw().all() as [string, number][]);
    let checked = 0;
    for (const key of keys) {
      const points = pointsOf(records, key);
      for (let level = 0; rollupWidth(level) <= 2 * (maxStep + 1); level++) {
        const width = rollupWidth(level);
        const stored = store.db.prepare('SELECT block, min_value, max_value, last_step, last_value FROM metric_rollups WHERE run_id = ? AND key_id = ? AND level = ? ORDER BY block').raw().all(run, keyIds.get(key), level) as [number, number | null, number | null, number, number | null][];
        const expected: [number, number | null, number | null, number, number | null][] = [];
        for (let block = 0; (block + 1) * width <= sealed; block++) {
          const inBlock = points.filter((p) => p.step >= block * width && p.step < (block + 1) * width);
          if (inBlock.length === 0) continue;
          const a = aggregate(inBlock);
          const sql = (v: number) => (Number.isNaN(v) ? null : v);
          expected.push([block, sql(a.min), sql(a.max), a.lastStep, sql(a.last)]);
        }
        expect(stored, `${key} level ${level}`).toEqual(expected);
        checked += expected.length;
      }
    }
    return checked;
  }
  const keys = ['charts/reward_mean', 'losses/policy_loss', 'optim/grad_norm', 'charts/eval_reward'] as const;

  it('holds exactly the sealed blocks of every level, each equal to brute force over its steps', () => {
    const run = addRun(store.db);
    const records = syntheticRecords(997, 3); // the last steps stay unsealed
    insertInRandomBatches(run, records, 70, 4);
    expect(expectPyramid(run, records, keys)).toBeGreaterThan(1000);
  });

  it('is right when another connection wrote the unsealed steps', () => {
    const run = addRun(store.db);
    const other = openTestDatabase(store.dir);
    const records = syntheticRecords(700, 9);
    const rand = random(10);
    for (let i = 0, turn = 0; i < records.length; turn++) {
      const n = 1 + Math.floor(rand() * 50);
      insertStepRecords(turn % 2 === 0 ? store.db : other, run, records.slice(i, i + n));
      i += n;
    }
    other.close();
    expect(expectPyramid(run, records, keys)).toBeGreaterThan(500);
  });

  it('is right after a rolled-back batch is replaced by different values', () => {
    const run = addRun(store.db);
    const other = addRun(store.db);
    const first = syntheticRecords(100, 11);
    insertStepRecords(store.db, run, first);
    const rolledBack = syntheticRecords(121, 12).slice(100); // stays below the next seal (128)
    expect(() => insertStepBatches(store.db, [{ runId: run, records: rolledBack }, { runId: other, records: [stepRecord(1), stepRecord(0)] }])).toThrow();
    const replacement = syntheticRecords(400, 13).slice(100);
    insertStepRecords(store.db, run, replacement);
    expect(expectPyramid(run, [...first, ...replacement], keys)).toBeGreaterThan(500);
  });
});

describe('downsampleSeries', () => {
  const keys = ['charts/reward_mean', 'losses/policy_loss', 'optim/grad_norm', 'losses/kl', 'charts/eval_reward'] as const;

  /** Every bucket equals brute force over the raw points it covers; buckets cover every point once. */
  function expectExact(runRecords: Map<number, StepRecord[]>, request: { buckets: number; fromStep?: number; toStep?: number }): void {
    const result = downsampleSeries(store.db, { runIds: [...runRecords.keys()], keys: [...keys], ...request });
    expect(result).toHaveLength(runRecords.size * keys.length);
    const allMax = Math.max(...[...runRecords.values()].map((records) => (records.at(-1) as StepRecord).step));
    const from = request.fromStep ?? 0;
    const to = request.toStep ?? allMax;
    for (const series of result) {
      const points = pointsOf(runRecords.get(series.runId) as StepRecord[], series.key).filter((p) => p.step >= from && p.step <= to);
      expect(series.bucketWidth).toBe(bucketPlan(to - from + 1, request.buckets).width);
      let covered = 0;
      series.bucketStart.forEach((start, i) => {
        const inBucket = points.filter((p) => p.step >= start && p.step < start + series.bucketWidth);
        expect(inBucket.length, `${series.key} bucket at ${start}`).toBeGreaterThan(0);
        covered += inBucket.length;
        expect({ min: series.min[i], max: series.max[i], lastStep: series.lastStep[i], last: series.last[i] }, `${series.key} run ${series.runId} bucket at ${start}`).toEqual(aggregate(inBucket));
      });
      expect(covered, series.key).toBe(points.length);
      expect(series.bucketStart).toEqual([...series.bucketStart].sort((a, b) => a - b));
      if (points.length > 0) {
        // The global extremes and the final point always survive downsampling.
        const whole = aggregate(points);
        const nonNaN = (values: number[]) => values.filter((v) => !Number.isNaN(v));
        if (!Number.isNaN(whole.min)) expect(Math.min(...nonNaN(series.min))).toBe(whole.min);
        if (!Number.isNaN(whole.max)) expect(Math.max(...nonNaN(series.max))).toBe(whole.max);
        expect(series.lastStep.at(-1)).toBe(whole.lastStep);
        expect(series.last.at(-1)).toEqual(whole.last);
        expect(series.bucketStart.length).toBeLessThanOrEqual(series.bucketWidth === 1 ? 2 * request.buckets : request.buckets + 2);
      }
    }
  }

  it('is exact per bucket for finished and live runs, whole range and zoomed, at every bucket width', () => {
    const runs = new Map<number, StepRecord[]>();
    const finished = syntheticRecords(3000, 5);
    const live = syntheticRecords(1237, 6); // its last pyramid blocks are not complete yet
    const a = addRun(store.db);
    const b = addRun(store.db);
    insertInRandomBatches(a, finished, 200, 7);
    insertInRandomBatches(b, live, 90, 8);
    runs.set(a, finished);
    runs.set(b, live);
    for (const buckets of [1, 7, 100, 1000, 1500, 5000]) expectExact(runs, { buckets });
    expectExact(runs, { buckets: 50, fromStep: 13, toStep: 2001 });
    expectExact(runs, { buckets: 64, fromStep: 1200, toStep: 1300 }); // across the live run's end
    expectExact(runs, { buckets: 10, fromStep: 61, toStep: 70 });
    expectExact(runs, { buckets: 100, fromStep: 5000 }); // past every step: empty buckets
  });

  it('keeps a lone spike visible at a coarse bucket width', () => {
    const run = addRun(store.db);
    insertStepRecords(store.db, run, Array.from({ length: 4096 }, (_, step) => stepRecord(step, { 'optim/grad_norm': step === 2222 ? 1e6 : 1 })));
    const [series] = downsampleSeries(store.db, { runIds: [run], keys: ['optim/grad_norm'], buckets: 16 });
    expect(series?.bucketWidth).toBe(256);
    expect(series?.max).toContain(1e6);
    expect(series?.bucketStart[series.max.indexOf(1e6)]).toBe(2048);
  });

  it('returns empty series for unknown keys and runs without steps', () => {
    const run = addRun(store.db);
    const empty = addRun(store.db);
    insertStepRecords(store.db, run, [stepRecord(0)]);
    const result = downsampleSeries(store.db, { runIds: [run, empty], keys: ['charts/reward_mean', 'objective/p'], buckets: 10 });
    expect(result.map((s) => [s.runId, s.key, s.bucketStart.length])).toEqual([
      [run, 'charts/reward_mean', 1],
      [run, 'objective/p', 1],
      [empty, 'charts/reward_mean', 0],
      [empty, 'objective/p', 0],
    ]);
    const unknown = downsampleSeries(store.db, { runIds: [run], keys: ['not/a_key' as MetricKey], buckets: 10 });
    expect(unknown[0]?.bucketStart).toEqual([]);
  });
});

describe('query plans', () => {
  const plan = (sql: string, params: Record<string, unknown> | unknown[]) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail);

  it('reads a series as one range of the metrics primary key', () => {
    expect(plan(SERIES_SQL, [1, 1, 0, 100])).toEqual(['SEARCH metrics USING PRIMARY KEY (run_id=? AND key_id=? AND step>? AND step<?)']);
  });

  it('downsamples through the primary keys of metric_rollups and metrics, never a table scan', () => {
    const blocks = plan(DOWNSAMPLE_BLOCKS_SQL, { run: 1, keys: '[1,2]', width: 64, level: 4, blockFrom: 0, blockTo: 10 });
    expect(blocks).toContain('SEARCH metric_rollups USING PRIMARY KEY (run_id=? AND key_id=? AND level=? AND block>? AND block<?)');
    const edges = plan(DOWNSAMPLE_EDGES_SQL, { run: 1, keys: '[1,2]', width: 64, shift: 6, from: 0, to: 10 });
    expect(edges).toContain('SEARCH metrics USING PRIMARY KEY (run_id=? AND key_id=? AND step>? AND step<?)');
    expect(edges).toContain('SEARCH m USING PRIMARY KEY (run_id=? AND key_id=? AND step=?)');
    const points = plan(DOWNSAMPLE_POINTS_SQL, { run: 1, keys: '[1,2]', from: 0, to: 10 });
    expect(points).toContain('SEARCH metrics USING PRIMARY KEY (run_id=? AND key_id=? AND step>? AND step<?)');
    for (const detail of [...blocks, ...edges, ...points]) expect(detail).not.toMatch(/^SCAN (metrics|metric_rollups|m)\b/);
    expect([...blocks, ...points].join('\n')).not.toMatch(/TEMP B-TREE/); // rows come out in key order
  });
});
