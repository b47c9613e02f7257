/**
 * The runs table as a user shapes it: add a config-key column and a metric column from the column
 * chooser, sort by the metric, group by a config key, and reload (both kept, from the URL); filter by
 * the added columns with `key=value` / `key>n` terms. Then the
 * table fits: at 1024x768 nothing scrolls sideways and every row's buttons are on screen (low
 * priority columns hide, "n columns hidden" says so); at 1440 with grouping on, the groups'
 * Compare and the rows' Actions buttons are inside the viewport. Screenshots are test artefacts.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { runSmallSweep } from './ui-helpers.js';

/** Every button of the table's rows lies inside the viewport, and the table does not scroll sideways. */
async function expectFits(page: Page, width: number): Promise<void> {
  const scroller = page.locator('.scroller').first();
  const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth, `table at ${width} px: scrollWidth ${scrollWidth} vs clientWidth ${clientWidth}`).toBeLessThanOrEqual(clientWidth);
  const buttons = page.locator('tbody tr').getByRole('button', { name: /^(Compare group|Actions for run)/ });
  expect(await buttons.count()).toBeGreaterThan(0);
  const boxes = await buttons.evaluateAll((els) => els.map((el) => ({ button: el.getBoundingClientRect(), cell: el.closest('td')!.getBoundingClientRect() })).map(({ button, cell }) => ({ button: { left: button.left, right: button.right }, cell: { left: cell.left, right: cell.right } })));
  for (const { button, cell } of boxes) {
    expect(button.left).toBeGreaterThanOrEqual(0);
    expect(button.right).toBeLessThanOrEqual(width);
    // Not clipped by its own cell either.
    expect(button.right).toBeLessThanOrEqual(cell.right);
  }
}

test('choose config and metric columns, sort by one, group by a config key; reload keeps them; the table fits 1024 and 1440 px', async ({ app, page }, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await app.open(page);
  await runSmallSweep(page, 12, 2);

  // Add a config column and a metric column from the chooser.
  await page.getByRole('button', { name: 'Columns…' }).click();
  const chooser = page.getByRole('dialog', { name: 'Columns' });
  await chooser.getByRole('checkbox', { name: 'Config column objective.preset' }).check();
  await chooser.getByRole('checkbox', { name: 'Metric column charts/reward_mean (last)' }).check();
  await chooser.getByRole('button', { name: 'Close' }).click();
  const metricHeader = page.getByRole('button', { name: 'Sort by charts/reward_mean (last)' });
  await expect(page.getByRole('button', { name: 'Sort by objective.preset' })).toBeVisible();
  await expect(metricHeader).toBeVisible();

  // Sort by the metric: the column's cells read in descending order, then ascending.
  const metricCells = async () => {
    const index = await page.locator('thead th').evaluateAll((ths) => ths.findIndex((th) => th.textContent?.includes('charts/reward_mean (last)')));
    return page.locator('tbody tr.data-row').evaluateAll((rows, i) => rows.map((row) => Number(row.children[i]!.textContent)), index);
  };
  await metricHeader.click();
  let values = await metricCells();
  expect(values).toHaveLength(4);
  expect(values.every(Number.isFinite)).toBe(true);
  expect(values).toEqual([...values].sort((a, b) => b - a));
  await metricHeader.click();
  values = await metricCells();
  expect(values).toEqual([...values].sort((a, b) => a - b));

  // Group by a config key: one head row per value, with its count.
  await page.getByRole('combobox', { name: 'Group by' }).selectOption('config:objective.preset');
  await expect(page.getByRole('button', { name: 'preset = gspo · 2 runs', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'preset = hmpo · 2 runs', exact: true })).toBeVisible();
  await expect(page).toHaveURL(/group=config:objective\.preset/);
  await expect(page).toHaveURL(/cols=config:objective\.preset,metric:charts\/reward_mean:last/);

  // Reload: the columns, the sort and the grouping come back from the URL.
  await page.reload();
  await expect(page.getByRole('button', { name: 'preset = gspo · 2 runs', exact: true })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Group by' })).toHaveValue('config:objective.preset');
  await expect(page.getByRole('columnheader', { name: 'Sort by charts/reward_mean (last)' })).toHaveAttribute('aria-sort', 'ascending');
  await expect(page.getByRole('cell', { name: 'gspo', exact: true }).first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('runs-table-1440-grouped.png'), fullPage: true });

  // Added columns filter like built-in ones: `key=value` and `key>number` terms in the filter box.
  const filter = page.getByRole('searchbox', { name: 'Filter runs' });
  await filter.fill('objective.preset=hmpo');
  await expect(page.getByText('2 of 4 runs')).toBeVisible();
  await expect(page.getByRole('button', { name: 'preset = gspo · 2 runs', exact: true })).toHaveCount(0);
  // Halfway between the two highest shown values, so rounding in the cells cannot decide it.
  const [top, next = top - 1] = [...new Set(values)].sort((a, b) => b - a) as [number, number?];
  await filter.fill(`charts/reward_mean>${(top + next) / 2}`);
  await expect(page.getByText(`${values.filter((v) => v === top).length} of 4 runs`)).toBeVisible();
  await filter.fill('');

  // 1440 px with grouping: every Compare and Actions button is inside the viewport.
  await expectFits(page, 1440);

  // 1024 px: no sideways scroll; columns that do not fit are hidden and counted.
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(page.getByRole('button', { name: /^\d+ columns? hidden$/ })).toBeVisible();
  await expectFits(page, 1024);
  await page.screenshot({ path: testInfo.outputPath('runs-table-1024-grouped.png'), fullPage: true });
  await page.getByRole('combobox', { name: 'Group by' }).selectOption('');
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(4);
  await expectFits(page, 1024);
  await page.screenshot({ path: testInfo.outputPath('runs-table-1024.png'), fullPage: true });
});
