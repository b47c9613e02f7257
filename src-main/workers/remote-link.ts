/**
 * A remote run made to look like a local trainer child: a ChildLink (trainer-host.ts) whose
 * messages come from the run's Redis stream and whose exit is the worker's report of its child's
 * exit. The run manager drives it exactly like a forked child ('ready' -> 'start', 'stop', kill),
 * so store writes, statuses and UI streaming are the local code paths. On 'start' it queues the
 * BullMQ job (or, after an app restart, attaches to the job already there and skips what the
 * database already holds). It also watches the job: a job BullMQ found stalled means the worker
 * died, and the link then exits as killed, after the stream's last entries were read.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChildLink } from '../trainer/trainer-host.js';
import type { ChildMessage, ParentMessage } from '../trainer/trainer-messages.js';
import type { LivenessTimings } from './liveness.js';
import { controlKeyOf, REMOTE_JOB_FORMAT, streamKeyOf, type RemoteJob, type StreamEntry } from './remote-protocol.js';
import type { StreamReader } from './stream-reader.js';

export interface RemoteLinkPlan {
  readonly runId: string;
  readonly runName: string;
  readonly jobId: string;
  /** null: a new run (queue the job); a number or -1: resume, skipping steps up to this one (-1: none stored). */
  readonly resumeAfterStep: number | null;
  /** When resuming: the events already stored (payload JSON), each skipped once when the stream replays it. */
  readonly storedEvents?: readonly string[];
}

export interface RemoteLinkDeps {
  readonly queue: Queue;
  readonly redis: Redis;
  readonly reader: StreamReader;
  readonly timings: LivenessTimings;
  /** The worker that took the job (from its 'claimed' entry). */
  onWorker(runId: string, worker: string): void;
  /** The worker died or the job vanished: the run's end reason (the link then exits as killed). */
  onLost(runId: string, reason: string): void;
}

const CONTROL_TTL_S = 7 * 24 * 3600;

export function remoteLink(plan: RemoteLinkPlan, deps: RemoteLinkDeps): ChildLink {
  const messageListeners: ((message: ChildMessage) => void)[] = [];
  const exitListeners: ((exitCode: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  const errorListeners: ((error: Error) => void)[] = [];
  const streamKey = streamKeyOf(plan.jobId);
  let worker: string | null = null;
  let exited = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let lastStep = plan.resumeAfterStep ?? -1;
  const resuming = plan.resumeAfterStep !== null;
  const storedEvents = new Map<string, number>();
  for (const json of plan.storedEvents ?? []) storedEvents.set(json, (storedEvents.get(json) ?? 0) + 1);

  const emit = (message: ChildMessage) => {
    for (const listener of messageListeners) listener(message);
  };
  const exit = (exitCode: number | null, signal: NodeJS.Signals | null) => {
    if (exited) return;
    exited = true;
    clearInterval(pollTimer);
    deps.reader.unsubscribe(streamKey);
    for (const listener of exitListeners) listener(exitCode, signal);
  };

  const onEntry = (entry: StreamEntry) => {
    if (exited) return;
    if (entry.type === 'claimed') {
      worker = entry.worker;
      deps.onWorker(plan.runId, entry.worker);
    } else if (entry.type === 'exit') {
      exit(entry.exitCode, entry.signal);
    } else {
      // After a restart, what the database holds is skipped: steps are stored in order, so every step
      // up to the last stored one; events one for one (they are stored a little after their step).
      if (entry.message.type === 'step') {
        if (entry.message.record.step <= lastStep) return;
        lastStep = entry.message.record.step;
      } else if (entry.message.type === 'event' && resuming) {
        const json = JSON.stringify(entry.message.event);
        const left = storedEvents.get(json) ?? 0;
        if (left > 0) {
          storedEvents.set(json, left - 1);
          return;
        }
      }
      emit(entry.message);
    }
  };

  /** Ends the run as lost once the stream's remaining entries were read (they may hold its last steps). */
  const lose = (reason: string) => {
    deps.reader.drain(streamKey, () => {
      if (exited) return;
      deps.onLost(plan.runId, reason);
      exit(null, 'SIGKILL');
    });
  };

  const watch = async () => {
    if (exited) return;
    const job = await deps.queue.getJob(plan.jobId);
    if (exited) return;
    if (!job) {
      lose(`its job ${plan.jobId} is gone from Redis (was Redis flushed or restarted without persistence?)`);
      return;
    }
    if (job.stalledCounter > 0) {
      const who = worker ?? job.processedBy ?? 'that took it';
      await job.remove().catch(() => {}); // no other worker may pick it up
      lose(`worker ${who} stopped responding: BullMQ found its job stalled (no lock renewal for ${deps.timings.lockDuration / 1000}s); the worker process or its machine is gone`);
    }
  };

  const start = async (config: unknown) => {
    if (!resuming) {
      const data: RemoteJob = { format: REMOTE_JOB_FORMAT, runId: plan.runId, runName: plan.runName, config };
      await deps.queue.add('run', data, { jobId: plan.jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } });
    }
    deps.reader.subscribe(streamKey, onEntry);
    pollTimer = setInterval(() => void watch().catch(() => {}), deps.timings.pollMs);
  };

  /** A job no worker has taken yet is simply removed; otherwise the worker sees the control key. */
  const control = async (value: 'stop' | 'kill') => {
    await deps.redis.set(controlKeyOf(plan.jobId), value, 'EX', CONTROL_TTL_S);
    const job = await deps.queue.getJob(plan.jobId);
    if (job && (await job.isWaiting()) && (await job.remove().then(() => true, () => false))) {
      if (value === 'stop') emit({ type: 'done', outcome: { status: 'stopped', steps: 0 } });
      exit(value === 'stop' ? 0 : null, value === 'stop' ? null : 'SIGKILL');
    }
  };

  const fail = (error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    if (exited) return;
    for (const listener of errorListeners) listener(new Error(`Redis: ${e.message}`));
    exit(1, null);
  };

  // The run manager attaches its listeners right after launching; then the "child" is ready.
  setImmediate(() => emit({ type: 'ready' }));

  return {
    pid: undefined,
    send(message: ParentMessage) {
      if (exited) return;
      if (message.type === 'start') void start(message.config).catch(fail);
      else if (message.type === 'stop') void control('stop').catch(() => {});
      // 'received' (the exit protocol's acknowledgement) is not forwarded: the worker acknowledges its
      // trainer itself once the outcome is safely in the run's stream (remote-worker.ts).
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onExit: (listener) => void exitListeners.push(listener),
    onError: (listener) => void errorListeners.push(listener),
    kill: () => void control('kill').catch(() => {}),
  };
}
