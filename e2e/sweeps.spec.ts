/**
 * Sweeps as first-class objects, as a user clicks: a sweep launched from the form is listed in the
 * Sweeps view as "sweep 1", live while it trains (state running, a progress bar), then with its
 * grid, status counts, start and wall time; its page groups the runs by cell; a
 * rename shows everywhere (page, runs table's sweep column and filter, export dialog); one click
 * compares the whole sweep. Screenshots go to test-results/screenshots.
 */
import type { Locator } from '@playwright/test';
import { expect, screenshot, test } from './fixtures.js';
import { gspoAndHmpo, nav, tinyBase } from './ui-helpers.js';

/** The cell of `row` under the column headed `header` (the row's header cell counts as the first column). */
async function cellUnder(table: Locator, row: Locator, header: string): Promise<Locator> {
  const headers = (await table.getByRole('columnheader').allTextContents()).map((text) => text.trim());
  expect(headers, `the Sweeps table has a "${header}" column`).toContain(header);
  return row.locator(':scope > th, :scope > td').nth(headers.indexOf(header));
}

test('a sweep is listed live, renamed once for everywhere, filtered in the runs table and compared in one click', async ({ app, page }) => {
  await app.open(page);
  // As in app.spec.ts: 4 runs x 40 steps, two at a time, train long enough (a few seconds) to be seen live.
  await tinyBase(page, 40);
  await gspoAndHmpo(page);
  await page.getByRole('textbox', { name: 'Number of seeds' }).fill('2');
  await page.getByRole('button', { name: 'Start sweep (4 runs)' }).click();

  await nav(page, 'Sweeps');
  const list = page.getByRole('table', { name: 'Sweeps' });
  const row = list.getByRole('row', { name: /sweep 1/ });
  // Live: while a run trains the sweep reads running, with its progress bar partly filled.
  await expect(row.getByRole('cell', { name: 'running', exact: true })).toBeVisible();
  const progress = row.getByRole('progressbar', { name: 'Progress of sweep 1' });
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute('max', '160'); // steps of all four runs

  await expect(row.getByRole('cell', { name: 'finished', exact: true })).toBeVisible({ timeout: 90_000 });
  await expect(progress).toBeHidden();
  await expect(row.getByRole('cell', { name: '4 finished' })).toBeVisible();
  await expect(row.getByRole('cell', { name: 'objective (2) × seeds (2)' })).toBeVisible();
  await expect(await cellUnder(list, row, 'Steps')).toHaveText('160 / 160');
  // Start and wall time are filled in (not "—"): a date and minute, and a duration.
  await expect(await cellUnder(list, row, 'Started')).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
  await expect(await cellUnder(list, row, 'Wall time')).toHaveText(/^(\d+s|\d+m \d\ds)$/);
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
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(4);
  await expect(page.getByRole('button', { name: 'sweep 1 · mean types' })).toHaveCount(4);

  // The export dialog names it the same way.
  await nav(page, 'Export');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: 'All runs of a sweep' }).check();
  await expect(dialog.getByRole('combobox', { name: 'Sweep' }).getByRole('option', { name: 'sweep 1 · mean types (4 runs)' })).toHaveCount(1);
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
