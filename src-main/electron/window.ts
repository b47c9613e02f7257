/**
 * The main window, locked down: context isolation, sandbox, no Node in the renderer, a preload that
 * exposes only the contract, navigation and new windows blocked, permission requests denied. The
 * renderer's Content-Security-Policy is in its index.html (file:// pages get no response headers).
 */
import { BrowserWindow, session, shell } from 'electron';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
/** dist/src-main/electron -> dist/renderer and dist/electron/preload.cjs */
export const RENDERER_INDEX = join(here, '..', '..', 'renderer', 'index.html');
export const PRELOAD = join(here, '..', '..', 'electron', 'preload.cjs');

/** True when an IPC message comes from our own renderer page (house rule 2: check the sender). */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  if (!frameUrl) return false;
  try {
    const url = new URL(frameUrl);
    return url.protocol === 'file:' && fileURLToPath(url) === RENDERER_INDEX;
  } catch {
    return false;
  }
}

export function createMainWindow(): BrowserWindow {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'HMPO Lab',
    show: false,
    webPreferences: { preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the web open in the user's browser; nothing opens inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(RENDERER_INDEX);
  return win;
}
