/**
 * Compare in one round trip per change (issue 11), as a user works the controls: every control that
 * changes what main computes (metric, x axis, smoothing, band, target, the chart's width) sends
 * exactly one `metrics:compare` request, carrying the new value (and the panels' keys when they
 * change too); the drawing-only controls (seeds, log y) send none. Opening sends two: the main
 * metric, then the panels (compare-state.svelte.ts says why). Each control change is a history
 * entry: browser Back puts the control, the request and the chart back to the old value, Forward
 * restores the new one. Requests are counted at the HTTP level (page.on('request')).
 */
import type { Page, Request } from '@playwright/test';
import type { CompareRequest } from '../src-shared/contract.js';
import { expect, screenshot, test } from './fixtures.js';
import { runSmallSweep } from './ui-helpers.js';

/** Every `metrics:compare` request the page sends, and how many requests of any kind are in flight. */
function watchCompare(page: Page) {
  const sent: CompareRequest[] = [];
  let inFlight = 0;
  const isInvoke = (request: Request) => request.method() === 'POST' && request.url().endsWith('/api/invoke');
  page.on('request', (request) => {
    if (!isInvoke(request)) return;
    inFlight++;
    const body = request.postDataJSON() as { channel: string; request: CompareRequest };
    if (body.channel === 'metrics:compare') sent.push(body.request);
  });
  const done = (request: Request) => {
    if (isInvoke(request)) inFlight--;
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return {
    /**
     * Waits until nothing is in flight and no request was sent for 1 s (the controls' debounce is
     * 250 ms), then returns the compare requests sent since the last call.
     */
    async settle(): Promise<CompareRequest[]> {
      let seen = -1;
      while (seen !== sent.length || inFlight > 0) {
        seen = sent.length;
        await page.waitForTimeout(1_000);
      }
      return sent.splice(0);
    },
  };
}

test('each Compare control change is one metrics:compare request; Back and Forward move the control and the chart', async ({ app, page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await app.open(page);
  await runSmallSweep(page, 12, 1);
  const compare = watchCompare(page);
  await page.getByRole('checkbox', { name: 'Select all shown runs' }).check();
  await page.keyboard.press('c');
  const main = page.getByRole('figure', { name: 'charts/reward_mean' });
  await expect(main.getByRole('rowheader', { name: /^hmpo/ })).toBeVisible();
  // Opening: the main metric, then the five panel metrics apart (so a cold open draws the main chart first).
  const opening = await compare.settle();
  expect(opening.map((r) => [r.key, r.keys?.length ?? 0]), 'opening the comparison').toEqual([
    ['charts/reward_mean', 0],
    ['ratio/am_gm_gap', 4],
  ]);

  const controls = page.getByRole('form', { name: 'Comparison controls' });
  const smoothing = controls.getByRole('slider', { name: 'Smoothing (EMA weight)' });
  const band = controls.getByRole('combobox', { name: 'Band' });
  const xAxis = controls.getByRole('combobox', { name: 'X axis' });
  const target = controls.getByRole('textbox', { name: 'Target' });
  const metric = controls.getByRole('combobox', { name: 'Metric' });
  const seeds = controls.getByRole('checkbox', { name: 'Show individual seeds' });
  const logY = controls.getByRole('checkbox', { name: 'Log y' });
  const PANEL_KEYS: string[] = ['ratio/am_gm_gap', 'ratio/half_var_log_ratio', 'ratio/a0', 'ratio/g0', 'ratio/h0'];
  /** The one request a change sent; `panels`: whether it carries the panels' five metrics too. */
  const oneRequest = async (what: string, panels: boolean): Promise<CompareRequest> => {
    const sent = await compare.settle();
    expect(sent.length, `${what}: metrics:compare requests (key, band, extra keys): ${JSON.stringify(sent.map((r) => [r.key, r.band, r.keys?.length ?? 0]))}`).toBe(1);
    const request = sent[0]!;
    expect([request.key, ...(request.keys ?? [])].filter((key) => PANEL_KEYS.includes(key)).length, `${what}: panel metrics in its request`).toBe(panels ? 5 : 0);
    return request;
  };

  await smoothing.fill('0.4');
  expect((await oneRequest('smoothing', true)).smoothing).toBe(0.4);
  await band.selectOption({ label: '± std' });
  expect((await oneRequest('band', true)).band).toBe('std');
  await expect(main.getByText(/band: ± std over seeds/)).toBeVisible();
  await xAxis.selectOption({ label: 'samples seen' });
  expect((await oneRequest('x axis', true)).x).toBe('samples');
  await target.fill('0.3');
  expect((await oneRequest('target', false)).target).toBe(0.3);
  await metric.selectOption('losses/entropy');
  expect((await oneRequest('metric', false)).key).toBe('losses/entropy');
  const wideGrid = opening[0]!.gridPoints;
  await page.setViewportSize({ width: 900, height: 900 });
  expect((await oneRequest('chart width', true)).gridPoints).toBeLessThan(wideGrid);
  // Drawing only: no request at all.
  await seeds.check();
  await logY.check();
  expect(await compare.settle(), 'seeds and log y').toEqual([]);
  await screenshot(page, 'compare-controls-changed');

  // Back undoes the last changes one at a time, control and chart alike; Forward redoes them.
  await logY.uncheck();
  await seeds.uncheck();
  await compare.settle();
  await metric.selectOption('charts/reward_mean');
  await oneRequest('metric back to reward', false);
  await band.selectOption({ label: 'min–max' });
  expect((await oneRequest('band', true)).band).toBe('minmax');
  await expect(page.getByRole('figure', { name: 'charts/reward_mean' }).getByText(/band: min–max over seeds/)).toBeVisible();

  await page.goBack();
  await expect(band).toHaveValue('std');
  expect((await oneRequest('Back', true)).band).toBe('std');
  await expect(page.getByRole('figure', { name: 'charts/reward_mean' }).getByText(/band: ± std over seeds/)).toBeVisible();
  await expect(page).toHaveURL(/[?&]band=std(&|$)/);

  await page.goBack();
  await expect(metric).toHaveValue('losses/entropy');
  expect((await oneRequest('Back to the metric', false)).key).toBe('losses/entropy');
  await expect(page.getByRole('figure', { name: 'losses/entropy' })).toBeVisible();

  await page.goForward();
  await expect(metric).toHaveValue('charts/reward_mean');
  await page.goForward();
  await expect(band).toHaveValue('minmax');
  const forward = await compare.settle();
  expect(forward.length, 'Forward twice: one request per step').toBeLessThanOrEqual(2);
  expect(forward.at(-1)?.band).toBe('minmax');
  expect(forward.at(-1)?.key).toBe('charts/reward_mean');
  await expect(page.getByRole('figure', { name: 'charts/reward_mean' }).getByText(/band: min–max over seeds/)).toBeVisible();
  // The other controls kept their values through all of it.
  await expect(smoothing).toHaveValue('0.4');
  await expect(xAxis).toHaveValue('samples');
  await expect(target).toHaveValue('0.3');
  await page.screenshot({ path: testInfo.outputPath('compare-after-back-forward.png'), fullPage: true });
});
