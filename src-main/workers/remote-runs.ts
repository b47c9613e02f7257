/**
 * The app's side of remote training, assembled: one Redis connection for commands, one for the
 * stream reader, the BullMQ queue, and a stalled-job checker (so a dead worker is noticed even when
 * no other worker is alive). Gives the run manager a launcher per run and a RunStore that knows
 * remote runs; picks up, after a restart, the remote runs its database still has running. The app
 * process stays the only writer of the database: workers only send.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SqliteRunStore } from '../app/sqlite-run-store.js';
import { parseRunId } from '../app/sqlite-run-store.js';
import { requireRun } from '../db/runs-queries.js';
import { isProcessAlive } from '../runs/process-alive.js';
import type { RunStore } from '../runs/run-store.js';
import type { ChildLauncher } from '../trainer/trainer-host.js';
import { livenessTimings, type LivenessTimings } from './liveness.js';
import { checkRedis, openRedis, parseRedisUrl, type RedisTarget } from './redis-connection.js';
import { remoteLink } from './remote-link.js';
import { controlKeyOf, jobIdOf, QUEUE_NAME, streamKeyOf } from './remote-protocol.js';
import { remoteRunStore } from './remote-run-store.js';
import { setRemoteJob, setRunWorker, storedTrainEvents, unfinishedRemoteRuns } from './remote-run-queries.js';
import { StreamReader } from './stream-reader.js';
import type { WorkersStatus } from '../../src-shared/contract.js';
import { listWorkers } from './worker-registry.js';

export interface RemoteRunsOptions {
  readonly url: string;
  /** How soon a dead worker's run is marked crashed (ms); see liveness.ts. */
  readonly lostAfterMs?: number;
  /**
   * Pick up remote runs that an app which is no longer running left running (long-lived apps:
   * serve, the desktop app). One-shot commands (run, sweep) leave them alone: they would stop them
   * again when they end.
   */
  readonly resume?: boolean;
}

export class RemoteRuns {
  private readonly lost = new Map<string, string>();
  private readonly stalledChecker: Worker;
  /** BullMQ does not close connections it was given; these are closed here. */
  private readonly connections: Redis[] = [];

  private constructor(
    readonly target: RedisTarget,
    private readonly redis: Redis,
    private readonly reader: StreamReader,
    private readonly queue: Queue,
    private readonly timings: LivenessTimings,
    connections: Redis[],
    private readonly resume: boolean,
  ) {
    const checkerConnection = openRedis(target);
    this.connections.push(...connections, checkerConnection);
    this.stalledChecker = new Worker(QUEUE_NAME, null, {
      connection: checkerConnection,
      autorun: false,
      lockDuration: timings.lockDuration,
      stalledInterval: timings.stalledInterval,
      maxStalledCount: 0,
    });
    this.stalledChecker.on('error', () => {});
    void this.stalledChecker.startStalledCheckTimer().catch(() => {});
  }

  /** Checks the URL and the server (one-line RedisSetupError if unreachable or the password is wrong), then connects. */
  static async connect(options: RemoteRunsOptions): Promise<RemoteRuns> {
    const target = parseRedisUrl(options.url);
    await checkRedis(target);
    const redis = openRedis(target);
    const readerRedis = openRedis(target);
    const queueConnection = openRedis(target);
    const queue = new Queue(QUEUE_NAME, { connection: queueConnection });
    queue.on('error', () => {});
    return new RemoteRuns(target, redis, new StreamReader(readerRedis), queue, livenessTimings(options.lostAfterMs), [redis, readerRedis, queueConnection], options.resume ?? false);
  }

  /** Wires this to an app's store: returns the run manager's store and launcher factory. */
  attach(store: SqliteRunStore): { store: RunStore; launcherForRun: (runId: string) => ChildLauncher } {
    const { db } = store;
    const wrapped = remoteRunStore(store, {
      lostReason: (runId) => this.lost.get(runId),
      ended: (runId) => void this.cleanUp(requireRun(db, parseRunId(runId)).createdAt, runId),
    });
    const launcherForRun = (runId: string): ChildLauncher => {
      const run = requireRun(db, parseRunId(runId));
      const jobId = jobIdOf(runId, run.createdAt);
      setRemoteJob(db, run.id, jobId);
      const resuming = run.status === 'running';
      const resumeAfterStep = resuming ? (run.lastStep ?? -1) : null;
      const storedEvents = resuming ? storedTrainEvents(db, run.id) : [];
      return () =>
        remoteLink(
          { runId, runName: run.name, jobId, resumeAfterStep, storedEvents },
          {
            queue: this.queue,
            redis: this.redis,
            reader: this.reader,
            timings: this.timings,
            onWorker: (id, worker) => setRunWorker(db, parseRunId(id), worker),
            onLost: (id, reason) => this.lost.set(id, reason),
          },
        );
    };
    return { store: wrapped, launcherForRun };
  }

  /** With `resume`: remote runs whose app stopped mid-sweep (its process is gone), for adopt(). */
  unfinished(store: SqliteRunStore): { runId: string; name: string }[] {
    return this.resume ? unfinishedRemoteRuns(store.db, isProcessAlive) : [];
  }

  /** What the Workers view shows: this Redis (no password) and its live workers. */
  async status(): Promise<WorkersStatus> {
    return { redis: this.target.label, workers: await listWorkers(this.redis) };
  }

  private async cleanUp(createdAt: number, runId: string): Promise<void> {
    const jobId = jobIdOf(runId, createdAt);
    this.lost.delete(runId);
    await this.redis.del(streamKeyOf(jobId), controlKeyOf(jobId)).catch(() => {});
  }

  async close(): Promise<void> {
    void this.reader.close();
    await this.stalledChecker.close(true).catch(() => {});
    await this.queue.close().catch(() => {});
    for (const connection of this.connections) connection.disconnect();
  }
}
