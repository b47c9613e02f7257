/**
 * Electron-only checks of the desktop shell: the renderer cannot reach Node (no require, no
 * process), sees only the contract's `window.api`, and cannot navigate away. Runs in the 'electron'
 * project; skipped, with the reason, where no Electron binary is installed.
 */
import { expect, test } from './fixtures.js';

test('the renderer cannot reach Node and sees only the contract', async ({ page, target }) => {
  test.skip(target !== 'electron', 'Electron-only check');
  await expect(page.getByRole('heading', { name: 'HMPO Lab', level: 1 })).toBeVisible();
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  expect(await page.evaluate(() => Object.keys((globalThis as unknown as { api: object }).api).sort())).toEqual(['invoke', 'on']);
  const before = page.url();
  await page.evaluate(() => {
    (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.org/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe(before);
});
