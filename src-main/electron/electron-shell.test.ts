/**
 * The Electron shell with `electron` mocked (its binary cannot be downloaded here): the preload
 * exposes only the contract's Api and refuses unknown channels/events; the window is isolated,
 * sandboxed and Node-free and refuses navigation and new windows; only our page is a trusted sender.
 */
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const ipcRenderer = { invoke: vi.fn(async () => ({ ok: true, value: 'pong' })), on: vi.fn(), removeListener: vi.fn() };
const windows: { options: { webPreferences: Record<string, unknown> }; handlers: Map<string, (e: { preventDefault: () => void }) => void>; openHandler?: (d: { url: string }) => unknown }[] = [];

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer,
  session: { defaultSession: { setPermissionRequestHandler: vi.fn() } },
  shell: { openExternal: vi.fn() },
  BrowserWindow: class {
    readonly handlers = new Map<string, (e: { preventDefault: () => void }) => void>();
    openHandler?: (d: { url: string }) => unknown;
    readonly webContents = {
      on: (event: string, handler: (e: { preventDefault: () => void }) => void) => this.handlers.set(event, handler),
      setWindowOpenHandler: (handler: (d: { url: string }) => unknown) => (this.openHandler = handler),
    };
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      windows.push(this);
    }
    once() {}
    loadFile() {
      return Promise.resolve();
    }
  },
}));

beforeEach(() => ipcRenderer.invoke.mockClear());

describe('preload', () => {
  it('exposes window.api with invoke and on only, and checks channels before any IPC', async () => {
    await import('./preload.js');
    const api = exposed.api as { invoke: (c: string, r: unknown) => Promise<unknown>; on: (e: string, l: (p: unknown) => void) => () => void };
    expect(Object.keys(exposed)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(await api.invoke('runs:list', null)).toEqual({ ok: true, value: 'pong' });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith('contract:invoke', 'runs:list', null);
    expect(await api.invoke('fs:readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(ipcRenderer.invoke).toHaveBeenCalledTimes(1);
    api.on('onNotAnEvent', () => {});
    expect(ipcRenderer.on).not.toHaveBeenCalled();
    const seen: unknown[] = [];
    api.on('onDidRemoveRuns', (p) => seen.push(p));
    const handler = ipcRenderer.on.mock.calls[0]![1] as (e: unknown, name: string, payload: unknown) => void;
    handler({}, 'onDidChangeRun', { id: 'x' });
    handler({}, 'onDidRemoveRuns', { runIds: ['1'] });
    expect(seen).toEqual([{ runIds: ['1'] }]);
  });
});

describe('main window', () => {
  it('is isolated, sandboxed, Node-free, and refuses navigation and new windows', async () => {
    const { createMainWindow } = await import('./window.js');
    createMainWindow();
    const win = windows.at(-1)!;
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    const prevent = vi.fn();
    win.handlers.get('will-navigate')!({ preventDefault: prevent });
    expect(prevent).toHaveBeenCalled();
    expect(win.openHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
  });

  it('trusts IPC only from its own renderer page', async () => {
    const { isTrustedSender, RENDERER_INDEX } = await import('./window.js');
    expect(isTrustedSender(pathToFileURL(RENDERER_INDEX).href)).toBe(true);
    expect(isTrustedSender('https://evil.example/')).toBe(false);
    expect(isTrustedSender('file:///tmp/other.html')).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});
