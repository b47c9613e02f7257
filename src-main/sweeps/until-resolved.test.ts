/** The until-resolved stopping rule: resolved, stopped, run budget, time budget, fresh paired seeds. */
import { describe, expect, it } from 'vitest';
import { nextRound, type LoopState } from './until-resolved.js';

const state: LoopState = { resolved: false, stopped: false, cells: 3, runsSoFar: 9, lastSeeds: [0, 1, 2], elapsedMs: 60_000, lastRoundMs: 60_000 };
const budget = { budgetRuns: 100, budgetMinutes: null, seedsPerRound: 2 };

describe('nextRound', () => {
  it('adds fresh seeds after the largest used, the same for every cell', () => {
    expect(nextRound(state, budget)).toEqual({ seeds: [3, 4] });
    expect(nextRound({ ...state, lastSeeds: [7] }, { ...budget, seedsPerRound: 1 })).toEqual({ seeds: [8] });
  });

  it('stops when resolved or stopped, before looking at budgets', () => {
    expect(nextRound({ ...state, resolved: true }, { ...budget, budgetRuns: 1 })).toEqual({ stop: 'resolved' });
    expect(nextRound({ ...state, stopped: true, resolved: true }, budget)).toEqual({ stop: 'stopped' });
  });

  it('starts no round that would break the run budget: 9 + 3 cells x 2 seeds = 15', () => {
    expect(nextRound(state, { ...budget, budgetRuns: 15 })).toEqual({ seeds: [3, 4] });
    expect(nextRound(state, { ...budget, budgetRuns: 14 })).toEqual({ stop: 'budget-runs' });
  });

  it('starts no round that the last round says would end after the time budget', () => {
    expect(nextRound(state, { ...budget, budgetMinutes: 2 })).toEqual({ seeds: [3, 4] });
    expect(nextRound({ ...state, lastRoundMs: 61_000 }, { ...budget, budgetMinutes: 2 })).toEqual({ stop: 'budget-minutes' });
  });
});
