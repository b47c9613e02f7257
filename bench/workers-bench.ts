/**
 * Remote workers benchmark (issue 12): the same sweep trained through Redis + BullMQ with one and
 * with two `hmpo-lab worker` processes (runs per hour), and the per-step cost of the remote path
 * against local training (one long run, enqueue to end, best of two), side by side. Not a test.
 * Needs redis-server and the built CLI: `npx tsc -b && npm run bench:workers [-- --quick]`.
 * Writes bench/results/workers-bench.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SweepSpec } from '../src-shared/contract.js';
import { validateRunConfig } from '../src-shared/run-config.js';
import { createApp, type App } from '../src-main/app/create-app.js';
import { RemoteRuns } from '../src-main/workers/remote-runs.js';
import { CLI } from '../test-support/run-cli.js';
import { redisServerPath, TestRedis } from '../test-support/redis-server.js';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const quick = process.argv.includes('--quick');
const OVERHEAD_TARGET = 0.05;
const TINY = { backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4 } as const;
const SWEEP: SweepSpec = { name: 'bench', base: { ...TINY, totalSteps: quick ? 20 : 60 }, axes: [{ path: 'objective.preset', values: ['grpo', 'hmpo'] }], seeds: quick ? [0, 1] : [0, 1, 2] };
const LONG_STEPS = quick ? 80 : 300;

const freshDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hmpo-wbench-')), 'lab.db');

async function startWorker(url: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--name', name, '--backend', 'wasm'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('waiting for runs')) resolve();
    });
    child.once('exit', () => reject(new Error(`worker exited: ${err}`)));
  });
  return child;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.once('exit', resolve), w.kill('SIGTERM')))));
}

async function timed(app: App, start: () => Promise<string[]> | string[]): Promise<number> {
  const t0 = performance.now();
  const ids = await start();
  const ends = await Promise.all(ids.map((id) => app.manager.waitForEnd(id)));
  if (ends.some((e) => e?.status !== 'finished')) throw new Error(`a run did not finish: ${JSON.stringify(ends)}`);
  return (performance.now() - t0) / 1000;
}

async function remoteSweep(url: string, workers: number): Promise<number> {
  const procs = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(url, `bench-${i + 1}`)));
  const app = createApp({ databasePath: freshDb(), mode: 'cli', remote: await RemoteRuns.connect({ url }) });
  try {
    return await timed(app, async () => (await app.handlers['sweeps:start'](SWEEP)).runIds);
  } finally {
    await app.close();
    await stopWorkers(procs);
  }
}

async function longRun(url: string | null): Promise<number> {
  const config = validateRunConfig({ ...TINY, totalSteps: LONG_STEPS });
  if (!config.ok) throw new Error(config.error.message);
  const procs = url ? [await startWorker(url, 'bench-long')] : [];
  const app = createApp({ databasePath: freshDb(), mode: 'cli', concurrency: 1, ...(url ? { remote: await RemoteRuns.connect({ url }) } : {}) });
  try {
    return await timed(app, () => app.manager.enqueue([{ config: config.value, name: 'long' }]));
  } finally {
    await app.close();
    await stopWorkers(procs);
  }
}

async function main(): Promise<void> {
  if (redisServerPath === null) {
    console.log('workers bench skipped: redis-server is not installed (scripts/setup-os.sh installs it)');
    return;
  }
  const redis = await TestRedis.start();
  try {
    const runs = SWEEP.seeds.length * 2;
    const one = await remoteSweep(redis.url, 1);
    const two = await remoteSweep(redis.url, 2);
    const local: number[] = [];
    const remote: number[] = [];
    for (let i = 0; i < 2; i++) {
      local.push(await longRun(null));
      remote.push(await longRun(redis.url));
    }
    const localPerStep = (Math.min(...local) / LONG_STEPS) * 1000;
    const remotePerStep = (Math.min(...remote) / LONG_STEPS) * 1000;
    const overhead = remotePerStep / localPerStep - 1;
    const result = {
      sweep: { runs, stepsPerRun: SWEEP.base.totalSteps, oneWorker: { seconds: one, runsPerHour: (runs / one) * 3600 }, twoWorkers: { seconds: two, runsPerHour: (runs / two) * 3600 }, speedup: one / two },
      perStep: { steps: LONG_STEPS, localMs: localPerStep, remoteMs: remotePerStep, overhead, target: OVERHEAD_TARGET, pass: overhead <= OVERHEAD_TARGET },
      machine: { cpus: os.availableParallelism(), quick },
    };
    console.log(`workers bench (${os.availableParallelism()} cores${quick ? ', quick' : ''}): sweep of ${runs} runs x ${SWEEP.base.totalSteps} steps, one run of ${LONG_STEPS} steps`);
    console.log('                      1 worker      2 workers');
    console.log(`sweep wall (s)     ${one.toFixed(1).padStart(10)} ${two.toFixed(1).padStart(14)}`);
    console.log(`runs per hour      ${result.sweep.oneWorker.runsPerHour.toFixed(0).padStart(10)} ${result.sweep.twoWorkers.runsPerHour.toFixed(0).padStart(14)}   (x${result.sweep.speedup.toFixed(2)})`);
    console.log('                         local         remote');
    console.log(`ms per step (e2e)  ${localPerStep.toFixed(1).padStart(10)} ${remotePerStep.toFixed(1).padStart(14)}   overhead ${(overhead * 100).toFixed(1)}% (target <= ${OVERHEAD_TARGET * 100}%): ${result.perStep.pass ? 'PASS' : 'MISS'}`);
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'workers-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await redis.dispose();
  }
}

await main();
