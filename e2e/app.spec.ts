/**
 * End to end, in browser mode (`hmpo-lab serve` + the system Chromium) and, where its binary exists,
 * in the Electron app (the 'electron' project), each test on a fresh database: launch a two-seed sweep from the form and watch it train live to the end; compare it
 * (one band per mean type, the summary table); export it as AGM and check the files on disk; stop a
 * running run; see an invalid config's message. Screenshots of the main views are kept as artifacts.
 */
import { join } from 'node:path';
import { agmExportViolations } from '../test-support/agm-rules.js';
import { expect, screenshot, test } from './fixtures.js';
import { gspoAndHmpo, nav, openAdvanced, tinyBase } from './ui-helpers.js';
import type { Page } from '@playwright/test';

const statusCells = (page: Page, status: string) => page.getByRole('cell', { name: status, exact: true });

test('launch a two-seed sweep, watch it train live, compare it and export it as AGM', async ({ app, page }) => {
  await app.open(page);
  await expect(page.getByText(app.dbPath)).toBeVisible();
  await tinyBase(page, 40);
  await gspoAndHmpo(page);
  await page.getByRole('textbox', { name: 'Number of seeds' }).fill('2');
  await screenshot(page, 'launch');
  await page.getByRole('button', { name: 'Start sweep (4 runs)' }).click();

  await nav(page, 'Runs');
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(4);
  // Live: a run is seen running (with its progress) before all four finish.
  await expect(statusCells(page, 'running').first()).toBeVisible();
  await screenshot(page, 'runs-live');
  await expect(statusCells(page, 'finished')).toHaveCount(4, { timeout: 90_000 });
  await expect(page.getByRole('cell', { name: '40 / 40' })).toHaveCount(4);
  await screenshot(page, 'runs-finished');

  // Compare: one band per mean type, and the summary table.
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await page.keyboard.press('c');
  await expect(page.getByRole('heading', { name: 'Compare', level: 2 })).toBeVisible();
  const rewardChart = page.getByRole('figure', { name: 'charts/reward_mean' });
  await expect(rewardChart.getByRole('rowheader', { name: 'hmpo :' })).toBeVisible();
  await expect(rewardChart.getByRole('rowheader', { name: 'gspo :' })).toBeVisible();
  await expect(rewardChart.getByRole('rowheader')).toHaveCount(3); // the x value, then one entry per mean type
  const summary = page.getByRole('table', { name: 'Summary per group' });
  await expect(summary.getByRole('row')).toHaveCount(3); // header + gspo + hmpo
  // The panels keep their titled regions and captions (FacetGrid, CompareTable): one spectrum chart and one histogram run picker per mean type.
  await expect(page.getByRole('region', { name: 'Power-mean spectrum' }).getByRole('figure')).toHaveCount(2);
  await expect(page.getByRole('region', { name: 'Token log-ratio histograms' }).getByRole('combobox', { name: /^Run for / })).toHaveCount(2);
  await expect(page.getByRole('table', { name: 'Config differences' }).getByRole('rowheader', { name: 'objective.preset' })).toBeVisible();
  await expect(page.getByText(/linear interpolation on a shared grid/).first()).toBeVisible();
  await screenshot(page, 'compare');

  // Export the sweep's runs as AGM and find valid files on disk.
  const outDir = join(app.dir, 'exports', 'agm-export'); // inside browser mode's export root (exports/ beside the database)
  await nav(page, 'Export');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: /^agm/ }).check();
  await dialog.getByRole('textbox', { name: 'Output folder' }).fill(outDir);
  await dialog.getByRole('button', { name: 'Export 4 runs' }).click();
  await expect(dialog.getByText('Exported to')).toBeVisible({ timeout: 60_000 });
  await expect(dialog.getByText(outDir).first()).toBeVisible();
  await screenshot(page, 'export');
  expect(agmExportViolations(outDir)).toEqual([]);
});

test('stop a running run', async ({ app, page }) => {
  await app.open(page);
  await tinyBase(page, 100_000);
  await page.getByRole('button', { name: 'Launch 1 run' }).click();
  await nav(page, 'Runs');
  await expect(statusCells(page, 'running')).toHaveCount(1, { timeout: 30_000 });
  await page.getByRole('button', { name: /^Actions for run / }).click();
  await page.getByRole('dialog').getByRole('button', { name: /^Stop/ }).click();
  await expect(statusCells(page, 'stopped')).toHaveCount(1, { timeout: 30_000 });
  await screenshot(page, 'runs-stopped');
});

test('an invalid config shows its message where the user acted, and launches nothing', async ({ app, page }) => {
  await app.open(page);
  await nav(page, 'Launch');
  await openAdvanced(page);
  await page.getByRole('textbox', { name: 'model.dModel', exact: true }).fill('30');
  await expect(page.getByText(/dModel 30 is not divisible by nHeads 4/).first()).toBeVisible();
  await screenshot(page, 'launch-invalid');
  const launch = page.getByRole('button', { name: /^Launch \d+ run/ });
  if (await launch.isEnabled()) await launch.click();
  await nav(page, 'Runs');
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(0);
});
