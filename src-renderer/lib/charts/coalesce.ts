/**
 * Rate limits between main's events and the charts: a coalescer collects items (live step
 * batches) and hands them over at most once per interval, in arrival order and never dropping
 * one; a debouncer runs a call once input has been quiet for a while (compare re-queries).
 */

/** What both return: call it to cancel pending work (house rule 4: disposal registered at creation). */
export interface Disposable {
  dispose(): void;
}

export interface Coalescer<T> extends Disposable {
  /** Queue items; they are flushed together at most once per interval. */
  push(...items: readonly T[]): void;
  /** Flush now whatever is queued (no-op when empty). */
  flush(): void;
  /** Items waiting for the next flush. */
  readonly pending: number;
}

/**
 * Flushes queued items at most once every `intervalMs` (100 ms = 10 updates per second): the first
 * push after a quiet period flushes at the end of the interval, later pushes join that flush.
 */
export function createCoalescer<T>(onFlush: (items: T[]) => void, intervalMs = 100): Coalescer<T> {
  let queue: T[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    onFlush(items);
  };
  return {
    push(...items) {
      if (disposed || items.length === 0) return;
      queue.push(...items);
      timer ??= setTimeout(flush, intervalMs);
    },
    flush,
    get pending() {
      return queue.length;
    },
    dispose() {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      queue = [];
    },
  };
}

export interface Debouncer extends Disposable {
  /** (Re)start the quiet period; the call runs once it ends. */
  schedule(): void;
  /** Run now if scheduled. */
  flush(): void;
  /** Drop the scheduled call, if any (schedule() still works afterwards). */
  cancel(): void;
  readonly scheduled: boolean;
}

/** Runs `call` once `delayMs` have passed without another schedule(). */
export function createDebouncer(call: () => void, delayMs = 250): Debouncer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    call();
  };
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule() {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(run, delayMs);
    },
    flush() {
      if (timer === null) return;
      clearTimeout(timer);
      run();
    },
    get scheduled() {
      return timer !== null;
    },
    cancel,
    dispose: cancel,
  };
}
