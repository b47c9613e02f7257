/**
 * The app-level glue: startup (info, runs, events), navigation and Esc, the keyboard mapping, and
 * the row actions (stop, clone & edit into the launch form, more seeds, tags, notes, delete).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../src-shared/run-config.js';
import { AppState } from './app-state.svelte.js';
import { isTypingTarget, shortcutFor } from './keyboard.js';
import { NavigationState } from './navigation-state.svelte.js';
import { FakeApi, makeRun } from './testing/fake-api.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('AppState', () => {
  it('loads info and runs, follows events, and unsubscribes on teardown', async () => {
    const api = new FakeApi();
    api.runs = [makeRun({ id: 'a' })];
    const app = new AppState(api);
    const stop = app.start();
    await settle();
    expect(app.info?.databasePath).toMatch(/hmpo-lab\.db$/);
    expect(app.runs.runs.map((r) => r.id)).toEqual(['a']);
    api.emit('onDidChangeRun', makeRun({ id: 'b' }));
    app.runs.flushChanges(); // run events are applied once per animation frame
    expect(app.runs.runs).toHaveLength(2);
    stop();
    expect(api.listenerCount('onDidChangeRun') + api.listenerCount('onDidExportProgress')).toBe(0);
  });

  it('clones a run into the launch form and shows it', async () => {
    const api = new FakeApi();
    api.runs = [makeRun({ id: 'a', name: 'hmpo seed 4', seed: 4 })];
    api.configs.set('a', { ...DEFAULT_RUN_CONFIG, seed: 4, task: 'sort', objective: { preset: 'hmpo' } });
    const app = new AppState(api);
    await app.runs.load();
    expect(await app.cloneIntoLaunch('a')).toBe(true);
    expect(app.navigation.view).toBe('launch');
    expect(app.launch.values['task']).toBe('sort');
    expect(app.launch.values['objective.preset']).toBe('hmpo');
    expect(app.launch.origin).toBe('hmpo seed 4');
  });

  it('opens the export dialog with the selection and a folder beside the database', async () => {
    const app = new AppState(new FakeApi());
    await app.loadInfo();
    app.openExport(['a', 'b']);
    expect(app.navigation.exportOpen).toBe(true);
    expect(app.exports.runIds).toEqual(['a', 'b']);
    expect(app.exports.outDir).toMatch(/^\/home\/ada\/\.config\/hmpo-lab\/exports\/export-\d{8}-\d{4}$/);
  });
});

describe('row actions', () => {
  it('stops, tags, notes and deletes through main', async () => {
    const api = new FakeApi();
    api.runs = [makeRun({ id: 'a', status: 'running' })];
    const app = new AppState(api);
    app.start();
    await settle();
    // Main's run events are applied once per animation frame (flushChanges: that frame, now).
    expect(await app.actions.stop('a')).toBe(true);
    app.runs.flushChanges();
    expect(app.runs.byId.get('a')!.status).toBe('stopped');
    expect(await app.actions.setTags('a', 'paper, ablation,')).toBe(true);
    app.runs.flushChanges();
    expect(app.runs.byId.get('a')!.tags).toEqual(['paper', 'ablation']);
    expect(await app.actions.setNotes('a', 'diverged at step 120')).toBe(true);
    app.runs.flushChanges();
    expect(app.runs.byId.get('a')!.notes).toBe('diverged at step 120');
    expect(await app.actions.remove(['a'])).toBe(true);
    expect(app.runs.runs).toEqual([]);
  });

  it('launches more seeds of the same config with seeds the group has not used', async () => {
    const api = new FakeApi();
    api.runs = [makeRun({ id: 'a', groupKey: 'g', seed: 0 }), makeRun({ id: 'b', groupKey: 'g', seed: 1 })];
    const app = new AppState(api);
    await app.runs.load();
    const runIds = await app.actions.launchMoreSeeds(app.runs.byId.get('a')!, 2, app.runs.seedsOfGroup('g'));
    expect(runIds).toHaveLength(2);
    expect(api.callsTo('runs:start')[0]!.seeds).toEqual([2, 3]);
    expect(await app.actions.launchMoreSeeds(app.runs.byId.get('a')!, 0, [])).toBeNull();
    expect(app.actions.errorOf('a')?.code).toBe('INVALID_SEED_COUNT');
  });

  it("keeps main's refusal on the run it concerns", async () => {
    const api = new FakeApi().handle('runs:stop', () => ({ ok: false, error: { code: 'NOT_RUNNING', message: 'run a already finished' } }));
    const app = new AppState(api);
    expect(await app.actions.stop('a')).toBe(false);
    expect(app.actions.errorOf('a')?.message).toBe('run a already finished');
    expect(app.actions.isBusy('a')).toBe(false);
    app.actions.clearError('a');
    expect(app.actions.errorOf('a')).toBeNull();
  });
});

describe('navigation', () => {
  it('compares a non-empty selection only, and Esc closes the topmost thing', () => {
    const nav = new NavigationState();
    expect(nav.compare([])).toBe(false);
    expect(nav.view).toBe('runs');
    expect(nav.compare(['a', 'b'])).toBe(true);
    expect(nav.view).toBe('compare');
    expect(nav.compareRunIds).toEqual(['a', 'b']);
    const compared = nav.compareRunIds;
    nav.compare(['a', 'b']);
    expect(nav.compareRunIds).toBe(compared);
    nav.openRun('a');
    nav.openExport(['a']);
    expect(nav.closeTopmost()).toBe(true);
    expect(nav.exportOpen).toBe(false);
    expect(nav.openRunId).toBe('a');
    expect(nav.closeTopmost()).toBe(true);
    expect(nav.openRunId).toBeNull();
    expect(nav.closeTopmost()).toBe(false);
  });
});

describe('keyboard shortcuts', () => {
  const press = (key: string, target: unknown = { tagName: 'BODY' }, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
    shortcutFor({ key, target, ctrlKey: false, metaKey: false, altKey: false, ...mods });

  it('maps / to the filter, c to compare, Esc to close', () => {
    expect(press('/')).toBe('focusFilter');
    expect(press('c')).toBe('compareSelection');
    expect(press('Escape')).toBe('close');
    expect(press('x')).toBeNull();
    expect(press('c', undefined, { metaKey: true })).toBeNull();
  });

  it('ignores letter shortcuts while typing, except Esc', () => {
    const textInput = { tagName: 'INPUT', type: 'text' };
    expect(press('c', textInput)).toBeNull();
    expect(press('/', { tagName: 'TEXTAREA' })).toBeNull();
    expect(press('c', { tagName: 'DIV', isContentEditable: true })).toBeNull();
    expect(press('Escape', textInput)).toBe('close');
    // A row checkbox keeps focus after a click; `c` must still compare.
    expect(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(press('c', { tagName: 'INPUT', type: 'checkbox' })).toBe('compareSelection');
  });
});
