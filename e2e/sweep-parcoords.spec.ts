/**
 * A sweep's parallel coordinates as a user sees them: after a small sweep (gspo and hmpo, one seed)
 * finishes, its page draws one axis for the swept key and one per verdict outcome, and one line per
 * run; dragging along the swept key's axis keeps only the runs in that range; an axis can be hidden.
 */
import { expect, test } from './fixtures.js';
import { nav, runSmallSweep } from './ui-helpers.js';

test('a finished sweep\'s page plots its runs over the swept key and the verdict outcomes, and brushing filters them', async ({ app, page }, testInfo) => {
  await app.open(page);
  await runSmallSweep(page, 12, 1);
  await nav(page, 'Sweeps');
  await page.getByRole('table', { name: 'Sweeps' }).getByRole('button', { name: 'sweep 1', exact: true }).click();

  const plot = page.getByRole('figure', { name: 'Parallel coordinates' });
  const svg = plot.getByRole('img', { name: /^Parallel coordinates of sweep 1: 2 runs/ });
  await expect(svg).toBeVisible();
  const axisTitles = await svg.locator('g.axis').evaluateAll((axes) => axes.map((axis) => axis.getAttribute('data-axis')));
  // The swept key first, then the outcomes: the reward ones always, and the ratio ones these off-policy runs measured.
  expect(axisTitles[0]).toBe('objective');
  expect(axisTitles.slice(1, 4)).toEqual(['final reward', 'eval reward', 'AUC']);
  expect(axisTitles).toEqual(expect.arrayContaining(['steps to target', 'log-ratio variance', 'ESS', 'collapsed']));
  await expect(svg.locator('g.axis[data-axis="objective"] .tick-label')).toHaveText(['gspo', 'hmpo']);
  await expect(svg.locator('path.line')).toHaveCount(2);
  await page.screenshot({ path: testInfo.outputPath('sweep-page.png'), fullPage: true });
  await plot.screenshot({ path: testInfo.outputPath('sweep-parcoords.png') });

  // Drag over the upper half of the objective axis (hmpo's category): one run is kept, one fades.
  const box = (await svg.locator('g.axis[data-axis="objective"] rect.hit').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.05);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.45, { steps: 4 });
  await page.mouse.up();
  await expect(plot.getByRole('status')).toHaveText('1 of 2 runs in the brushed ranges');
  await expect(svg.locator('path.line.faded')).toHaveCount(1);
  await plot.screenshot({ path: testInfo.outputPath('sweep-parcoords-brushed.png') });
  await plot.getByRole('button', { name: 'Clear brushes' }).click();
  await expect(svg.locator('path.line.faded')).toHaveCount(0);

  // Axes can be hidden: the plot keeps the others and every line.
  await plot.getByText(`Axes (${axisTitles.length} of ${axisTitles.length})`).click();
  await plot.getByRole('checkbox', { name: 'eval reward' }).uncheck();
  await expect(svg.locator('g.axis')).toHaveCount(axisTitles.length - 1);
  await expect(svg.locator('g.axis[data-axis="eval reward"]')).toHaveCount(0);
  await expect(svg.locator('path.line')).toHaveCount(2);
});
