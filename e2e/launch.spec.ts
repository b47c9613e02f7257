/**
 * The launch form as a user fixes it: the common fields come first and the advanced settings are
 * collapsed; the sweep builder is one click from the top; a field's own problem and a cross-field
 * problem are listed at once; and each item of the problem list focuses the field it is about,
 * opening the collapsed advanced section first when the field is in it.
 */
import { expect, test } from './fixtures.js';
import { nav } from './ui-helpers.js';

test('common fields first, advanced collapsed; all problems at once; each problem item opens and focuses its field', async ({ app, page }, testInfo) => {
  await app.open(page);
  await nav(page, 'Launch');
  const advanced = page.locator('details', { has: page.locator('summary', { hasText: 'Advanced settings' }) });
  const advancedSummary = advanced.locator(':scope > summary');
  const field = (name: string) => page.getByRole('textbox', { name, exact: true });

  // Common fields are shown; the advanced ones wait in a closed section.
  await expect(page.getByRole('group', { name: 'Common settings' }).getByRole('combobox', { name: 'objective.preset' })).toBeVisible();
  await expect(field('totalSteps')).toBeVisible();
  await expect(field('optimizer.learningRate')).toBeVisible();
  await expect(advanced).not.toHaveAttribute('open');
  await expect(field('model.dModel')).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('launch-sections.png'), fullPage: true });

  await page.getByRole('button', { name: 'go to the sweep builder' }).click();
  await expect(page.getByRole('heading', { name: 'Sweep', level: 2 })).toBeInViewport();

  // An out-of-range common field and a cross-field problem in the advanced section, listed together.
  await field('groupSize').fill('1');
  await advancedSummary.click();
  await field('model.dModel').fill('30');
  await advancedSummary.click();
  await expect(field('model.dModel')).toBeHidden();
  const problems = page.getByRole('form', { name: 'Launch runs' }).locator('.summary li');
  await expect(problems).toHaveCount(2);
  await expect(page.getByRole('button', { name: /^groupSize: / })).toBeVisible();
  const crossField = page.getByRole('button', { name: /^model\.dModel: dModel 30 is not divisible by nHeads 4/ });
  await expect(crossField).toBeVisible();
  await expect(advancedSummary).toContainText('1 problem inside');
  await page.screenshot({ path: testInfo.outputPath('launch-problems.png'), fullPage: true });

  // The advanced field's problem opens the section and focuses the field; the common one focuses its own.
  await crossField.click();
  await expect(advanced).toHaveAttribute('open');
  await expect(field('model.dModel')).toBeFocused();
  await page.getByRole('button', { name: /^groupSize: / }).click();
  await expect(field('groupSize')).toBeFocused();
  await page.screenshot({ path: testInfo.outputPath('launch-problem-focused.png'), fullPage: true });
});
