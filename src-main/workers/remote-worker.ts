/**
 * The worker side of remote training: takes run jobs from the BullMQ queue and trains each in its
 * own trainer child, launched exactly as the app launches a local one (trainer-host's forkLauncher
 * and trainerEntry). It relays every message of the child, unchanged, to the run's Redis stream,
 * then how the child exited; it polls the run's control key for stop/kill; it publishes a heartbeat
 * for the app's Workers view. It never opens a database: the app that queued a run writes its rows.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BackendChoice } from '../../src-shared/run-config.js';
import { forkLauncher, trainerEntry, type ChildLink } from '../trainer/trainer-host.js';
import { livenessTimings } from './liveness.js';
import { openRedis, type RedisTarget } from './redis-connection.js';
import { controlKeyOf, encodeEntry, QUEUE_NAME, streamKeyOf, validateRemoteJob, workerKeyOf, WORKERS_SET, type StreamEntry } from './remote-protocol.js';
import type { WorkerInfo } from './worker-registry.js';

export interface RemoteWorkerOptions {
  readonly target: RedisTarget;
  readonly name?: string;
  readonly concurrency?: number;
  /** Overrides each job's config.backend (this machine's best backend), when given. */
  readonly backend?: BackendChoice;
  readonly lostAfterMs?: number;
  /** One line per job start/end and every refusal. */
  readonly log?: (line: string) => void;
}

interface LiveJob {
  readonly runId: string;
  readonly runName: string;
  readonly link: ChildLink;
  control: string | null;
}

const HEARTBEAT_MS = 1000;
const CONTROL_POLL_MS = 200;

/** Appends entries to a run's stream with ids 0-1, 0-2, ...: a command ioredis resends after a reconnect is refused, never stored twice. */
class StreamWriter {
  private seq = 0;
  private last: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onError: (error: Error) => void,
  ) {}

  append(entry: StreamEntry): Promise<unknown> {
    const id = `0-${++this.seq}`;
    this.last = this.redis.xadd(this.key, id, 'e', encodeEntry(entry)).catch((error: Error) => {
      if (!/equal or smaller than the target stream top item/.test(error.message)) this.onError(error);
    });
    return this.last;
  }
}

export class RemoteWorker {
  readonly name: string;
  private readonly redis: Redis;
  /** BullMQ's own connection; BullMQ does not close a connection it was given. */
  private readonly workerRedis: Redis;
  private readonly worker: Worker;
  private readonly live = new Map<string, LiveJob>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAt = Date.now();
  private readonly log: (line: string) => void;

  constructor(private readonly options: RemoteWorkerOptions) {
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.redis = openRedis(options.target);
    this.workerRedis = openRedis(options.target);
    const timings = livenessTimings(options.lostAfterMs);
    this.worker = new Worker(QUEUE_NAME, (job: Job) => this.process(job), {
      connection: this.workerRedis,
      concurrency: options.concurrency ?? 1,
      name: this.name,
      lockDuration: timings.lockDuration,
      stalledInterval: timings.stalledInterval,
      // A job whose worker died is never handed to another worker: the app marks its run crashed.
      maxStalledCount: 0,
    });
    this.worker.on('error', () => {}); // connection errors during a Redis restart; BullMQ reconnects
    this.timers.push(setInterval(() => void this.heartbeat().catch(() => {}), HEARTBEAT_MS));
    this.timers.push(setInterval(() => void this.pollControl().catch(() => {}), CONTROL_POLL_MS));
    void this.heartbeat().catch(() => {});
  }

  get info(): WorkerInfo {
    return {
      name: this.name,
      host: hostname(),
      backend: this.options.backend ?? 'per run',
      concurrency: this.options.concurrency ?? 1,
      runs: [...this.live.values()].map((j) => ({ runId: j.runId, name: j.runName })),
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
    };
  }

  private async process(job: Job): Promise<{ exitCode: number | null; signal: string | null }> {
    const jobId = job.id!;
    const out = new StreamWriter(this.redis, streamKeyOf(jobId), (error) => this.log(`hmpo-lab worker: could not send to Redis: ${error.message}`));
    void out.append({ type: 'claimed', worker: this.name });
    const checked = validateRemoteJob(job.data);
    if (!checked.ok) {
      const message = `worker ${this.name} refused job ${jobId}: ${checked.error.message}`;
      this.log(`hmpo-lab worker: ${message}`);
      void out.append({ type: 'child', message: { type: 'error', error: { code: checked.error.code, message } } });
      await out.append({ type: 'exit', exitCode: 1, signal: null });
      throw new UnrecoverableError(message);
    }
    const { job: remote, config } = checked.value;
    const runConfig = this.options.backend ? { ...config, backend: this.options.backend } : config;
    const link = forkLauncher(trainerEntry());
    const entry: LiveJob = { runId: remote.runId, runName: remote.runName, link, control: null };
    this.live.set(jobId, entry);
    this.log(`hmpo-lab worker: ${this.name} training run ${remote.runId} (${remote.runName})`);
    void this.heartbeat().catch(() => {});
    const exit = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      link.onMessage((message) => {
        if (message.type === 'ready') link.send({ type: 'start', config: runConfig });
        else {
          const appended = out.append({ type: 'child', message });
          // The exit protocol: the trainer leaves only once its outcome is delivered, here into the stream.
          if (message.type === 'done' || message.type === 'error') void appended.then(() => link.send({ type: 'received' }));
        }
      });
      link.onExit((exitCode, signal) => resolve({ exitCode, signal }));
      link.onError((error) => {
        void out.append({ type: 'child', message: { type: 'error', error: { code: 'SPAWN_FAILED', message: `worker ${this.name} could not start a trainer: ${error.message}` } } });
        resolve({ exitCode: 1, signal: null });
      });
    });
    await out.append({ type: 'exit', ...exit });
    this.live.delete(jobId);
    this.log(`hmpo-lab worker: ${this.name} run ${remote.runId} ended (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`})`);
    void this.heartbeat().catch(() => {});
    return exit;
  }

  /** Stop requests travel as a key per job (durable through reconnects), polled a few times a second. */
  private async pollControl(): Promise<void> {
    const jobs = [...this.live.entries()];
    if (jobs.length === 0) return;
    const values = await this.redis.mget(jobs.map(([id]) => controlKeyOf(id)));
    jobs.forEach(([, job], i) => {
      const value = values[i] ?? null;
      if (value === job.control) return;
      job.control = value;
      if (value === 'stop') job.link.send({ type: 'stop' });
      if (value === 'kill') job.link.kill();
    });
  }

  private async heartbeat(): Promise<void> {
    const key = workerKeyOf(this.name);
    await this.redis
      .multi()
      .set(key, JSON.stringify(this.info), 'PX', HEARTBEAT_MS * 5)
      .sadd(WORKERS_SET, this.name)
      .exec();
  }

  /** Graceful: asks every trainer to stop after its step, waits for the jobs to end, leaves the registry. */
  async close(): Promise<void> {
    for (const job of this.live.values()) job.link.send({ type: 'stop' });
    await this.worker.close();
    for (const timer of this.timers) clearInterval(timer);
    await this.redis.multi().del(workerKeyOf(this.name)).srem(WORKERS_SET, this.name).exec().catch(() => {});
    this.redis.disconnect();
    this.workerRedis.disconnect();
  }
}
