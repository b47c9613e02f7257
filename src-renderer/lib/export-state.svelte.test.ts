/**
 * The export dialog's state: runs from the selection or a sweep, the prefilled folder beside the
 * database, export:start, progress events (also those that beat main's reply), cancel, failure.
 */
import { describe, expect, it } from 'vitest';
import { defaultExportFolder, ExportState, progressLine } from './export-state.svelte.js';
import { FakeApi } from './testing/fake-api.js';

const now = new Date(2025, 2, 7, 9, 5);

describe('export folder', () => {
  it('suggests a dated folder beside the database, in its separator', () => {
    expect(defaultExportFolder('/home/ada/.config/hmpo-lab/hmpo-lab.db', now)).toBe('/home/ada/.config/hmpo-lab/exports/export-20250307-0905');
    expect(defaultExportFolder('C:\\Users\\ada\\hmpo-lab.db', now)).toBe('C:\\Users\\ada\\exports\\export-20250307-0905');
    expect(defaultExportFolder('hmpo-lab.db', now)).toBe('./exports/export-20250307-0905');
    expect(defaultExportFolder('/hmpo-lab.db', now)).toBe('/exports/export-20250307-0905');
    expect(defaultExportFolder('/data/lab.db', now, '/srv/exports/')).toBe('/srv/exports/export-20250307-0905');
  });
});

describe('ExportState', () => {
  it('exports the selection and follows its progress to the end', async () => {
    const api = new FakeApi();
    const state = new ExportState(api);
    state.connect();
    state.open(['a', 'b'], '/tmp/out');
    state.format = 'csv';
    expect(state.canStart).toBe(true);
    await state.start();
    expect(api.callsTo('export:start')).toEqual([{ runIds: ['a', 'b'], format: 'csv', outDir: '/tmp/out' }]);
    const exportId = state.exportId!;
    expect(state.running).toBe(true);
    // One unit from the first line on: runs, as main reports them for every format.
    expect(progressLine(state.progress!)).toBe('runs exported 0 / 2 · running');
    api.emit('onDidExportProgress', { exportId, done: 1, total: 2, state: 'running', outDir: '/tmp/out' });
    expect(state.fraction).toBe(0.5);
    expect(progressLine(state.progress!)).toBe('runs exported 1 / 2 · running');
    api.emit('onDidExportProgress', { exportId: 'someone-else', done: 9, total: 9, state: 'finished', outDir: '/x' });
    expect(state.fraction).toBe(0.5);
    api.emit('onDidExportProgress', { exportId, done: 2, total: 2, state: 'finished', outDir: '/tmp/out' });
    expect(state.running).toBe(false);
    expect(state.progress?.state).toBe('finished');
    expect(state.progress?.outDir).toBe('/tmp/out');
  });

  it('keeps progress that arrives before main answers with the export id', async () => {
    const api = new FakeApi();
    let reply!: () => void;
    api.handle('export:start', () => new Promise((resolve) => (reply = () => resolve({ ok: true, value: { exportId: 'e1' } }))));
    const state = new ExportState(api);
    state.connect();
    state.open(['a'], '/tmp/out');
    const starting = state.start();
    expect(state.running).toBe(true);
    api.emit('onDidExportProgress', { exportId: 'e1', done: 1, total: 4, state: 'running', outDir: '/tmp/out' });
    reply();
    await starting;
    expect(state.fraction).toBe(0.25);
  });

  it('keeps early progress of a second export too, even when it finishes before main answers', async () => {
    const api = new FakeApi();
    const ids = ['e1', 'e2'];
    let reply!: () => void;
    api.handle('export:start', () => new Promise((resolve) => (reply = () => resolve({ ok: true, value: { exportId: ids.shift()! } }))));
    const state = new ExportState(api);
    state.connect();
    state.open(['a', 'b'], '/tmp/out');
    const first = state.start();
    reply();
    await first;
    api.emit('onDidExportProgress', { exportId: 'e1', done: 0, total: 2, state: 'failed', outDir: '/tmp/out', message: 'Cannot create the export folder.' });
    const second = state.start();
    api.emit('onDidExportProgress', { exportId: 'e2', done: 2, total: 2, state: 'finished', outDir: '/tmp/out' });
    reply();
    await second;
    expect(state.progress?.state).toBe('finished');
    expect(state.running).toBe(false);
  });

  it('exports all runs of a chosen sweep', async () => {
    const api = new FakeApi();
    api.sweeps = [
      { id: 's1', name: 'old', label: 'sweep s1 · old', createdAt: 1, runIds: ['x'], axes: [], seeds: [0] },
      { id: 's2', name: 'plan', label: 'sweep s2 · plan', createdAt: 2, runIds: ['p1', 'p2', 'p3'], axes: [], seeds: [0, 1, 2] },
    ];
    const state = new ExportState(api);
    state.open([], '/tmp/out');
    await state.loadSweeps();
    state.source = 'sweep';
    expect(state.sweepId).toBe('s2');
    expect(state.runIds).toEqual(['p1', 'p2', 'p3']);
  });

  it('cancels a running export and shows a refusal where the user acted', async () => {
    const api = new FakeApi();
    const state = new ExportState(api);
    state.connect();
    state.open(['a'], '/tmp/out');
    await state.start();
    await state.cancel();
    expect(state.cancelling).toBe(true);
    expect(api.callsTo('export:cancel')).toEqual([{ exportId: state.exportId }]);
    api.emit('onDidExportProgress', { exportId: state.exportId!, done: 0, total: 1, state: 'cancelled', outDir: '/tmp/out' });
    expect(state.cancelling).toBe(false);
    expect(state.running).toBe(false);

    api.handle('export:start', () => ({ ok: false, error: { code: 'EXPORT_DIR', message: '/tmp/out is not writable; choose another folder' } }));
    state.open(['a'], '/tmp/out');
    await state.start();
    expect(state.error?.message).toMatch(/not writable/);
    expect(state.running).toBe(false);
  });

  it('cannot start without runs or a folder', () => {
    const state = new ExportState(new FakeApi());
    state.open([], '/tmp/out');
    expect(state.canStart).toBe(false);
    state.open(['a'], '');
    state.outDir = '   ';
    expect(state.canStart).toBe(false);
  });
});
