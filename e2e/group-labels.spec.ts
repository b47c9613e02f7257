/**
 * Group labels say what distinguishes the groups (issue 11), in the runs table as in Compare: a
 * sweep of hmpo x learningRate [0.001, 0.003] (1 seed, tiny runs) launched from the form, grouped
 * by seeds, reads "… · learningRate=0.001" and "… · learningRate=0.003" (never the same twice, no
 * config hash); the group's hover title is its config, one "path: value" per line; at a 1024 px
 * window the labels show whole; Compare's summary rows and chart legend name the same values.
 * Browser mode, and the Electron app where its binary exists, on a fresh database.
 */
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { nav, tinyBase } from './ui-helpers.js';

/** Every group head's label and its cell show their whole text (nothing cut by an ellipsis). */
async function expectLabelsWhole(labels: Locator): Promise<void> {
  const sizes = await labels.evaluateAll((els) =>
    els.map((el) => ({ text: el.textContent?.trim() ?? '', label: [el.scrollWidth, el.clientWidth], cell: [el.closest('td')!.scrollWidth, el.closest('td')!.clientWidth] })),
  );
  expect(sizes.length).toBeGreaterThan(0);
  for (const { text, label, cell } of sizes) {
    expect(label[0], `"${text}": label scrollWidth ${label[0]} vs clientWidth ${label[1]}`).toBeLessThanOrEqual(label[1]!);
    expect(cell[0], `"${text}": cell scrollWidth ${cell[0]} vs clientWidth ${cell[1]}`).toBeLessThanOrEqual(cell[1]!);
  }
}

test('groups that differ only in learning rate are labelled by it in the runs table and in Compare, show their config on hover, and read whole at 1024 px', async ({ app, page }, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await app.open(page);
  await tinyBase(page, 6);
  const meanTypes = page.getByRole('group', { name: 'Mean types (first axis)' });
  await meanTypes.getByRole('checkbox', { name: 'hmpo', exact: true }).check();
  for (const other of ['grpo', 'gspo']) await meanTypes.getByRole('checkbox', { name: other, exact: true }).uncheck();
  await page.getByRole('textbox', { name: 'Number of seeds' }).fill('1');
  await page.getByRole('textbox', { name: 'Extra axis field' }).fill('optimizer.learningRate');
  await page.getByRole('textbox', { name: 'values' }).fill('0.001, 0.003');
  await page.getByRole('button', { name: 'Start sweep (2 runs)' }).click({ timeout: 10_000 });

  await nav(page, 'Runs');
  await expect(page.getByRole('cell', { name: 'finished', exact: true })).toHaveCount(2, { timeout: 90_000 });
  await page.getByRole('checkbox', { name: 'Group seeds (config minus seed)' }).check();

  // Two head rows, labelled by what tells them apart, in the words Compare uses.
  const heads = page.locator('tr.group-row .toggle');
  await expect(heads).toHaveCount(2);
  const base = 'hmpo · pattern-dense · adamw';
  const slow = page.getByRole('button', { name: `${base} · learningRate=0.001`, exact: true });
  const fast = page.getByRole('button', { name: `${base} · learningRate=0.003`, exact: true });
  await expect(slow).toBeVisible();
  await expect(fast).toBeVisible();
  const texts = (await heads.allTextContents()).map((t) => t.replace(/^[▸▾]\s*/, '').trim());
  expect(new Set(texts).size).toBe(2);
  for (const text of texts) expect(text).not.toMatch(/config [0-9a-f]{6}|#\d/);

  // Hover: the group's config, one "path: value" per line, not its 64-character hash.
  await slow.hover();
  await expect(slow).toHaveAttribute('title', /^optimizer\.learningRate: 0\.001$/m);
  await expect(slow).toHaveAttribute('title', /^objective\.preset: hmpo$/m);
  await expect(slow).toHaveAttribute('title', /^totalSteps: 6$/m);
  await expect(fast).toHaveAttribute('title', /^optimizer\.learningRate: 0\.003$/m);
  expect(await slow.getAttribute('title')).not.toMatch(/[0-9a-f]{64}/);
  await expectLabelsWhole(heads);
  await page.screenshot({ path: testInfo.outputPath('group-labels-1440.png'), fullPage: true });

  // At 1024 px lower-priority columns hide before a group label is cut.
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(page.getByRole('button', { name: /columns? hidden$/ })).toBeVisible();
  await expectLabelsWhole(heads);
  const scroller = page.locator('.scroller').first();
  const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth, 'the table does not scroll sideways').toBeLessThanOrEqual(clientWidth);
  await page.screenshot({ path: testInfo.outputPath('group-labels-1024.png'), fullPage: true });

  // Compare names the same values: the summary's row headers and the chart legend.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await page.keyboard.press('c');
  for (const lr of ['0.001', '0.003']) {
    const row = page.getByRole('rowheader', { name: `hmpo · learningRate=${lr}`, exact: true });
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row).toHaveAttribute('title', new RegExp(`^optimizer\\.learningRate: ${lr.replace('.', '\\.')}$`, 'm'));
    await expect(page.locator('.u-legend').first()).toContainText(`hmpo · learningRate=${lr}`);
  }
  await page.screenshot({ path: testInfo.outputPath('group-labels-compare.png'), fullPage: true });
});
