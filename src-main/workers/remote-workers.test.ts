/**
 * Remote training end to end, with a real redis-server (its own temp dir and loopback port), real
 * `hmpo-lab worker` processes (the built CLI) training in real trainer children, and a real SQLite
 * file written only by the app: a sweep across two workers stores exactly the rows local training
 * stores; a SIGKILLed worker's run is crashed (naming the worker) within the liveness bound while
 * the others finish elsewhere; a remote run stops from the app; an app killed mid-sweep and started
 * again, and a Redis restart mid-sweep, lose and duplicate no step; TLS with a password works end to
 * end; bad input is one line.
 */
import type { Database } from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { SweepSpec } from '../../src-shared/contract.js';
import { validateRunConfig } from '../../src-shared/run-config.js';
import { CLI, runCli } from '../../test-support/run-cli.js';
import { redisServerPath, TestRedis } from '../../test-support/redis-server.js';
import { createApp, type App } from '../app/create-app.js';
import { openDatabase } from '../db/open-database.js';
import { listRuns, requireRun } from '../db/runs-queries.js';
import { QUEUE_NAME, REMOTE_JOB_FORMAT } from './remote-protocol.js';
import { RemoteRuns } from './remote-runs.js';
import { readRemoteSetting, remoteSettingPath } from './remote-setting.js';

const TINY = { backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, checkpointEvery: 4 } as const;
const LOST_AFTER_S = 2;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'hmpo-remote-')), 'lab.db');

async function startRedis(options: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  const redis = await TestRedis.start(options);
  cleanups.push(() => redis.dispose());
  return redis;
}

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly stderr: () => string;
}

/** `hmpo-lab worker` as a user starts it; resolves once it waits for runs. */
async function startWorker(url: string, name: string, extra: string[] = [], lostAfterS = LOST_AFTER_S): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--name', name, '--lost-after', String(lostAfterS), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await until(() => stderr.includes('waiting for runs') || child.exitCode !== null, 20_000);
  if (child.exitCode !== null) throw new Error(`worker ${name} exited: ${stderr}`);
  return { child, stderr: () => stderr };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function remoteApp(url: string, databasePath: string, onStep?: (runId: string, step: number) => void, lostAfterS = LOST_AFTER_S): Promise<App> {
  const remote = await RemoteRuns.connect({ url, lostAfterMs: lostAfterS * 1000, resume: true });
  const app = createApp({ databasePath, mode: 'cli', remote, ...(onStep ? { onStep: (id, record) => onStep(id, record.step) } : {}) });
  cleanups.push(() => app.close());
  return app;
}

function sweep(totalSteps: number, seeds: number[]): SweepSpec {
  return { name: 'remote', base: { ...TINY, totalSteps }, axes: [{ path: 'objective.preset', values: ['grpo', 'hmpo'] }], seeds };
}

async function runSweep(app: App, spec: SweepSpec): Promise<string[]> {
  const { runIds } = await app.handlers['sweeps:start'](spec);
  await Promise.all(runIds.map((id) => app.manager.waitForEnd(id)));
  return runIds;
}

/** Every stored row of a run that training determines (wall times and perf/* timings excluded), keyed by seed and objective. */
function trainedRows(db: Database, runId: number): unknown {
  const run = requireRun(db, runId);
  return {
    key: `${run.objectivePreset}/${run.seed}`,
    steps: db.prepare('SELECT step, rollout, samples, skipped FROM steps WHERE run_id = ? ORDER BY step').raw().all(runId),
    metrics: db.prepare("SELECT k.name, m.step, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE m.run_id = ? AND k.name NOT LIKE 'perf/%' ORDER BY k.name, m.step").raw().all(runId),
    events: db.prepare("SELECT kind, step, payload_json FROM events WHERE run_id = ? AND kind != 'status' ORDER BY id").raw().all(runId),
    checkpoints: db.prepare('SELECT step, kind, sha256 FROM checkpoints WHERE run_id = ? ORDER BY step, kind').raw().all(runId),
  };
}

const byKey = (rows: unknown[]) => [...rows].sort((a, b) => ((a as { key: string }).key < (b as { key: string }).key ? -1 : 1));

const STEPS = 24;
const SEEDS = [0, 1, 2];
/** Long enough that the app can be killed while steps are stored but the runs are not done. */
const LONG_STEPS = 80;
const baselines = new Map<number, Promise<unknown[]>>();

/** sweep(steps, seeds) trained locally (forked trainers), once per steps, for bit-for-bit comparison. */
async function localRows(seeds: readonly number[], steps = STEPS): Promise<unknown[]> {
  if (!baselines.has(steps)) {
    const all = steps === STEPS ? SEEDS : [...seeds];
    baselines.set(
      steps,
      (async () => {
        const app = createApp({ databasePath: freshDb(), mode: 'cli', concurrency: 2 });
        try {
          const ids = await runSweep(app, sweep(steps, all));
          return byKey(ids.map((id) => trainedRows(app.db, Number(id))));
        } finally {
          await app.close();
        }
      })(),
    );
  }
  return (await baselines.get(steps)!).filter((rows) => seeds.some((seed) => (rows as { key: string }).key.endsWith(`/${seed}`)));
}

function expectComplete(db: Database, runId: number, totalSteps: number): void {
  const steps = db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').pluck().all(runId);
  expect(steps).toEqual(Array.from({ length: totalSteps }, (_, i) => i));
}

describe.skipIf(redisServerPath === null)('remote workers through Redis and BullMQ (skipped: redis-server is not installed; scripts/setup-os.sh installs it)', () => {
  it('a 6-run sweep across 2 worker processes stores exactly what local training stores', async () => {
    const redis = await startRedis();
    await Promise.all([startWorker(redis.url, 'alpha', ['--backend', 'wasm']), startWorker(redis.url, 'beta', ['--backend', 'wasm'])]);
    const app = await remoteApp(redis.url, freshDb());
    const status = await app.handlers['workers:list'](null);
    expect(status.redis).toBe(`127.0.0.1:${redis.port}`);
    expect(status.workers.map((w) => [w.name, w.backend, w.concurrency, w.runs])).toEqual([
      ['alpha', 'wasm', 1, []],
      ['beta', 'wasm', 1, []],
    ]);
    const ids = await runSweep(app, sweep(STEPS, SEEDS));
    expect(ids).toHaveLength(6);
    const runs = ids.map((id) => requireRun(app.db, Number(id)));
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill('finished'));
    expect(new Set(runs.map((r) => r.worker))).toEqual(new Set(['alpha', 'beta']));
    expect(app.store.summary(ids[0]!).worker).toMatch(/alpha|beta/);
    for (const id of ids) expectComplete(app.db, Number(id), STEPS);
    const remote = byKey(ids.map((id) => trainedRows(app.db, Number(id))));
    expect((remote[0] as { checkpoints: unknown[] }).checkpoints.length).toBeGreaterThanOrEqual(2);
    expect(remote).toEqual(await localRows(SEEDS));
  });

  it('a worker SIGKILLed mid-run: its run is crashed naming it within the bound; the other runs finish on the other worker', async () => {
    const redis = await startRedis();
    const doomed = await startWorker(redis.url, 'doomed');
    let killedAt = 0;
    const app = await remoteApp(redis.url, freshDb(), (runId) => {
      if (killedAt === 0 && requireRun(app.db, Number(runId)).worker === 'doomed') {
        killedAt = Date.now();
        doomed.child.kill('SIGKILL');
      }
    });
    const { runIds } = await app.handlers['sweeps:start'](sweep(30, [0, 1]));
    await until(() => killedAt > 0, 30_000);
    await startWorker(redis.url, 'survivor');
    await Promise.all(runIds.map((id) => app.manager.waitForEnd(id)));
    const runs = runIds.map((id) => requireRun(app.db, Number(id)));
    const lost = runs.find((r) => r.worker === 'doomed')!;
    expect(lost.status).toBe('crashed');
    expect(lost.error).toMatch(/worker doomed stopped responding/);
    expect(lost.finishedAt! - killedAt).toBeLessThan(LOST_AFTER_S * 1000 * 2 + 2000);
    const others = runs.filter((r) => r !== lost);
    expect(others.map((r) => [r.status, r.worker])).toEqual(others.map(() => ['finished', 'survivor']));
    for (const other of others) expectComplete(app.db, other.id, 30);
  });

  it('stop reaches a remote run: it ends stopped with its steps so far, none missing', async () => {
    const redis = await startRedis();
    await startWorker(redis.url, 'solo');
    let stopped = false;
    const app = await remoteApp(redis.url, freshDb(), (runId, step) => {
      if (!stopped && step === 3) {
        stopped = true;
        void app.handlers['runs:stop']({ runId });
      }
    });
    const config = validateRunConfig({ ...TINY, totalSteps: 500 });
    if (!config.ok) throw new Error(config.error.message);
    const [runId] = app.manager.enqueue([{ config: config.value, name: 'to stop' }]);
    await app.manager.waitForEnd(runId!);
    const run = requireRun(app.db, Number(runId));
    expect(run.status).toBe('stopped');
    expect(run.worker).toBe('solo');
    expect(run.lastStep).toBeGreaterThanOrEqual(3);
    expect(run.lastStep).toBeLessThan(499);
    expectComplete(app.db, run.id, run.lastStep! + 1);
  });

  it('the app killed mid-sweep and started again reads on from the streams: every run finished, no step lost or duplicated, rows as local', async () => {
    const redis = await startRedis();
    await Promise.all([startWorker(redis.url, 'w1', ['--backend', 'wasm']), startWorker(redis.url, 'w2', ['--backend', 'wasm'])]);
    const databasePath = freshDb();
    const sets = Object.entries({ ...TINY, model: undefined, 'model.dModel': 16, totalSteps: LONG_STEPS }).filter(([, v]) => v !== undefined).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const first = spawn(process.execPath, [CLI, '--db', databasePath, 'sweep', '--redis', redis.url, '--lost-after', String(LOST_AFTER_S), '--objectives', 'grpo,hmpo', '--seeds', '1', ...sets], { stdio: 'ignore' });
    // Kill the app once some steps of both runs are stored and before either run ends.
    const probe = openDatabase(databasePath);
    cleanups.push(() => void probe.close());
    await until(() => {
      const counts = probe.prepare("SELECT r.status, (SELECT count(*) FROM steps s WHERE s.run_id = r.id) AS n FROM runs r").all() as { status: string; n: number }[];
      return counts.length === 2 && counts.every((c) => c.status === 'running') && counts.some((c) => c.n >= 4);
    }, 60_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const storedAtKill = probe.prepare('SELECT count(*) FROM steps').pluck().get() as number;
    const app = await remoteApp(redis.url, databasePath);
    const runs = listRuns(app.db);
    expect(app.manager.liveRunIds.sort()).toEqual(runs.map((r) => String(r.id)).sort()); // both picked up again
    expect(storedAtKill).toBeLessThan(2 * LONG_STEPS);
    await Promise.all(runs.map((r) => app.manager.waitForEnd(String(r.id))));
    for (const run of runs) {
      expect(requireRun(app.db, run.id).status).toBe('finished');
      expectComplete(app.db, run.id, LONG_STEPS);
    }
    expect(byKey(runs.map((r) => trainedRows(app.db, r.id)))).toEqual(await localRows([0], LONG_STEPS));
  });

  it('Redis restarted mid-sweep: the runs go on, no step lost or duplicated, statuses right', async () => {
    const redis = await startRedis();
    // The liveness bound must outlast the outage, or the workers' locks expire and their runs are (rightly) lost.
    await Promise.all([startWorker(redis.url, 'w1', ['--backend', 'wasm'], 20), startWorker(redis.url, 'w2', ['--backend', 'wasm'], 20)]);
    let restarted: Promise<void> | undefined;
    const app = await remoteApp(
      redis.url,
      freshDb(),
      (_runId, step) => {
        if (step === 6 && restarted === undefined) restarted = redis.restart(300);
      },
      20,
    );
    const ids = await runSweep(app, sweep(STEPS, [1]));
    expect(restarted).toBeDefined();
    await restarted;
    for (const id of ids) {
      expect([requireRun(app.db, Number(id)).status, requireRun(app.db, Number(id)).error]).toEqual(['finished', null]);
      expectComplete(app.db, Number(id), STEPS);
    }
    expect(byKey(ids.map((id) => trainedRows(app.db, Number(id))))).toEqual(await localRows([1]));
  });

  it('TLS (rediss://) with a password: a run queued by `hmpo-lab run` trains on a worker; a wrong CA is one line', async () => {
    const redis = await startRedis({ tls: true, password: 'tls-pass-123' });
    const env = { NODE_EXTRA_CA_CERTS: redis.caFile };
    const worker = spawn(process.execPath, [CLI, 'worker', '--redis', redis.url, '--name', 'tls-worker', '--backend', 'wasm'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    cleanups.push(() => void worker.kill('SIGKILL'));
    let err = '';
    worker.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await until(() => err.includes('waiting for runs') || worker.exitCode !== null, 20_000);
    expect(err).toMatch(/waiting for runs on 127\.0\.0\.1:\d+ \(TLS\)/);
    const databasePath = freshDb();
    const run = await runCli(['--db', databasePath, 'run', '--redis', redis.url, '-n', '3', '--set', 'backend=wasm', '--set', 'model.dModel=16'], undefined, env);
    expect(run.stderr).toMatch(/^hmpo-lab run: run 1 finished after 3 steps/);
    expect(run.code).toBe(0);
    const db = openDatabase(databasePath);
    cleanups.push(() => void db.close());
    expect(listRuns(db).map((r) => [r.status, r.worker, r.lastStep])).toEqual([['finished', 'tls-worker', 2]]);
    const untrusted = await runCli(['--db', databasePath, 'run', '--redis', redis.url, '-n', '3']);
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toMatch(/^hmpo-lab run: Redis at 127\.0\.0\.1:\d+ \(TLS\): self[- ]signed certificate in certificate chain\n$/);
  });

  it("the desktop app's Redis setting: checked before it is saved (owner-only file), shown without the password, cleared with ''", async () => {
    const redis = await startRedis({ password: 'setting-pass-1' });
    const databasePath = freshDb();
    const app = createApp({ databasePath, mode: 'cli' });
    cleanups.push(() => app.close());
    await expect(app.handlers['workers:setRedis']({ url: redis.url.replace('setting-pass-1', 'wrong') })).rejects.toThrow(/^Redis at 127\.0\.0\.1:\d+ refused the password in the URL \(WRONGPASS\)$/);
    await expect(app.handlers['workers:setRedis']({ url: 'http://x' })).rejects.toThrow(/must start with redis:\/\/ or rediss:\/\//);
    expect(readRemoteSetting(databasePath)).toBeNull();
    expect(await app.handlers['workers:setRedis']({ url: redis.url })).toEqual({ saved: `127.0.0.1:${redis.port}` });
    expect(readRemoteSetting(databasePath)).toBe(redis.url);
    expect(statSync(remoteSettingPath(databasePath)).mode & 0o777).toBe(0o600);
    expect(await app.handlers['workers:list'](null)).toEqual({ redis: null, workers: [], saved: `127.0.0.1:${redis.port}` });
    expect(await app.handlers['workers:setRedis']({ url: '' })).toEqual({ saved: null });
    expect(readRemoteSetting(databasePath)).toBeNull();
  });

  it('bad input is one line: unreachable Redis, wrong password, a job with an invalid config or from a newer format', async () => {
    const closed = await TestRedis.start();
    const closedUrl = closed.url;
    await closed.dispose();
    const unreachable = await runCli(['--db', freshDb(), 'run', '--redis', closedUrl, '-n', '2']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/^hmpo-lab run: cannot reach Redis at 127\.0\.0\.1:\d+ \(ECONNREFUSED\); is redis-server running there\?\n$/);

    const secured = await startRedis({ password: 's3cret-pass' });
    const wrong = await runCli(['worker', '--redis', secured.url.replace('s3cret-pass', 'nope')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^hmpo-lab worker: Redis at 127\.0\.0\.1:\d+ refused the password in the URL \(WRONGPASS\)\n$/);
    expect(wrong.stderr).not.toContain('nope');
    const none = await runCli(['--db', freshDb(), 'sweep', '--redis', secured.url.replace(':s3cret-pass@', ''), '--objectives', 'grpo']);
    expect(none.stderr).toMatch(/^hmpo-lab sweep: Redis at 127\.0\.0\.1:\d+ needs a password: put it in the URL, redis:\/\/:PASSWORD@host:port\n$/);
    const notUrl = await runCli(['worker', '--redis', 'http://example.org']);
    expect(notUrl.stderr).toBe("hmpo-lab worker: --redis must start with redis:// or rediss:// (TLS), got 'http://'\n");

    const worker = await startWorker(secured.url, 'strict');
    const connection = new Redis(secured.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection });
    cleanups.push(async () => {
      await queue.close();
      connection.disconnect();
    });
    await queue.add('run', { format: REMOTE_JOB_FORMAT, runId: '1', runName: 'bad', config: { groupSize: 1 } }, { jobId: 'bad-config' });
    await queue.add('run', { format: REMOTE_JOB_FORMAT + 1, runId: '2', runName: 'future', config: {} }, { jobId: 'future' });
    await until(() => worker.stderr().includes('future'), 20_000);
    const refusals = worker.stderr().split('\n').filter((line) => line.includes('refused'));
    expect(refusals).toEqual([
      expect.stringMatching(/^hmpo-lab worker: worker strict refused job bad-config: invalid config: groupSize: .*2/),
      `hmpo-lab worker: worker strict refused job future: the job uses format ${REMOTE_JOB_FORMAT + 1} but this worker reads format ${REMOTE_JOB_FORMAT} at most: upgrade HMPO Lab on this worker to the app's version`,
    ]);
    expect(worker.child.exitCode).toBeNull(); // a bad job does not take the worker down
    expect((await queue.getJob('bad-config'))?.failedReason).toMatch(/invalid config/);
  });
});
