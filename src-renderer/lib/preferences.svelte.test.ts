/**
 * Preferences: the theme cycles system -> light -> dark and is applied and remembered; saved views
 * are kept by name (a new save replaces the old one), survive a restart, and junk in storage is ignored.
 */
import { describe, expect, it } from 'vitest';
import { PreferencesState, type KeyValueStore, type ThemePreference } from './preferences.svelte.js';

function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('PreferencesState', () => {
  it('cycles, applies and remembers the theme', () => {
    const store = memoryStore();
    const applied: ThemePreference[] = [];
    const prefs = new PreferencesState(store, (t) => applied.push(t));
    prefs.cycleTheme();
    prefs.cycleTheme();
    expect(applied).toEqual(['system', 'light', 'dark']);
    expect(new PreferencesState(store, () => {}).theme).toBe('dark');
    prefs.cycleTheme();
    expect(prefs.theme).toBe('system');
  });

  it('saves named views, replacing by name, and reads them back after a restart', () => {
    const store = memoryStore();
    const prefs = new PreferencesState(store, () => {});
    expect(prefs.saveView('  ', '#/runs')).toBe('Give the view a name.');
    expect(prefs.saveView('smooth hmpo', '#/compare?runs=1,2&smooth=0.6')).toBeNull();
    expect(prefs.saveView('all', '#/runs')).toBeNull();
    expect(prefs.saveView('smooth hmpo', '#/compare?runs=1,2&smooth=0.9')).toBeNull();
    const again = new PreferencesState(store, () => {});
    expect(again.savedViews).toEqual([
      { name: 'all', hash: '#/runs' },
      { name: 'smooth hmpo', hash: '#/compare?runs=1,2&smooth=0.9' },
    ]);
    again.deleteView('all');
    expect(new PreferencesState(store, () => {}).savedViews.map((v) => v.name)).toEqual(['smooth hmpo']);
  });

  it('ignores junk in storage', () => {
    const prefs = new PreferencesState(memoryStore({ 'hmpo-lab.theme': '"purple"', 'hmpo-lab.saved-views': '{not json' }), () => {});
    expect(prefs.theme).toBe('system');
    expect(prefs.savedViews).toEqual([]);
  });
});
