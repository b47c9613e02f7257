/**
 * Playwright configuration for the end-to-end tests: browser mode in the system Chromium where one
 * is installed (Debian's /usr/bin/chromium; never `npx playwright install` here), Playwright's own
 * browser elsewhere. Each test starts its own `hmpo-lab serve` on a fresh database (fixtures.ts).
 */
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig<{ target: 'browser' | 'electron' }>({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: '../test-results/e2e',
  projects: [
    { name: 'browser', use: { target: 'browser' }, testIgnore: 'electron-security.spec.ts' },
    // The same specs against the desktop app; skipped with a reason where no Electron binary is installed.
    { name: 'electron', use: { target: 'electron' }, testIgnore: 'security.spec.ts' },
  ],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      ...(SYSTEM_CHROMIUM ? { executablePath: SYSTEM_CHROMIUM } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
    },
  },
});
