/**
 * The launch form as a user fixes it: the sweep builder is one click from the top, and each item
 * of the problem list takes the user to (focuses) the field it is about; a field's own problem and a
 * cross-field problem are listed at once.
 */
import { expect, screenshot, test } from './fixtures.js';
import { nav } from './ui-helpers.js';

test('problem items focus their field, and the sweep builder is reachable from the top', async ({ app, page }) => {
  await app.open(page);
  await nav(page, 'Launch');
  await page.getByRole('button', { name: 'go to the sweep builder' }).click();
  await expect(page.getByRole('heading', { name: 'Sweep', level: 2 })).toBeInViewport();

  // A field's own problem and a cross-field one, listed together.
  await page.getByRole('textbox', { name: 'groupSize', exact: true }).fill('1');
  await page.getByRole('textbox', { name: 'model.dModel', exact: true }).fill('30');
  await page.getByRole('textbox', { name: 'totalSteps', exact: true }).focus();
  const crossField = page.getByRole('button', { name: /^model\.dModel: dModel 30 is not divisible by nHeads 4/ });
  await expect(crossField).toBeVisible();
  await page.getByRole('button', { name: /^groupSize: / }).click();
  await expect(page.getByRole('textbox', { name: 'groupSize', exact: true })).toBeFocused();
  await crossField.click();
  await expect(page.getByRole('textbox', { name: 'model.dModel', exact: true })).toBeFocused();
  await screenshot(page, 'launch-problems');
});
