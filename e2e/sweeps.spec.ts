/**
 * Sweeps as first-class objects, as a user clicks: a sweep launched from the form is listed in the
 * Sweeps view as "sweep 1" with its grid and status counts; its page groups the runs by cell; a
 * rename shows everywhere (page, runs table's sweep column and filter, export dialog); one click
 * compares the whole sweep. Screenshots go to test-results/screenshots.
 */
import { expect, screenshot, test } from './fixtures.js';
import { nav, runSmallSweep } from './ui-helpers.js';

test('a sweep is listed, renamed once for everywhere, filtered in the runs table and compared in one click', async ({ app, page }) => {
  await app.open(page);
  await runSmallSweep(page, 12, 1);

  await nav(page, 'Sweeps');
  const list = page.getByRole('table', { name: 'Sweeps' });
  const row = list.getByRole('row', { name: /sweep 1/ });
  await expect(row.getByRole('cell', { name: 'finished', exact: true })).toBeVisible();
  await expect(row.getByRole('cell', { name: '2 finished' })).toBeVisible();
  await expect(row.getByRole('cell', { name: 'objective (2) × seeds (1)' })).toBeVisible();
  await screenshot(page, 'sweeps-list');

  await row.getByRole('button', { name: 'sweep 1', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'sweep 1', level: 2, exact: true })).toBeVisible();
  const cells = page.getByRole('table', { name: /Runs of sweep 1 by cell/ });
  await expect(cells.getByRole('rowheader')).toHaveText(['gspo', 'hmpo']);
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('textbox', { name: 'Name of sweep 1' }).fill('mean types');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('heading', { name: 'sweep 1 · mean types', level: 2 })).toBeVisible();
  await screenshot(page, 'sweep-page');

  // The runs table: the sweep filter is set, and the sweep column says the same name.
  await page.getByRole('button', { name: 'Show in runs table' }).click();
  await expect(page.getByRole('combobox', { name: 'Sweep' })).toHaveValue('1');
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'sweep 1 · mean types' })).toHaveCount(2);

  // The export dialog names it the same way.
  await nav(page, 'Export');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: 'All runs of a sweep' }).check();
  await expect(dialog.getByRole('combobox', { name: 'Sweep' }).getByRole('option', { name: 'sweep 1 · mean types (2 runs)' })).toHaveCount(1);
  await page.keyboard.press('Escape');

  // One click compares the whole sweep.
  await nav(page, 'Sweeps');
  await page.getByRole('button', { name: 'Compare sweep 1 · mean types' }).click();
  await expect(page.getByRole('heading', { name: 'Compare', level: 2 })).toBeVisible();
  const rewardChart = page.getByRole('figure', { name: 'charts/reward_mean' });
  await expect(rewardChart.getByRole('rowheader', { name: /^gspo/ })).toBeVisible();
  await expect(rewardChart.getByRole('rowheader', { name: /^hmpo/ })).toBeVisible();
  await screenshot(page, 'sweep-compare');
});
