/**
 * Opening Redis for the app and for workers: `redis://` or `rediss://` (TLS) URLs with an optional
 * password (`redis://:PASSWORD@host:6379`), checked once up front so that an unreachable server or
 * a wrong password is one clear line instead of endless reconnect noise. After that check,
 * connections reconnect forever (a Redis restart mid-sweep is survived, commands wait for it).
 * It creates connections; it does not know about queues or runs.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** A Redis problem a user can fix: the message is one line and never contains the password. */
export class RedisSetupError extends Error {
  override readonly name = 'RedisSetupError';
}

export interface RedisTarget {
  readonly url: string;
  /** host:port, for messages (never the password). */
  readonly label: string;
}

/** Checks the URL's shape; throws RedisSetupError naming what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisSetupError(`--redis '${url}' is not a URL; expected redis://[:password@]host[:port] or rediss:// for TLS`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisSetupError(`--redis must start with redis:// or rediss:// (TLS), got '${parsed.protocol}//'`);
  }
  return { url, label: `${parsed.hostname}:${parsed.port || '6379'}${parsed.protocol === 'rediss:' ? ' (TLS)' : ''}` };
}

/** BullMQ needs maxRetriesPerRequest null: commands wait through a reconnect instead of failing. */
const LASTING: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (attempt) => Math.min(50 * attempt, 1000) };

/** A connection that reconnects forever; use after `checkRedis` passed. */
export function openRedis(target: RedisTarget): Redis {
  const redis = new Redis(target.url, LASTING);
  // Errors while reconnecting are expected during a Redis restart; ioredis retries on its own.
  redis.on('error', () => {});
  return redis;
}

function describe(error: unknown, target: RedisTarget): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (/WRONGPASS|invalid username-password/i.test(message)) return `Redis at ${target.label} refused the password in the URL (WRONGPASS)`;
  if (/NOAUTH/i.test(message)) return `Redis at ${target.label} needs a password: put it in the URL, redis://:PASSWORD@host:port`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN/.test(`${code} ${message}`)) return `cannot reach Redis at ${target.label} (${code || message.split(' ')[0]}); is redis-server running there?`;
  return `Redis at ${target.label}: ${message.split('\n')[0]}`;
}

/** One connection attempt and a PING, with a time limit; throws RedisSetupError with one line. */
export async function checkRedis(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const probe = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError: unknown;
  probe.on('error', (error) => (lastError = error));
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new RedisSetupError(describe(lastError ?? error, target));
  } finally {
    probe.disconnect();
  }
}
