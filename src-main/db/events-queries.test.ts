// Event log: TrainEvents, status changes and errors appended per run and listed oldest first.
import { describe, expect, it } from 'vitest';
import { appendEvent, appendEvents, listEvents, type RunEvent } from './events-queries.js';
import { addRun, useTestDatabase } from './test-fixtures.js';

const store = useTestDatabase();

describe('events', () => {
  it('round-trips every kind with its step, per run, oldest first', () => {
    const run = addRun(store.db);
    const other = addRun(store.db);
    const events: RunEvent[] = [
      { kind: 'nonfinite-skip', step: 5, consecutive: 2, detail: 'loss is NaN' },
      { kind: 'qk-clip', step: 6, heads: [{ layer: 0, head: 2, sMax: 130, gamma: 100 / 130 }] },
      { kind: 'warm-start', steps: 50, finalLoss: 0.25 },
      { kind: 'eval', step: 10, reward: 0.5, successRate: 0.25 },
      { kind: 'checkpoint', step: 10 },
      { kind: 'error', code: 'TRAINER_CRASHED', message: 'out of memory' },
    ];
    appendEvents(store.db, run, events, 5000);
    appendEvent(store.db, other, { kind: 'checkpoint', step: 1 });
    const stored = listEvents(store.db, run, { kinds: ['nonfinite-skip', 'qk-clip', 'warm-start', 'eval', 'checkpoint', 'error'] });
    expect(stored.map((e) => e.event)).toEqual(events);
    expect(stored.map((e) => e.step)).toEqual([5, 6, null, 10, 10, null]);
    expect(stored.every((e) => e.createdAt === 5000 && e.runId === run)).toBe(true);
  });

  it('filters by kind and tails after an id', () => {
    const run = addRun(store.db); // logs its 'queued' status event
    const first = appendEvent(store.db, run, { kind: 'checkpoint', step: 1 });
    appendEvent(store.db, run, { kind: 'qk-clip', step: 2, heads: [] });
    expect(listEvents(store.db, run, { kinds: ['qk-clip'] }).map((e) => e.step)).toEqual([2]);
    expect(listEvents(store.db, run, { afterId: first }).map((e) => e.event.kind)).toEqual(['qk-clip']);
    expect(listEvents(store.db, run, { limit: 1 }).map((e) => e.event.kind)).toEqual(['status']);
  });

  it('lists the newest events, oldest first, so a long run shows how it ended', () => {
    const run = addRun(store.db);
    appendEvents(store.db, run, Array.from({ length: 10 }, (_, step) => ({ kind: 'qk-clip' as const, step, heads: [] })));
    appendEvent(store.db, run, { kind: 'eval', step: 10, reward: 0.5, successRate: 0.25 });
    expect(listEvents(store.db, run, { limit: 3, newest: true }).map((e) => e.step)).toEqual([8, 9, 10]);
    expect(listEvents(store.db, run, { limit: 3 }).map((e) => e.event.kind)).toEqual(['status', 'qk-clip', 'qk-clip']);
  });
});
