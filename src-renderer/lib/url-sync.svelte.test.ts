/**
 * UrlSync against a fake history: the opening URL is applied (reload and links restore the view),
 * a change of place is a new history entry, and so is a change of the comparison's controls once it
 * rests; other changes replace the entry once they rest, and Back/Forward put the app back where
 * the URL says.
 */
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { NavigationState } from './navigation-state.svelte.js';
import { RunsState } from './runs-state.svelte.js';
import { FakeApi } from './testing/fake-api.js';
import { UrlSync, type HistoryPort } from './url-sync.svelte.js';

class FakeHistory implements HistoryPort {
  entries: string[];
  index = 0;
  readonly #listeners = new Set<() => void>();
  constructor(hash: string) {
    this.entries = [hash];
  }
  get hash(): string {
    return this.entries[this.index]!;
  }
  push(hash: string): void {
    this.entries = [...this.entries.slice(0, this.index + 1), hash];
    this.index++;
  }
  replace(hash: string): void {
    this.entries[this.index] = hash;
  }
  onPop(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  back(): void {
    this.index--;
    for (const listener of this.#listeners) listener();
  }
  forward(): void {
    this.index++;
    for (const listener of this.#listeners) listener();
  }
}

function setup(hash: string) {
  const navigation = new NavigationState();
  const runs = new RunsState(new FakeApi());
  const history = new FakeHistory(hash);
  const sync = new UrlSync(navigation, runs, history, 0);
  const stop = sync.start();
  return { navigation, runs, history, stop, zoom: sync.zoom };
}
const rest = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('UrlSync', () => {
  it('opens where the URL points (a reload or a shared link)', () => {
    const { navigation, runs, stop } = setup('#/compare?runs=1-3&smooth=0.6&target=0.9&sel=1-3&group=1');
    expect(navigation.view).toBe('compare');
    expect(navigation.compareRunIds).toEqual(['1', '2', '3']);
    expect(navigation.compareSettings).toMatchObject({ smoothing: 0.6, target: '0.9' });
    expect([...runs.selectedIds]).toEqual(['1', '2', '3']);
    expect(runs.grouped).toBe(true);
    stop();
  });

  it('adds a history entry per place and replaces it for other changes; Back returns to the last place', async () => {
    const { navigation, runs, history, stop } = setup('');
    runs.grouped = true;
    flushSync();
    await rest();
    expect(history.entries).toEqual(['#/runs?group=1']);
    navigation.openRun('7');
    flushSync();
    expect(history.entries).toEqual(['#/runs?group=1', '#/runs/7?group=1']);
    navigation.compare(['7', '8']);
    navigation.compareSettings = { ...navigation.compareSettings, smoothing: 0.5 };
    flushSync();
    await rest();
    expect(history.entries.at(-1)).toBe('#/compare?runs=7,8&smooth=0.5&group=1');
    expect(history.entries).toHaveLength(3);

    history.back();
    flushSync();
    expect(navigation.view).toBe('runs');
    expect(navigation.openRunId).toBe('7');
    history.back();
    flushSync();
    expect(navigation.openRunId).toBeNull();
    expect(runs.grouped).toBe(true);
    expect(history.entries).toHaveLength(3); // going back wrote nothing new
    stop();
  });

  it('makes a change of the comparison’s controls a history entry once it rests: Back puts the controls back, Forward redoes', async () => {
    const { navigation, runs, history, stop } = setup('');
    navigation.compare(['3', '2', '1']); // in table order; the URL lists them sorted
    flushSync();
    const compared = navigation.compareRunIds;
    navigation.compareSettings = { ...navigation.compareSettings, smoothing: 0.3 };
    flushSync();
    navigation.compareSettings = { ...navigation.compareSettings, smoothing: 0.5 }; // the same slider drag
    flushSync();
    await rest();
    expect(history.entries).toEqual(['#/runs', '#/compare?runs=1-3', '#/compare?runs=1-3&smooth=0.5']);
    navigation.compareSettings = { ...navigation.compareSettings, band: 'std' };
    flushSync();
    await rest();
    runs.grouped = true; // not a control of the comparison: replaces
    flushSync();
    await rest();
    expect(history.entries).toEqual(['#/runs', '#/compare?runs=1-3', '#/compare?runs=1-3&smooth=0.5', '#/compare?runs=1-3&smooth=0.5&band=std&group=1']);

    history.back();
    flushSync();
    expect(navigation.compareSettings).toMatchObject({ smoothing: 0.5, band: 'ci95' });
    expect(navigation.view).toBe('compare');
    expect(navigation.compareRunIds).toBe(compared); // the same runs: the Compare view is not rebuilt
    history.back();
    flushSync();
    expect(navigation.compareSettings.smoothing).toBe(0);
    expect(navigation.view).toBe('compare');
    await rest();
    expect(history.entries).toHaveLength(4); // going back wrote nothing new
    history.forward();
    flushSync();
    expect(navigation.compareSettings.smoothing).toBe(0.5);
    stop();
  });

  it('makes a chart zoom its own history entry: reload restores it, Back undoes it, a reset removes it', () => {
    const { navigation, history, zoom, stop } = setup('#/compare?runs=1-3&zoom=12,23.5');
    expect(zoom.range).toEqual({ min: 12, max: 23.5 });
    zoom.set(null); // double-click reset
    flushSync();
    expect(history.entries).toEqual(['#/compare?runs=1-3&zoom=12,23.5', '#/compare?runs=1-3']);
    zoom.set({ min: 4.123456, max: 9.87 }); // a drag: kept to what a pixel tells apart
    flushSync();
    expect(history.entries.at(-1)).toBe('#/compare?runs=1-3&zoom=4.123,9.87');
    history.back();
    flushSync();
    expect(zoom.range).toBeNull();
    history.back();
    flushSync();
    expect(zoom.range).toEqual({ min: 12, max: 23.5 });

    // A zoom belongs to its place: another view opens unzoomed, and coming back by a link too.
    navigation.openRun('2');
    flushSync();
    expect(zoom.range).toBeNull();
    expect(history.entries.at(-1)).toBe('#/runs/2?runs=1-3');
    navigation.compare(['1', '2', '3']);
    flushSync();
    expect(zoom.range).toBeNull();
    stop();
  });
});
