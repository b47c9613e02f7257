/**
 * Helpers for the workflow specs (sweeps, URL state): switch views as a user does (the Main nav),
 * fill the launch form with a tiny fast run, and start a small sweep from the sweep builder.
 * Only clicks and typing; nothing here reaches into the app's state.
 */
import type { Page } from '@playwright/test';
import { expect } from './fixtures.js';

export type MainView = 'Runs' | 'Sweeps' | 'Launch' | 'Compare' | 'Export';

/** Clicks a button of the main navigation. */
export const nav = (page: Page, view: MainView) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: new RegExp(`^${view}`) }).click();

/** Opens the launch form's collapsed "Advanced settings" section (a no-op when it is open). */
export async function openAdvanced(page: Page): Promise<void> {
  const section = page.locator('details', { has: page.locator('summary', { hasText: 'Advanced settings' }) });
  if ((await section.getAttribute('open')) === null) await section.locator(':scope > summary').click();
}

/** Fills the launch form's base config with a tiny, fast run. */
export async function tinyBase(page: Page, totalSteps: number): Promise<void> {
  await nav(page, 'Launch');
  await openAdvanced(page);
  const fields: [string, string][] = [
    ['totalSteps', String(totalSteps)],
    ['model.dModel', '16'],
    ['promptsPerRollout', '2'],
    ['groupSize', '4'],
    ['minibatchesPerRollout', '2'],
    ['completionLength', '8'],
    ['evalPrompts', '4'],
  ];
  for (const [label, value] of fields) await page.getByRole('textbox', { name: label, exact: true }).fill(value);
}

/** Ticks gspo and hmpo (and not grpo) as the sweep builder's mean types. */
export async function gspoAndHmpo(page: Page): Promise<void> {
  const meanTypes = page.getByRole('group', { name: 'Mean types (first axis)' });
  await meanTypes.getByRole('checkbox', { name: 'grpo', exact: true }).uncheck();
  for (const preset of ['gspo', 'hmpo']) await meanTypes.getByRole('checkbox', { name: preset, exact: true }).check();
}

/** Starts a sweep of gspo and hmpo x `seeds` seeds from the sweep builder, and waits for every run to finish. */
export async function runSmallSweep(page: Page, totalSteps: number, seeds: number): Promise<void> {
  await tinyBase(page, totalSteps);
  await gspoAndHmpo(page);
  await page.getByRole('textbox', { name: 'Number of seeds' }).fill(String(seeds));
  await page.getByRole('button', { name: `Start sweep (${2 * seeds} runs)` }).click();
  await nav(page, 'Runs');
  await expect(page.getByRole('cell', { name: 'finished', exact: true })).toHaveCount(2 * seeds, { timeout: 90_000 });
}
