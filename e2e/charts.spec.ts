/**
 * Compare charts as a user reads them: the legend shows the last values before any hover (not
 * "--"), step read-outs are whole numbers, the crosshair moves in every curve chart at once, and a
 * drag-zoom on the main chart zooms the AM-GM gap chart too (double-click resets both); the zoom is
 * in the URL (reload keeps it, Back undoes it), in the Run view too; the y axes (main, survival,
 * spectrum) are named, and the Run view's are drawn whole, never clipped by the chart's height (cut
 * with an ellipsis only in a short window, the full label still said); the log-ratio heatmaps
 * carry a colour scale; each chart saves its series as CSV and itself as PNG; screenshots in both
 * themes.
 * An export that cannot write says why in one plain sentence, once, and counts progress in runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures.js';
import { nav, runSmallSweep } from './ui-helpers.js';

/** The x read-out of a chart's legend (its first row). */
const xReadout = (chart: Locator) => chart.locator('.u-legend tr').first().locator('td').first();

/** The x range a chart draws (its plot's data-x-range, written on every x-scale change). */
async function xRange(chart: Locator): Promise<[number, number]> {
  const text = (await chart.locator('[data-x-range]').getAttribute('data-x-range')) ?? '';
  const [min, max] = text.split(',').map(Number);
  return [min ?? Number.NaN, max ?? Number.NaN];
}

/** Log-axis tick labels that are whole decades only (1e-5, 0.001, 0.1, 1, 100). */
const DECADES = /^(1e-?\d+|0\.0*1|10*)( (1e-?\d+|0\.0*1|10*))*$/;
const yTicks = (chart: Locator) => async () => (await chart.locator('[data-y-ticks]').getAttribute('data-y-ticks')) ?? '';

/** Drags across a chart's plot from one fraction of its width to another (a drag-zoom). */
async function dragAcross(page: Page, chart: Locator, from: number, to: number): Promise<void> {
  await chart.locator('.u-over').scrollIntoViewIfNeeded();
  const box = (await chart.locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * from, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
}

async function hoverAt(page: Page, chart: Locator, fraction: number): Promise<void> {
  await chart.locator('.u-over').scrollIntoViewIfNeeded();
  const box = (await chart.locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
}

test('compare charts share crosshair and zoom, the zoom lives in the URL, and they read out whole steps', async ({ app, page }, testInfo) => {
  await app.open(page);
  await runSmallSweep(page, 24, 1);
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await page.keyboard.press('c');
  const main = page.getByRole('figure', { name: 'charts/reward_mean' });
  const gap = page.getByRole('figure', { name: /AM–GM gap/ });
  await expect(main.getByRole('rowheader', { name: /^hmpo/ })).toBeVisible();
  await expect(gap.locator('.u-over')).toBeVisible();

  // Titled in words; each curve chart's y axis is named, with its unit where it has one (drawn on the canvas, said to screen readers).
  await expect(main.getByRole('heading', { name: 'Reward mean', level: 3 })).toBeVisible();
  await expect(main).toContainText('Y axis: Reward mean');
  await expect(page.getByRole('figure', { name: /^Steps to target \(survival\)/ })).toContainText('Y axis: Seeds left (fraction)');
  const spectrum = page.getByRole('region', { name: 'Power-mean spectrum' }).getByRole('figure');
  await expect(spectrum).toHaveCount(2); // one per mean type
  for (const facet of await spectrum.all()) await expect(facet).toContainText('Y axis: Mₚ of ratios');

  // Before any hover: the last step and values, never "--".
  await expect(xReadout(main)).toHaveText('23');
  await expect(main.locator('.u-legend')).not.toContainText('--');

  // The crosshair: hovering the main chart moves the gap chart's read-out to the same whole step.
  await hoverAt(page, main, 0.5);
  await expect(xReadout(main)).toHaveText(/^\d+$/);
  const step = await xReadout(main).textContent();
  expect(step).not.toBe('23');
  await expect(xReadout(gap)).toHaveText(step!);

  // Drag-zoom the main chart onto its second half: the gap chart's left edge now reads about step 12.
  await expect.poll(async () => (await xRange(main))[0]).toBe(0);
  await dragAcross(page, main, 0.5, 0.95);
  await hoverAt(page, gap, 0.01);
  await expect.poll(async () => Number(await xReadout(gap).textContent())).toBeGreaterThanOrEqual(10);
  await screenshot(page, 'compare-zoomed');

  // The zoom is in the URL: a reload (or the copied link) draws the same x range; Back undoes it.
  await expect(page).toHaveURL(/[?&]zoom=\d+(\.\d+)?,\d+(\.\d+)?(&|$)/);
  const [zoomMin, zoomMax] = (/[?&]zoom=([^&]+)/.exec(page.url())![1]!).split(',').map(Number) as [number, number];
  expect(zoomMin).toBeGreaterThanOrEqual(10);
  expect(zoomMax).toBeLessThanOrEqual(23);
  await expect.poll(() => xRange(gap)).toEqual([zoomMin, zoomMax]);
  await page.reload();
  await expect(main.getByRole('rowheader', { name: /^hmpo/ })).toBeVisible();
  await expect.poll(() => xRange(main)).toEqual([zoomMin, zoomMax]);
  await expect.poll(() => xRange(gap)).toEqual([zoomMin, zoomMax]);
  await page.goBack();
  await expect(page).not.toHaveURL(/zoom=/);
  await expect.poll(() => xRange(main)).toEqual([0, 23]);
  await expect.poll(() => xRange(gap)).toEqual([0, 23]);

  // Double-click resets the zoom of both, and takes it out of the URL.
  await dragAcross(page, main, 0.5, 0.95);
  await expect(page).toHaveURL(/zoom=/);
  await main.locator('.u-over').dblclick();
  await hoverAt(page, gap, 0.01);
  await expect.poll(async () => Number(await xReadout(gap).textContent())).toBeLessThanOrEqual(1);
  await expect(page).not.toHaveURL(/zoom=/);
  await expect.poll(() => xRange(gap)).toEqual([0, 23]);

  // The same charts in both themes, kept as CI artefacts.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await main.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath(`compare-charts-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Each log-ratio heatmap has its colour scale, labelled in shares of the step's tokens.
  const colourScale = page.getByRole('img', { name: /^Colour scale: share of the step's tokens/ }).first();
  await colourScale.scrollIntoViewIfNeeded();
  await expect(colourScale).toContainText('0%');
  await page.screenshot({ path: testInfo.outputPath('compare-heatmap.png') });

  // Per-chart export: the drawn series as CSV, the picture as PNG.
  const [csv] = await Promise.all([page.waitForEvent('download'), main.getByRole('button', { name: 'Save the series of Reward mean as CSV' }).click()]);
  expect(csv.suggestedFilename()).toBe('reward-mean.csv');
  const rows = readFileSync((await csv.path())!, 'utf8').trim().split('\n');
  expect(rows[0]).toBe('step,gspo,hmpo'); // groups in the order of their first run (the sweep queued gspo first)
  expect(rows.length).toBeGreaterThan(20);
  const [png] = await Promise.all([page.waitForEvent('download'), main.getByRole('button', { name: 'Save Reward mean as PNG' }).click()]);
  expect(png.suggestedFilename()).toBe('reward-mean.png');
  expect(readFileSync((await png.path())!).subarray(1, 4).toString()).toBe('PNG');

  // Log y labels whole decades only (no smear of minor ticks, no clipped 0.00001).
  await main.getByRole('checkbox', { name: 'log y' }).check();
  await expect.poll(yTicks(main)).toMatch(DECADES);
  await main.getByRole('checkbox', { name: 'log y' }).uncheck();
  // A metric these runs did not record: the chart says why instead of showing an empty frame.
  await page.getByRole('combobox', { name: 'Metric' }).selectOption('losses/kl');
  const kl = page.getByRole('figure', { name: 'losses/kl' });
  await expect(kl.getByRole('note')).toHaveText(/^Nothing recorded for losses\/kl .*\(when klBeta > 0\)\.$/);
  await expect(kl.locator('.u-legend')).toBeHidden();
});

test('Run view charts: y axes named with units, last values, readable log ticks, empty states that say why; a zoom in the URL', async ({ app, page }, testInfo) => {
  await app.open(page);
  await runSmallSweep(page, 24, 1);
  await page.getByRole('button', { name: /^gspo\W+seed 0$/ }).click();
  await expect(page.locator('#run-view-title')).toHaveText(/gspo/);
  const reward = page.getByRole('figure', { name: /^Reward/ }).first();
  await expect.poll(() => xRange(reward)).toEqual([0, 23]);

  // Titles in words, y axes named with the glossary's units (said to screen readers; drawn on the canvas).
  await expect(reward.getByRole('heading', { name: 'Reward', level: 3 })).toBeVisible();
  await expect(reward).toContainText('Y axis: Reward');
  const length = page.getByRole('figure', { name: /^Completion length/ });
  await expect(length).toContainText('Y axis: Completion length (tokens)');
  // The label as drawn on the canvas: whole, not clipped by the chart's height (at most a smaller font, 9 px or more).
  const lengthPlot = length.locator('[data-y-label]');
  await expect(lengthPlot).toHaveAttribute('data-y-label', 'Completion length (tokens)');
  await expect(lengthPlot).toHaveAttribute('data-y-label-shortened', 'false');
  expect(Number(await lengthPlot.getAttribute('data-y-label-px'))).toBeGreaterThanOrEqual(9);
  await expect(length.getByRole('rowheader', { name: /^Completion length/ })).toBeVisible(); // the legend in words, not charts/…
  // Last values before any hover, at a whole step.
  await expect(xReadout(reward)).toHaveText('23');
  await expect(reward.locator('.u-legend')).not.toContainText('--');
  // The gradient norm starts on a log axis: only whole decades are labelled.
  const gradNorm = page.getByRole('figure', { name: /^Gradient norm/ });
  await gradNorm.scrollIntoViewIfNeeded();
  await expect(gradNorm.getByRole('checkbox', { name: 'log y' })).toBeChecked();
  await expect.poll(yTicks(gradNorm)).toMatch(DECADES);
  // A chart with nothing to draw says why.
  const control = page.getByRole('figure', { name: /^AGM controller/ });
  await control.scrollIntoViewIfNeeded();
  await expect(control.getByRole('note')).toHaveText('No controller multipliers: this run trains with every AGM controller switch off.');
  await expect(control.locator('.u-legend')).toBeHidden(); // no row of "--"
  await expect(control.getByRole('button', { name: /as CSV$/ })).toBeDisabled();
  // Each chart saves its own series.
  const [csv] = await Promise.all([page.waitForEvent('download'), length.getByRole('button', { name: 'Save the series of Completion length as CSV' }).click()]);
  expect(csv.suggestedFilename()).toBe('completion-length.csv');
  expect(readFileSync((await csv.path())!, 'utf8').split('\n')[0]).toMatch(/^step,Completion length/);
  await page.screenshot({ path: testInfo.outputPath('run-view-charts.png'), fullPage: true });
  await reward.scrollIntoViewIfNeeded();

  // A zoom is in the URL: reload keeps it, Back undoes it.
  await dragAcross(page, reward, 0.25, 0.75);
  await expect(page).toHaveURL(/#\/runs\/1\?(.*&)?zoom=/);
  const zoomed = await xRange(reward);
  expect(zoomed[0]).toBeGreaterThan(3);
  expect(zoomed[1]).toBeLessThan(20);
  await page.reload();
  await expect.poll(() => xRange(reward)).toEqual(zoomed);
  await page.goBack();
  await expect(page).not.toHaveURL(/zoom=/);
  await expect.poll(() => xRange(reward)).toEqual([0, 23]);

  // A short window makes the charts short: the label is cut with an ellipsis instead of clipped, and still said in full.
  await page.setViewportSize({ width: 1280, height: 360 });
  await expect(lengthPlot).toHaveAttribute('data-y-label-shortened', 'true');
  await expect(lengthPlot).toHaveAttribute('data-y-label', /^Comp[^…]*…$/);
  await expect(lengthPlot).toHaveAttribute('data-y-label-px', '9');
  await expect(length).toContainText('Y axis: Completion length (tokens)');
  await length.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('run-view-short-window.png') });
});

test('an export that cannot write says why in one plain sentence, once; progress counts runs', async ({ app, page }) => {
  await app.open(page);
  await runSmallSweep(page, 4, 1);
  const root = join(app.dir, 'exports'); // browser mode's export root
  mkdirSync(root, { recursive: true });
  const file = join(root, 'not-a-folder');
  writeFileSync(file, 'x');
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await nav(page, 'Export');
  const dialog = page.getByRole('dialog');
  const folder = dialog.getByRole('textbox', { name: 'Output folder' });
  const alerts = dialog.getByRole('alert');

  // A folder under a file: refused when asked (browser mode checks it against the export root at
  // once; the desktop app fails the job), in one sentence either way.
  await folder.fill(join(file, 'sub'));
  await dialog.getByRole('button', { name: 'Export 2 runs' }).click();
  await expect(alerts).toHaveCount(1);
  await expect(alerts).toContainText(`Cannot create the export folder: ${file} is a file, not a folder. Choose `);
  await expect(alerts).toContainText(app.url ? `Choose a folder inside the export root ${root}.` : 'Choose another folder.');
  await expect(dialog).not.toContainText(/ENOTDIR|mkdir/);

  // A folder where a run's own folder is taken by a file: fails while exporting, said once.
  const taken = join(root, 'taken');
  mkdirSync(taken);
  writeFileSync(join(taken, '1'), 'x');
  await folder.fill(taken);
  await dialog.getByRole('button', { name: 'Export 2 runs' }).click();
  await expect(dialog.getByText(/^runs exported \d \/ 2 · failed$/)).toBeVisible();
  await expect(alerts).toHaveCount(1);
  await expect(alerts).toHaveText(`Cannot create the export folder: ${join(taken, '1')} is a file, not a folder. Choose another folder.`);
  await expect(dialog).not.toContainText(/ENOTDIR|EEXIST|mkdir/);

  // A good folder: the same unit up to the end.
  await folder.fill(join(root, 'fine'));
  await dialog.getByRole('button', { name: 'Export 2 runs' }).click();
  await expect(dialog.getByText('runs exported 2 / 2 · finished')).toBeVisible();
  await expect(alerts).toHaveCount(0);
});
