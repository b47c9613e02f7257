/**
 * UrlSync keeps the URL hash and the app's view state in step, both ways: every change of view,
 * run, sweep or compared runs is a new history entry (so Back and Forward move between them), and
 * so is a chart zoom (drag, or double-click reset; Back undoes it) and a change of the comparison's
 * controls once they rest (one entry per pause in a slider drag or in typing; Back puts the control
 * and the chart back); any other change (selection, filters, grouping) replaces the current entry, and
 * Back/Forward or an edited hash apply the URL to the state. Reload and shared links therefore
 * restore the view. The hash format is url-state.ts; the browser is behind HistoryPort for tests.
 */
import { untrack } from 'svelte';
import type { NavigationState } from './navigation-state.svelte.js';
import type { RunsState } from './runs-state.svelte.js';
import { formatHash, parseHash, pathOf, type ViewState } from './url-state.js';
import { ChartZoom, sameXRange } from './charts/chart-zoom.svelte.js';
import { sameCompareSettings } from './compare-settings.js';
import { createDebouncer, type Debouncer } from './charts/coalesce.js';

/** The piece of the browser UrlSync uses: the current hash, history entries, and Back/Forward. */
export interface HistoryPort {
  readonly hash: string;
  push(hash: string): void;
  replace(hash: string): void;
  /** Calls `listener` after Back/Forward or a hand-edited hash; returns the unsubscribe. */
  onPop(listener: () => void): () => void;
}

/** The window's location and history. */
export function browserHistory(): HistoryPort {
  return {
    get hash() {
      return window.location.hash;
    },
    push: (hash) => window.history.pushState(null, '', hash),
    replace: (hash) => window.history.replaceState(null, '', hash),
    onPop: (listener) => {
      window.addEventListener('popstate', listener);
      return () => window.removeEventListener('popstate', listener);
    },
  };
}

export class UrlSync {
  readonly #navigation: NavigationState;
  readonly #runs: RunsState;
  readonly #history: HistoryPort;
  /** Replacing entries is throttled by browsers; a slider drag writes once it rests this long (ms). */
  /** The charts' x zoom in the current place (App provides it to the charts through context). */
  readonly zoom = new ChartZoom(() => pathOf(this.#place()));

  /** The state as a URL would carry it, derived from the app's state objects. */
  readonly current: ViewState = $derived.by(() => ({
    view: this.#navigation.view,
    runId: this.#navigation.openRunId,
    sweepId: this.#navigation.openSweepId,
    compareRunIds: this.#navigation.compareRunIds,
    compare: this.#navigation.compareSettings,
    selected: [...this.#runs.selectedIds],
    grouped: this.#runs.grouped,
    sort: this.#runs.sort,
    filter: this.#runs.filter,
    groupBy: this.#runs.groupBy === 'seeds' ? null : this.#runs.groupBy,
    columns: this.#runs.columns,
    zoom: this.zoom.range,
  }));
  readonly hash: string = $derived(formatHash(this.current));

  #lastHash = '';
  /** The hash the current history entry holds (#lastHash runs ahead of it while a write is pending). */
  #entryHash = '';
  /**
   * The pending write of the newest hash (typing, dragging a slider), at most one per quiet period:
   * a new entry when the comparison's controls differ from the current entry's, else a replace.
   */
  readonly #replace: Debouncer;

  constructor(navigation: NavigationState, runs: RunsState, history: HistoryPort, replaceDelayMs = 150) {
    this.#navigation = navigation;
    this.#runs = runs;
    this.#history = history;
    this.#replace = createDebouncer(() => this.#settle(), replaceDelayMs);
  }

  /** Applies the URL the page opened with, then follows both ways; returns the teardown. */
  start(): () => void {
    if (this.#history.hash !== '') this.apply(parseHash(this.#history.hash));
    this.#lastHash = this.#entryHash = this.hash;
    this.#history.replace(this.hash);
    const offPop = this.#history.onPop(() => {
      this.#replace.cancel();
      this.apply(parseHash(this.#history.hash));
      this.#lastHash = this.#entryHash = this.#history.hash;
    });
    const stopEffect = $effect.root(() => {
      $effect(() => {
        const hash = this.hash;
        untrack(() => this.#write(hash));
      });
    });
    return () => {
      offPop();
      stopEffect();
      this.#replace.flush();
    };
  }

  /** Puts the app in `state` (from a URL). */
  apply(state: ViewState): void {
    this.#navigation.restore(state);
    this.#runs.restore(state);
    this.zoom.set(state.zoom); // after the navigation, so the zoom belongs to the restored place
  }

  #place() {
    const n = this.#navigation;
    return { view: n.view, runId: n.openRunId, sweepId: n.openSweepId, compareRunIds: n.compareRunIds };
  }

  #write(hash: string): void {
    if (hash === this.#lastHash) return;
    const [next, last] = [parseHash(hash), parseHash(this.#lastHash)];
    const newPlace = pathOf(next) !== pathOf(last) || !sameXRange(next.zoom, last.zoom);
    this.#lastHash = hash;
    // Leaving a place by a link (not Back) forgets its zoom: coming back to it opens unzoomed.
    if (pathOf(next) !== pathOf(last)) this.zoom.forgetOtherPlaces();
    if (newPlace) {
      this.#replace.cancel();
      this.#history.push(hash);
      this.#entryHash = hash;
      return;
    }
    this.#replace.schedule();
  }

  /** Writes the newest hash once changes rest: its own entry when the comparison's controls changed. */
  #settle(): void {
    const controlsChanged = !sameCompareSettings(parseHash(this.#entryHash).compare, parseHash(this.#lastHash).compare);
    if (controlsChanged) this.#history.push(this.#lastHash);
    else this.#history.replace(this.#lastHash);
    this.#entryHash = this.#lastHash;
  }
}
