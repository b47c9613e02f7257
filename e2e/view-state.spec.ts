/**
 * View state in the URL, as a user works: grouping, selection and the comparison's smoothing and
 * target survive a reload and a trip to another view; browser Back and Forward move between views
 * (Back from a run view returns to the runs table, inside the app); the page's link, opened in a
 * fresh tab, shows the same comparison; a saved named view restores it from another view. The
 * theme toggle forces light or dark and is remembered. Screenshots go to test-results/screenshots.
 */
import { expect, screenshot, test } from './fixtures.js';
import { nav, runSmallSweep } from './ui-helpers.js';

test('reload, Back/Forward and a copied link restore the view: selection, grouping and compare controls', async ({ app, page, context }) => {
  await app.open(page);
  await runSmallSweep(page, 12, 1);

  // Runs: group seeds, select everything, compare with smoothing and a target.
  await page.getByRole('checkbox', { name: 'Group seeds (config minus seed)' }).check();
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await page.keyboard.press('c');
  const smoothing = page.getByRole('slider', { name: 'Smoothing (EMA weight)' });
  await smoothing.fill('0.5');
  await page.getByRole('textbox', { name: 'Target' }).fill('0.25');
  await expect(page.getByText(/EMA smoothing 0.5 \(debiased\)/).first()).toBeVisible();

  const expectComparison = async () => {
    await expect(page.getByRole('heading', { name: 'Compare', level: 2 })).toBeVisible();
    await expect(page.getByRole('slider', { name: 'Smoothing (EMA weight)' })).toHaveValue('0.5');
    await expect(page.getByRole('textbox', { name: 'Target' })).toHaveValue('0.25');
    await expect(page.getByRole('figure', { name: 'charts/reward_mean' }).getByRole('rowheader', { name: /^hmpo/ })).toBeVisible();
  };
  await expect(page).toHaveURL(/#\/compare\?runs=1,2&smooth=0.5&target=0.25&sel=1,2&group=1$/);
  await page.reload();
  await expectComparison();
  await screenshot(page, 'compare-after-reload');

  // Leaving Compare and coming back keeps the controls; Back and Forward move between the views.
  await nav(page, 'Runs');
  await expect(page.getByRole('checkbox', { name: 'Group seeds (config minus seed)' })).toBeChecked();
  await nav(page, 'Compare');
  await expectComparison();
  await page.goBack();
  await expect(page.getByRole('checkbox', { name: 'Group seeds (config minus seed)' })).toBeChecked();
  await page.goForward();
  await expectComparison();

  // Back from a run view returns to the runs table, inside the app.
  await nav(page, 'Runs');
  await page.getByRole('checkbox', { name: 'Group seeds (config minus seed)' }).uncheck();
  await page.getByRole('button', { name: /^gspo\W+seed 0$/ }).click();
  await expect(page.locator('#run-view-title')).toHaveText(/gspo/);
  await expect(page).toHaveURL(/#\/runs\/1\b/);
  await page.goBack();
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(2);
  await expect(page).toHaveURL(new RegExp(`^${app.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));

  // A saved named view restores the comparison from anywhere.
  await nav(page, 'Compare');
  await page.getByText('Views (0)').click();
  await page.getByRole('textbox', { name: 'Save this view as' }).fill('smoothed');
  await page.getByRole('button', { name: 'Save view' }).click();
  await nav(page, 'Sweeps');
  await page.getByText('Views (1)').click();
  await page.getByRole('button', { name: 'smoothed', exact: true }).click();
  await expectComparison();

  // The comparison's link, opened in a fresh tab, shows the same comparison.
  const link = page.url();
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByRole('slider', { name: 'Smoothing (EMA weight)' })).toHaveValue('0.5');
  await expect(other.getByRole('textbox', { name: 'Target' })).toHaveValue('0.25');
  await other.close();
});

test('the theme toggle forces light or dark, and the choice is remembered', async ({ app, page }) => {
  await app.open(page);
  const html = page.locator('html');
  await page.getByRole('button', { name: 'Theme: system' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByRole('button', { name: 'Theme: light' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.getByRole('button', { name: 'Theme: dark' })).toBeVisible();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await screenshot(page, 'runs-dark');
});
