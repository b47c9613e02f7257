/**
 * Rate limits between main's events and the charts: a coalescer collects items (live step
 * batches, run summaries) and hands them over at most once per interval or animation frame, in
 * arrival order and never dropping one; a debouncer runs a call once input has been quiet for a
 * while (compare re-queries).
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

/** Runs `run` later, once; returns a function that cancels it. */
export type Scheduler = (run: () => void) => () => void;

/** After `ms` milliseconds. */
export const afterMs =
  (ms: number): Scheduler =>
  (run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  };

/**
 * Before the next paint: one flush per animation frame. A hidden window gets no frames, so a
 * timer also fires after `fallbackMs` and the queue cannot grow while nobody looks.
 */
export const nextFrame =
  (fallbackMs = 250): Scheduler =>
  (run) => {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      cancel();
      run();
    };
    const timer = setTimeout(once, fallbackMs);
    const frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(once) : null;
    const cancel = () => {
      clearTimeout(timer);
      if (frame !== null) cancelAnimationFrame(frame);
    };
    return () => {
      done = true;
      cancel();
    };
  };

/**
 * Flushes queued items at most once every `intervalMs` (100 ms = 10 updates per second), or once
 * per `Scheduler` turn (nextFrame()): the first push after a quiet period schedules the flush,
 * later pushes join it.
 */
export function createCoalescer<T>(onFlush: (items: T[]) => void, interval: number | Scheduler = 100): Coalescer<T> {
  const schedule = typeof interval === 'number' ? afterMs(interval) : interval;
  let queue: T[] = [];
  let cancel: (() => void) | null = null;
  let disposed = false;
  const flush = () => {
    cancel?.();
    cancel = null;
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    onFlush(items);
  };
  return {
    push(...items) {
      if (disposed || items.length === 0) return;
      queue.push(...items);
      cancel ??= schedule(flush);
    },
    flush,
    get pending() {
      return queue.length;
    },
    dispose() {
      disposed = true;
      cancel?.();
      cancel = null;
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
