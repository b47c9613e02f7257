/**
 * The app's one reader of every remote run's stream: a single loop of non-blocking XREADs over all
 * subscribed streams, at most `batch` entries per stream per read, handed synchronously to each
 * subscriber before the next read. That is the back-pressure: the app holds at most one batch per
 * run, and whatever it has not read yet waits, durably, in Redis. Read errors (Redis restarting)
 * are retried; the cursor only moves past entries that were handed over.
 */
import type { Redis } from 'ioredis';
import { decodeEntry, type StreamEntry } from './remote-protocol.js';

interface Subscription {
  cursor: string;
  readonly onEntry: (entry: StreamEntry) => void;
  /** Called once the stream has nothing more after a drain was requested. */
  onDrained?: () => void;
}

const IDLE_MS = 50;

export class StreamReader {
  private readonly subscriptions = new Map<string, Subscription>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly batch = 256,
  ) {
    this.loop = this.run();
  }

  /** Reads `key` from after `cursor` ('0' for the start). */
  subscribe(key: string, onEntry: (entry: StreamEntry) => void, cursor = '0'): void {
    this.subscriptions.set(key, { cursor, onEntry });
  }

  unsubscribe(key: string): void {
    this.subscriptions.delete(key);
  }

  /** Calls `done` once everything already in the stream has been handed over. */
  drain(key: string, done: () => void): void {
    const sub = this.subscriptions.get(key);
    if (sub) sub.onDrained = done;
    else done();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const keys = [...this.subscriptions.keys()];
      let got = 0;
      if (keys.length > 0) {
        try {
          const result = await this.redis.xreadBuffer('COUNT', this.batch, 'STREAMS', ...keys, ...keys.map((k) => this.subscriptions.get(k)!.cursor));
          const seen = new Set<string>();
          for (const [keyBuffer, entries] of result ?? []) {
            const key = keyBuffer.toString();
            const sub = this.subscriptions.get(key);
            if (!sub) continue;
            seen.add(key);
            for (const [id, fields] of entries) {
              sub.cursor = id.toString();
              got += 1;
              sub.onEntry(decodeEntry(fields[1]!));
              if (this.subscriptions.get(key) !== sub) break; // the subscriber ended on this entry
            }
          }
          for (const key of keys) {
            const sub = this.subscriptions.get(key);
            if (sub?.onDrained && !seen.has(key)) sub.onDrained();
          }
        } catch {
          // Redis is restarting or unreachable: ioredis reconnects; try again shortly.
        }
      }
      if (got === 0) await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    }
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
