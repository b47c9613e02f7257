/**
 * metrics:compare reads each compared run's record (its `runs` row) once per request, whatever the
 * number of keys, with or without the summary, ended or not (issue 11: "reading each run once"). Counted on a real
 * SQLite file through the app's dispatch: better-sqlite3's Statement.get is wrapped to count the
 * run-by-id reads, the real database answers underneath. Unknown runs are still refused with one line.
 */
import type { Statement } from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CompareRequest } from '../../src-shared/contract.js';
import { markRunEnded, markRunStarted } from '../db/runs-queries.js';
import { useCompareApp } from './test-compare-app.js';

// Two ended runs (their outcome inputs come from the summary stored at the end), two still queued.
const fixture = useCompareApp([0, 1, 2, 3], 30, (app, id, seed) => {
  if (seed % 2 === 1) {
    markRunStarted(app.db, id, { pid: 1 });
    markRunEnded(app.db, id, { status: 'finished', exitCode: 0 });
  }
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** Runs `work` and returns how many times each run's record was read by id meanwhile. */
async function runReads(work: () => Promise<unknown>): Promise<Map<string, number>> {
  const prototype = Object.getPrototypeOf(fixture.app.db.prepare('SELECT 1')) as Statement;
  const original = prototype.get;
  const reads = new Map<string, number>();
  const spy = vi.spyOn(prototype, 'get').mockImplementation(function (this: Statement, ...params: unknown[]) {
    if (/\bFROM runs\b[^()]*\bWHERE runs\.id = \?/.test(this.source)) reads.set(String(params[0]), (reads.get(String(params[0])) ?? 0) + 1);
    return original.apply(this, params);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return reads;
}

const base: CompareRequest = { runIds: [], key: 'charts/reward_mean', x: 'samples', gridPoints: 20, smoothing: 0.3, band: 'ci95', target: null };

describe('metrics:compare reads each run once', () => {
  it.each([
    ['the main metric with its summary', { ...base }],
    ['five panel metrics in one request', { ...base, key: 'ratio/am_gm_gap', keys: ['ratio/half_var_log_ratio', 'ratio/a0', 'ratio/g0', 'ratio/h0'], withSummary: false, withSeeds: false }],
    ['the main metric and the panels together', { ...base, keys: ['ratio/am_gm_gap', 'ratio/a0'] }],
  ] as const)('%s: one read of each run record', async (_, request) => {
    const reads = await runReads(async () => {
      const answer = await fixture.app.dispatch('metrics:compare', { ...request, runIds: fixture.runIds });
      expect(answer.ok).toBe(true);
    });
    expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(fixture.runIds.map((id) => [id, 1])));
  });

  it('still refuses a run that does not exist, with one line', async () => {
    const answer = await fixture.app.dispatch('metrics:compare', { ...base, runIds: [...fixture.runIds, '999'] });
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.error.message).toMatch(/no run with id 999/);
    expect(!answer.ok && answer.error.message.includes('\n')).toBe(false);
  });
});
