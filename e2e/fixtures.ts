/**
 * E2E fixtures for both targets. browser: `app` starts `hmpo-lab serve` on a fresh temporary
 * database and `app.open(page)` loads it. electron: the app itself is launched through Playwright's
 * Electron support on a fresh database and `page` is its window (skipped, with the reason, where no
 * Electron binary is installed). Page errors and CSP violations fail the test either way.
 * A spec that needs history sets `seedDatabase` (test.use): browser mode writes it into the fresh
 * database file before the server starts (the electron project skips such specs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, test as base, expect, type ElectronApplication, type Page } from '@playwright/test';
import { installedElectron } from '../scripts/installed-electron.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export interface ServedApp {
  /** Shows the app in `page` (browser: loads the URL; electron: the window is already the app). */
  open(page: Page): Promise<void>;
  readonly url: string;
  readonly dbPath: string;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Output the server printed so far (for failure messages). */
  log(): string;
}

/** Writes rows into a database file that no server has opened yet (e.g. through the store's own queries). */
export interface DatabaseSeed {
  write(dbPath: string): void;
}

async function serve(seed: DatabaseSeed | null, extraArgs: string[] = []): Promise<ServedApp> {
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-e2e-'));
  const dbPath = join(dir, 'hmpo-lab.db');
  seed?.write(dbPath);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'hmpo-lab.js'), 'serve', '--port', '0', '--db', dbPath, '--concurrency', '2', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hmpo-lab serve printed no URL within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /(http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`hmpo-lab serve exited with ${code}:\n${output}`)));
  });
  return { open: async (page) => void (await page.goto(url)), url, dbPath, dir, process: child, log: () => output };
}

/** The Electron binary to launch (ELECTRON_OVERRIDE_DIST_PATH, else the installed one), or null when there is none. */
export function electronBinary(): string | null {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
  return installedElectron();
}

export type Target = 'browser' | 'electron';

export const test = base.extend<{ app: ServedApp; electronApp: ElectronApplication | null; page: Page; seedDatabase: DatabaseSeed | null }, { target: Target }>({
  target: ['browser', { option: true, scope: 'worker' }],
  seedDatabase: [null, { option: true }],
  electronApp: async ({ target, seedDatabase }, use) => {
    if (target !== 'electron') return use(null);
    // The seed is written by the test's Node, and the Electron setup rebuilds better-sqlite3 for Electron's ABI.
    test.skip(seedDatabase !== null, 'a seeded database is written through better-sqlite3 from the test process; the browser project covers it');
    const binary = electronBinary();
    test.skip(binary === null, 'no Electron binary here (it cannot be downloaded on this machine); the same specs run in browser mode, and here where Electron is installed');
    const dir = mkdtempSync(join(tmpdir(), 'hmpo-e2e-electron-'));
    const app = await electron.launch({ executablePath: binary!, args: [ROOT], env: { ...process.env, HMPO_LAB_DB: join(dir, 'hmpo-lab.db'), HMPO_LAB_E2E: '1' } });
    await use(app);
    await app.close();
  },
  app: async ({ target, electronApp, seedDatabase }, use) => {
    if (target === 'electron') {
      const dbPath = (await electronApp!.evaluate(() => process.env.HMPO_LAB_DB)) ?? '';
      await use({ open: async () => {}, url: '', dbPath, dir: join(dbPath, '..'), process: electronApp!.process(), log: () => '' });
      return;
    }
    const app = await serve(seedDatabase);
    await use(app);
    app.process.kill('SIGINT');
    await new Promise((resolve) => app.process.once('exit', resolve));
  },
  page: async ({ page, target, electronApp }, use) => {
    const window = target === 'electron' ? await electronApp!.firstWindow() : page;
    const problems: string[] = [];
    window.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    window.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    await use(window);
    expect(problems, 'the page reported errors').toEqual([]);
  },
});

export { expect };

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
