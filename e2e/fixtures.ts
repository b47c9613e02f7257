/**
 * E2E fixtures: `app` starts `hmpo-lab serve` on a fresh temporary database and a free port and
 * yields its URL; `page` fails the test on any uncaught page error or CSP violation. Screenshots of
 * the main views go to test-results/screenshots as artifacts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export interface ServedApp {
  readonly url: string;
  readonly dbPath: string;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Output the server printed so far (for failure messages). */
  log(): string;
}

async function serve(extraArgs: string[] = []): Promise<ServedApp> {
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-e2e-'));
  const dbPath = join(dir, 'hmpo-lab.db');
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
  return { url, dbPath, dir, process: child, log: () => output };
}

export const test = base.extend<{ app: ServedApp; page: Page }>({
  // Playwright reads a fixture's dependencies from its destructuring pattern: `{}` means none.
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const app = await serve();
    await use(app);
    app.process.kill('SIGINT');
    await new Promise((resolve) => app.process.once('exit', resolve));
  },
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    await use(page);
    expect(problems, 'the page reported errors').toEqual([]);
  },
});

export { expect };

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
