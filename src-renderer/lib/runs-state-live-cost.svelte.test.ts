/**
 * What a live update costs RunsState with 10,000 runs: a summary of one run must not read the
 * other runs (no re-sort, no rebuilt rows, tags or counts), and when the table is sorted by what
 * changed, only the changed run is placed again (a binary search). Every summary is wrapped so each property read is counted per run; the test
 * reads what the runs table, filter bar and toolbar read. Not a timing test (bench:ui times it).
 */
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-shared/contract.js';
import { RunsState } from './runs-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';
import { manualFrames } from './testing/manual-frames.js';

const RUNS = 10_000;
const LIVE = 8;

/** 10,000 runs (8 running, groups of 10 seeds) whose property reads are counted per run id. */
async function watchedTable() {
  const reads = new Map<string, number>();
  const watch = (run: RunSummary): RunSummary =>
    new Proxy(run, {
      get(target, key, receiver) {
        reads.set(target.id, (reads.get(target.id) ?? 0) + 1);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  const originals = Array.from({ length: RUNS }, (_, i) =>
    makeRun({ id: `r${i}`, name: `run ${i}`, groupKey: `g${Math.floor(i / 10)}`, seed: i % 10, status: i < LIVE ? 'running' : 'finished', stepsDone: i < LIVE ? 1 : 100, totalSteps: 100, tags: i % 3 === 0 ? ['paper'] : [] }),
  );
  const api = new FakeApi();
  api.runs = originals.map(watch);
  const frames = manualFrames();
  const state = new RunsState(api, { schedule: frames.schedule });
  await state.load();
  state.connect();
  /** What the page reads after a frame (the run rows in view read their run through the row, as RunRow does). */
  const readAsThePage = () => {
    const rows = state.rows;
    for (const row of rows.slice(0, 40)) {
      if (row.kind === 'run') void row.run;
      else void [row.group.lastReward, row.group.bestReward, row.group.statusCounts];
    }
    return { rows, groups: state.groups, counts: [state.visibleCount, state.runCount, state.liveCount, state.allVisibleSelected], tags: state.allTags, selected: state.selectedRunIds, keys: state.configKeys };
  };
  /** Sends a live summary of run `i` (steps done `steps`), applies the frame, reads as the page; the runs read meanwhile, other than run `i`. */
  const update = (i: number, steps: number) => {
    readAsThePage();
    reads.clear();
    api.emit('onDidChangeRun', watch({ ...originals[i]!, stepsDone: steps }));
    frames.frame();
    const seen = readAsThePage();
    return { seen, othersRead: [...reads.keys()].filter((id) => id !== `r${i}`) };
  };
  return { state, update };
}

describe('a live update with 10,000 runs', () => {
  it('reads no other run when it changes nothing the order, filter, tags or counts depend on: rows and groups stay, only its row and group head follow it', async () => {
    const { state, update } = await watchedTable();
    // Newest first (the default sort), a text filter and a selection, as a user's table would have.
    state.setFilter({ text: 'run' });
    state.setManySelected(['r0', 'r5000', 'r9999'], true);
    const before = update(0, 2);
    const { seen, othersRead } = update(0, 3);
    expect(othersRead).toEqual([]);
    expect(seen.rows).toBe(before.seen.rows);
    const row = seen.rows.find((r) => r.kind === 'run' && r.runId === 'r0');
    expect(row?.kind === 'run' && row.run.stepsDone).toBe(3);
    expect(state.visibleCount).toBe(RUNS);
    expect(state.selectedRuns.map((run) => run.id)).toEqual(['r9999', 'r5000', 'r0']);

    // Grouped by seeds, oldest first: the group head of the changed run (in view) re-reads its 10 runs, nothing else.
    state.grouped = true;
    state.sortBy('startedAt');
    const groupedBefore = update(1, 2);
    const grouped = update(1, 50);
    expect(grouped.othersRead.sort()).toEqual(['r0', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    expect(grouped.seen.groups).toBe(groupedBefore.seen.groups);
    expect(grouped.seen.rows).toBe(groupedBefore.seen.rows);
    const group = state.groups.find((g) => g.key === 'g0')!;
    expect(group.runs.find((run) => run.id === 'r1')!.stepsDone).toBe(50);
  });

  it('places only the changed run again when the table is sorted by what changed, and re-counts when a status changes', async () => {
    const { state, update } = await watchedTable();
    state.sortBy('progress');
    state.sortBy('progress'); // ascending: least done first
    update(0, 2);
    const { othersRead } = update(0, 99);
    // A binary search over 10,000 rows reads about log2(10,000) = 14 of them, not all.
    expect(othersRead.length).toBeGreaterThan(0);
    expect(othersRead.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(RUNS)));
    expect(state.visibleRuns.slice(0, LIVE).map((run) => run.id)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
    expect(state.liveCount).toBe(LIVE);
    state.applyChange({ ...state.byId.get('r1')!, status: 'finished' });
    expect(state.liveCount).toBe(LIVE - 1);
  });
});
