/**
 * The sweep builder's built-in plans, end to end on a fresh database: one click fills a plan whose
 * run count comes from main's sweeps:preview (src-shared's plans and expansion), a QK-clip plan asks
 * for a tau, a hand-built sweep with two cells that train the same thing is refused by main with
 * both cells named, and a plan started from the GUI trains its runs.
 */
import { expect, test } from './fixtures.js';
import { nav, tinyBase } from './ui-helpers.js';

test('plans in one click, tau for QK-clip arms, duplicate cells refused, a plan trains', async ({ app, page }) => {
  await app.open(page);
  await tinyBase(page, 4);
  const plans = page.getByRole('group', { name: 'Plans' });

  await plans.getByRole('button', { name: 'Mean ablation' }).click();
  await expect(page.getByRole('button', { name: 'Start sweep (15 runs)' })).toBeEnabled();
  await expect(page.getByText('5 cells', { exact: true })).toBeVisible(); // main's preview: one axis of 5 arms

  await plans.getByRole('button', { name: 'Seed experiment plan' }).click();
  await expect(page.getByText(/tau: give a number > 0 that fires at this model size/)).toBeVisible();
  await page.getByRole('textbox', { name: 'QK-clip tau' }).fill('5');
  await expect(page.getByRole('button', { name: 'Start sweep (84 runs)' })).toBeEnabled();

  await page.getByRole('button', { name: 'Build by hand instead' }).click();
  const meanTypes = page.getByRole('group', { name: 'Mean types (first axis)' });
  for (const preset of ['grpo', 'gspo']) await meanTypes.getByRole('checkbox', { name: preset, exact: true }).uncheck();
  await meanTypes.getByRole('checkbox', { name: 'hmpo', exact: true }).check();
  await meanTypes.getByRole('checkbox', { name: 'power', exact: true }).check();
  await page.getByRole('textbox', { name: 'p values for power' }).fill('-1');
  await expect(page.getByText(/cells 'hmpo' and 'power p=-1' train the same configuration/)).toBeVisible();

  await plans.getByRole('button', { name: 'Methods' }).click();
  await page.getByRole('textbox', { name: 'Seed list' }).fill('0');
  await page.getByRole('button', { name: 'Start sweep (4 runs)' }).click();
  await nav(page, 'Runs');
  await expect(page.getByRole('row', { name: /^Select run / })).toHaveCount(4);
  await expect(page.getByRole('cell', { name: 'finished', exact: true })).toHaveCount(4, { timeout: 120_000 });
});
