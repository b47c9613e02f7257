// Rate limiting: live step batches reach the charts at most once per interval, in order and none
// lost; compare re-queries wait for the controls to be quiet.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCoalescer, createDebouncer, nextFrame } from './coalesce.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createCoalescer', () => {
  it('hands over every item, in order, at most once per interval', () => {
    const flushes: number[][] = [];
    const coalescer = createCoalescer<number>((items) => flushes.push(items), 100);
    for (let i = 0; i < 50; i++) {
      coalescer.push(i);
      vi.advanceTimersByTime(10); // 100 pushes per second
    }
    vi.advanceTimersByTime(100);
    expect(flushes.flat()).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(flushes.length).toBeLessThanOrEqual(6); // 500 ms of pushes -> about 5 flushes, never 50
    expect(flushes.length).toBeGreaterThanOrEqual(5);
  });

  it('joins batches pushed within one interval into one flush', () => {
    const flushes: string[][] = [];
    const coalescer = createCoalescer<string>((items) => flushes.push(items), 100);
    coalescer.push('a', 'b');
    coalescer.push('c');
    expect(coalescer.pending).toBe(3);
    vi.advanceTimersByTime(99);
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushes).toEqual([['a', 'b', 'c']]);
  });

  it('flushes on demand and drops everything once disposed', () => {
    const flushes: number[][] = [];
    const coalescer = createCoalescer<number>((items) => flushes.push(items), 100);
    coalescer.push(1);
    coalescer.flush();
    expect(flushes).toEqual([[1]]);
    coalescer.push(2);
    coalescer.dispose();
    coalescer.push(3);
    vi.advanceTimersByTime(500);
    expect(flushes).toEqual([[1]]);
  });
});

describe('createDebouncer', () => {
  it('runs once after the input has been quiet for the delay', () => {
    const call = vi.fn();
    const debouncer = createDebouncer(call, 250);
    debouncer.schedule();
    vi.advanceTimersByTime(200);
    debouncer.schedule();
    vi.advanceTimersByTime(200);
    expect(call).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('can be cancelled and flushed', () => {
    const call = vi.fn();
    const debouncer = createDebouncer(call, 250);
    debouncer.schedule();
    debouncer.cancel();
    vi.advanceTimersByTime(1000);
    expect(call).not.toHaveBeenCalled();
    debouncer.schedule();
    expect(debouncer.scheduled).toBe(true);
    debouncer.flush();
    expect(call).toHaveBeenCalledTimes(1);
    expect(debouncer.scheduled).toBe(false);
  });
});

describe('createCoalescer per animation frame (nextFrame)', () => {
  it('flushes once per frame, or after the fallback when no frame comes (a hidden window)', () => {
    let frame: (() => void) | null = null;
    vi.stubGlobal('requestAnimationFrame', (run: () => void) => ((frame = run), 1));
    vi.stubGlobal('cancelAnimationFrame', () => (frame = null));
    try {
      const flushes: number[][] = [];
      const coalescer = createCoalescer<number>((items) => flushes.push(items), nextFrame(250));
      coalescer.push(1, 2);
      coalescer.push(3);
      expect(flushes).toEqual([]);
      frame!();
      expect(flushes).toEqual([[1, 2, 3]]);
      vi.advanceTimersByTime(1000); // the fallback of a flushed frame never fires
      expect(flushes).toHaveLength(1);
      coalescer.push(4);
      vi.advanceTimersByTime(249);
      expect(flushes).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(flushes).toEqual([[1, 2, 3], [4]]);
      expect(frame).toBeNull(); // the frame it no longer needs was cancelled
      coalescer.push(5);
      coalescer.dispose();
      vi.advanceTimersByTime(1000);
      expect(flushes).toHaveLength(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
