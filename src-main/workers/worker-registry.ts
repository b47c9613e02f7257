/**
 * The Workers view's data: each worker publishes a small JSON record under its own key with a
 * short expiry (remote-worker.ts); the app lists the names in one set and reads the records that
 * have not expired. A worker that died simply stops appearing; its name is pruned from the set.
 */
import type { Redis } from 'ioredis';
import type { WorkerSummary } from '../../src-shared/contract.js';
import { workerKeyOf, WORKERS_SET } from './remote-protocol.js';

/** The record a worker publishes is what the Workers view shows. */
export type WorkerInfo = WorkerSummary;

export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const names = (await redis.smembers(WORKERS_SET)).sort();
  if (names.length === 0) return [];
  const records = await redis.mget(names.map(workerKeyOf));
  const gone = names.filter((_, i) => records[i] === null);
  if (gone.length > 0) await redis.srem(WORKERS_SET, ...gone);
  return records.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerInfo);
}
