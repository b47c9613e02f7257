/**
 * The Electron main process: one window, the contract over IPC (sender checked), the same
 * composition root as browser mode and the CLI, runs in utilityProcess children, and a clean stop of
 * every run on quit. The database is the app-data one (userData), so the CLI sees the same runs.
 * It holds no business logic: that is app/ and runs/.
 */
import { sparseConfigCells } from '../../src-shared/config-cells.js';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import type { EventName, Events } from '../../src-shared/contract.js';
import { err } from '../../src-shared/result.js';
import { createApp, type App } from '../app/create-app.js';
import { RedisSetupError } from '../workers/redis-connection.js';
import { RemoteRuns } from '../workers/remote-runs.js';
import { readRemoteSetting } from '../workers/remote-setting.js';
import { join } from 'node:path';
import { DATABASE_FILE_NAME, resolveDatabasePath } from '../db/default-location.js';
import { StoreError } from '../db/store-errors.js';
import { utilityLauncher } from './utility-launcher.js';
import { createMainWindow, isTrustedSender } from './window.js';

app.setName('HMPO Lab');
if (!app.requestSingleInstanceLock()) app.quit();

let lab: App | undefined;
let window: BrowserWindow | undefined;

function databasePath(): string {
  // HMPO_LAB_DB points the app elsewhere (E2E tests, power users); otherwise Electron's userData
  // folder, which is the folder the CLI's default location computes, so both see the same runs.
  return process.env.HMPO_LAB_DB ? resolveDatabasePath(process.env.HMPO_LAB_DB) : join(app.getPath('userData'), DATABASE_FILE_NAME);
}

async function start(): Promise<void> {
  try {
    // Queue runs on remote workers (README "Workers") when HMPO_LAB_REDIS or the Workers view's saved
    // setting names a Redis; otherwise train here, as always.
    const redisUrl = process.env.HMPO_LAB_REDIS || readRemoteSetting(databasePath());
    const remote = redisUrl ? await RemoteRuns.connect({ url: redisUrl, resume: true }) : undefined;
    lab = createApp({ databasePath: databasePath(), mode: 'electron', launcher: utilityLauncher, configCellsOf: sparseConfigCells, ...(remote ? { remote } : {}) });
  } catch (error) {
    const message = error instanceof StoreError || error instanceof RedisSetupError ? error.message : `HMPO Lab could not open its database: ${(error as Error).message}`;
    dialog.showErrorBox('HMPO Lab', message);
    app.exit(1);
    return;
  }
  const current = lab;
  ipcMain.handle('contract:invoke', async (event, channel: unknown, request: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url)) {
      console.error(`hmpo-lab: refused IPC from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return err('FORBIDDEN_SENDER', 'this IPC channel only answers the HMPO Lab window');
    }
    return current.dispatch(channel, request);
  });
  current.events.subscribe(<E extends EventName>(name: E, payload: Events[E]) => {
    if (window && !window.isDestroyed()) window.webContents.send('contract:event', name, payload);
  });
  window = createMainWindow();
  if (process.env.HMPO_LAB_E2E === '1') window.webContents.once('did-finish-load', () => console.log('hmpo-lab:window-ready'));
}

app.on('second-instance', () => {
  if (window) {
    if (window.isMinimized()) window.restore();
    window.focus();
  }
});
app.on('window-all-closed', () => app.quit());
let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !lab) return;
  event.preventDefault();
  quitting = true;
  void lab.close().finally(() => app.quit());
});
void app.whenReady().then(start);
