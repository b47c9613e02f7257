/**
 * NavigationState: which view is showing (runs, sweeps, launch, compare), the run open in the run
 * view, the sweep open on its page, the runs being compared, and whether the export dialog is open (and for which runs). Plain view
 * state with no Api; App renders from it and every "go there" action in the app goes through it.
 */

import { DEFAULT_COMPARE_SETTINGS, type CompareSettings } from './compare-settings.js';
import type { ViewState } from './url-state.js';

export const VIEWS = ['runs', 'sweeps', 'launch', 'compare', 'workers'] as const;
export type View = (typeof VIEWS)[number];

/** The same runs, in any order (a comparison does not depend on it, and a URL lists them sorted). */
const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

export class NavigationState {
  view = $state<View>('runs');
  /** The run shown in the run view (over the runs table), if any. */
  openRunId = $state<string | null>(null);
  /** The sweep shown on its page (over the sweeps list), if any. */
  openSweepId = $state<string | null>(null);
  compareRunIds = $state.raw<string[]>([]);
  /**
   * The comparison's controls, their one home: the Compare view reads and writes them here (so
   * leaving it and coming back keeps them) and the URL carries them (so Back/Forward move them).
   */
  compareSettings = $state.raw<CompareSettings>(DEFAULT_COMPARE_SETTINGS);
  exportOpen = $state(false);
  exportRunIds = $state.raw<readonly string[]>([]);

  show(view: View): void {
    this.view = view;
  }

  openRun(runId: string): void {
    this.openRunId = runId;
    this.view = 'runs';
  }

  closeRun(): void {
    this.openRunId = null;
  }

  openSweep(sweepId: string): void {
    this.openSweepId = sweepId;
    this.view = 'sweeps';
  }

  closeSweep(): void {
    this.openSweepId = null;
  }

  /** Switches to the comparison of `runIds` (ignored when there is nothing to compare). */
  compare(runIds: readonly string[]): boolean {
    if (runIds.length === 0) return false;
    // The same runs again keep the same array, so the comparison is not rebuilt.
    if (!sameIds(runIds, this.compareRunIds)) this.compareRunIds = [...runIds];
    this.view = 'compare';
    return true;
  }

  /** Shows what a URL describes (url-sync.svelte.ts); the export dialog, not in URLs, closes. */
  restore(state: ViewState): void {
    this.view = state.view;
    this.openRunId = state.runId;
    this.openSweepId = state.sweepId;
    // The same runs keep the same array, so Back/Forward between a comparison's settings do not rebuild it.
    if (!sameIds(state.compareRunIds, this.compareRunIds)) this.compareRunIds = [...state.compareRunIds];
    this.compareSettings = state.compare;
    this.exportOpen = false;
  }

  openExport(runIds: readonly string[]): void {
    this.exportRunIds = [...runIds];
    this.exportOpen = true;
  }

  closeExport(): void {
    this.exportOpen = false;
  }

  /** Esc: closes the topmost closable thing; false when there was none. */
  closeTopmost(): boolean {
    if (this.exportOpen) {
      this.exportOpen = false;
      return true;
    }
    if (this.openRunId !== null && this.view === 'runs') {
      this.openRunId = null;
      return true;
    }
    if (this.openSweepId !== null && this.view === 'sweeps') {
      this.openSweepId = null;
      return true;
    }
    return false;
  }
}
