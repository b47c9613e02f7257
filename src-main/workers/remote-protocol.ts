/**
 * What the app and a remote worker agree on: the BullMQ queue, the Redis keys of a run's message
 * stream and control flag, the job payload and its format version, and how a trainer child's
 * messages travel through a Redis stream. It holds no connection and starts nothing.
 *
 * Why Redis Streams (one per run) and not BullMQ's QueueEvents/progress for the data path: a stream
 * is durable and replayable from any id, so an app that restarts mid-sweep reads on from where its
 * database ends (no step lost), and the app pulls at its own pace (XREAD COUNT n), which is the
 * back-pressure: the worker never waits on the app, and the app never holds more than one batch
 * per run in memory. QueueEvents is a single capped, fire-and-forget event stream shared by the
 * whole queue: it drops old entries and cannot be replayed per run. BullMQ still owns the work
 * itself: queueing, one worker per job, locks, and stalled-job detection (a worker that died).
 */
import { deserialize, serialize } from 'node:v8';
import { validateRunConfig, type RunConfig } from '../../src-shared/run-config.js';
import { err, ok, type Result } from '../../src-shared/result.js';
import type { ChildMessage } from '../trainer/trainer-messages.js';

/** Bump when RemoteJob changes shape; a worker refuses jobs from a newer format. */
export const REMOTE_JOB_FORMAT = 1;

export const QUEUE_NAME = 'hmpo-lab-runs';
const KEY_PREFIX = 'hmpo-lab';

/** A run as a BullMQ job: everything a worker needs, nothing that names the app's machine. */
export interface RemoteJob {
  readonly format: number;
  /** The run's id in the app's database (for display on the worker and the Workers view). */
  readonly runId: string;
  readonly runName: string;
  readonly config: unknown;
}

/** One job id per run, unique across databases sharing a Redis: the run id plus its creation time. */
export function jobIdOf(runId: string, createdAt: number): string {
  return `run-${runId}-${createdAt}`;
}

export const streamKeyOf = (jobId: string): string => `${KEY_PREFIX}:stream:${jobId}`;
/** The app sets this to 'stop' (graceful) or 'kill'; the worker polls it. */
export const controlKeyOf = (jobId: string): string => `${KEY_PREFIX}:control:${jobId}`;
export const WORKERS_SET = `${KEY_PREFIX}:workers`;
export const workerKeyOf = (name: string): string => `${KEY_PREFIX}:worker:${name}`;

/**
 * What flows through a run's stream: the trainer child's own messages, unchanged, plus who took
 * the job and how the child exited. The app's remote link replays them as if the child were local.
 */
export type StreamEntry =
  | { readonly type: 'claimed'; readonly worker: string }
  | { readonly type: 'child'; readonly message: ChildMessage }
  | { readonly type: 'exit'; readonly exitCode: number | null; readonly signal: NodeJS.Signals | null };

/**
 * v8 serialisation, as `child_process.fork` with serialization 'advanced' uses: NaN, typed arrays
 * and Maps (checkpoint weights) survive exactly, so remote rows match local ones bit for bit.
 * App and workers therefore run the same Node major version (the README says so).
 */
export function encodeEntry(entry: StreamEntry): Buffer {
  return serialize(entry);
}

export function decodeEntry(data: Buffer): StreamEntry {
  return deserialize(data) as StreamEntry;
}

/** Checks a job as a worker receives it: known format, and a config the app's own schema accepts. */
export function validateRemoteJob(data: unknown): Result<{ job: RemoteJob; config: RunConfig }> {
  const job = data as Partial<RemoteJob> | null;
  if (job === null || typeof job !== 'object' || typeof job.format !== 'number') return err('INVALID_JOB', 'the job is not an HMPO Lab run (no format number)');
  if (job.format > REMOTE_JOB_FORMAT) {
    return err('JOB_TOO_NEW', `the job uses format ${job.format} but this worker reads format ${REMOTE_JOB_FORMAT} at most: upgrade HMPO Lab on this worker to the app's version`);
  }
  const config = validateRunConfig(job.config);
  if (!config.ok) return err(config.error.code, `invalid config: ${config.error.message.split('\n').join('; ')}`);
  return ok({ job: job as RemoteJob, config: config.value });
}
