/**
 * The runs table is virtualized: with 300 finished runs in the database (written through the
 * store's own queries before the server starts, no trainers), only a window of rows is in the DOM,
 * and scrolling to the end brings the last run's row in (and the first one's out). It does not
 * measure speed (bench:ui does) or check the table's columns (runs-table.spec.ts).
 */
import { validateRunConfig } from '../src-shared/run-config.js';
import { openDatabase } from '../src-main/db/open-database.js';
import { createRun, markRunEnded, markRunStarted } from '../src-main/db/runs-queries.js';
import { expect, test } from './fixtures.js';

const RUNS = 300;
const nameOf = (i: number) => `seeded run ${String(i).padStart(3, '0')}`;

/** RUNS finished runs, started one second apart so the default sort (newest start first) puts run 1 last. */
function writeRuns(dbPath: string): void {
  const db = openDatabase(dbPath);
  try {
    const config = validateRunConfig({ totalSteps: 10 });
    if (!config.ok) throw new Error(config.error.message);
    const t0 = Date.now() - RUNS * 1000;
    db.transaction(() => {
      for (let i = 1; i <= RUNS; i++) {
        const run = createRun(db, { config: config.value, appVersion: 'e2e', name: nameOf(i) }, t0 + i * 1000);
        markRunStarted(db, run.id, { pid: 1 }, t0 + i * 1000);
        markRunEnded(db, run.id, { status: 'finished', exitCode: 0 }, t0 + i * 1000 + 500);
      }
    })();
  } finally {
    db.close();
  }
}

test.use({ seedDatabase: { write: writeRuns } });

test('the runs table keeps only a window of 300 runs in the DOM, and scrolling to the end shows the last run', async ({ app, page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await app.open(page);
  const rows = page.locator('tbody tr.data-row');
  const first = page.getByRole('row', { name: `Select run ${nameOf(RUNS)}` });
  const last = page.getByRole('row', { name: `Select run ${nameOf(1)}` });
  await expect(first).toBeVisible();
  await expect(page.getByRole('cell', { name: 'finished', exact: true }).first()).toBeVisible();

  const inDom = await rows.count();
  expect(inDom, 'data rows in the DOM at the top').toBeGreaterThan(5);
  expect(inDom, 'data rows in the DOM at the top').toBeLessThan(100);
  await expect(last).toHaveCount(0);

  // Scroll the table's own scroller to its end: the last run's row is drawn, the first one's is gone.
  await page.locator('.scroller').first().evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
  await expect(last).toBeVisible();
  await expect(first).toHaveCount(0);
  expect(await rows.count(), 'data rows in the DOM at the end').toBeLessThan(100);
});
