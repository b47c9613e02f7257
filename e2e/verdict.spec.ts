/**
 * The verdict, end to end (issue 10): launch a 2-arm x 3-seed sweep (gspo vs hmpo, tiny runs) from
 * the form, compare it, and read the Verdict panel: one pasteable line per outcome for the pair,
 * paired by seed (n = 3), each marked resolved or not resolved. Browser mode, and the Electron app
 * where its binary exists, on a fresh database.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, SCREENSHOTS, test } from './fixtures.js';
import { gspoAndHmpo, nav, tinyBase } from './ui-helpers.js';

test('a 2-arm x 3-seed sweep gets a verdict line per outcome, paired by seed and marked resolved or not', async ({ app, page }) => {
  await app.open(page);
  await tinyBase(page, 6);
  await gspoAndHmpo(page);
  await page.getByRole('textbox', { name: 'Number of seeds' }).fill('3');
  await page.getByRole('button', { name: 'Start sweep (6 runs)' }).click();

  await nav(page, 'Runs');
  await expect(page.getByRole('cell', { name: 'finished', exact: true })).toHaveCount(6, { timeout: 100_000 });
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await page.keyboard.press('c');

  const panel = page.getByRole('region', { name: 'Verdict' });
  await expect(panel).toBeVisible();
  const pair = '(gspo - hmpo|hmpo - gspo)';
  const finalReward = panel.getByRole('listitem').filter({ hasText: new RegExp(`${pair}, final reward: `) });
  await expect(finalReward).toHaveCount(1);
  await expect(finalReward).toHaveText(/(Resolved|Not resolved)\s*\S+ - \S+, final reward: [-+]?[\d.e-]+ \[[-\d.e]+, [-\d.e]+\], paired n=3, .*p_Holm [=<] [\d.]+ — (resolved|not resolved|no difference)/);
  // Every shown line carries its mark, and the mark agrees with the line's own words.
  const items = panel.getByRole('listitem');
  const count = await items.count();
  expect(count).toBeGreaterThan(2);
  for (let i = 0; i < count; i++) {
    const text = (await items.nth(i).textContent()) ?? '';
    expect(text).toMatch(new RegExp(`^(Resolved|Not resolved)\\s*${pair}, `));
    expect(text.startsWith('Resolved')).toBe(/— resolved$/.test(text.trim()));
  }
  await expect(panel.getByRole('heading', { name: /^Stability/ })).toBeVisible();
  await expect(panel.getByText(/differences resolved\.$/)).toBeVisible();
  mkdirSync(SCREENSHOTS, { recursive: true });
  await panel.screenshot({ path: join(SCREENSHOTS, 'verdict-panel.png') });
});
