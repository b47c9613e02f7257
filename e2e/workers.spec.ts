/**
 * The Workers view in browser mode against a real Redis and a real `hmpo-lab worker`: `serve
 * --redis` lists the connected worker (backend, concurrency, what it trains, heartbeat); a run
 * launched through the app trains on it and shows where it trained. Browser mode only (the desktop
 * app reads HMPO_LAB_REDIS instead of a flag); skipped where redis-server is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { redisServerPath, TestRedis } from '../test-support/redis-server.js';

const CLI = fileURLToPath(new URL('../bin/hmpo-lab.js', import.meta.url));

function start(args: string[], ready: RegExp): { child: ChildProcess; match: Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const match = new Promise<RegExpExecArray>((resolve, reject) => {
    const check = (d: Buffer) => {
      out += d.toString();
      const found = ready.exec(out);
      if (found) resolve(found);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.on('exit', (code) => reject(new Error(`hmpo-lab ${args[0]} exited ${code}: ${out}`)));
  });
  return { child, match };
}

test('serve --redis: the Workers view lists the worker, and a run shows the worker it trained on', async ({ page }, testInfo) => {
  test.skip(redisServerPath === null, 'redis-server is not installed (scripts/setup-os.sh installs it)');
  test.skip(testInfo.project.name !== 'browser', 'browser mode only: the desktop app takes HMPO_LAB_REDIS');
  const redis = await TestRedis.start();
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-e2e-workers-'));
  const worker = start(['worker', '--redis', redis.url, '--name', 'e2e-worker', '--backend', 'wasm'], /waiting for runs/);
  const server = start(['--db', join(dir, 'lab.db'), 'serve', '--port', '0', '--redis', redis.url], /(http:\/\/\S+)/);
  try {
    await worker.match;
    const [, url] = await server.match;
    await page.goto(url!);
    await page.getByRole('button', { name: 'Workers' }).click();
    await expect(page.getByText(`Runs are queued on Redis at 127.0.0.1:${redis.port}; 1 worker connected.`)).toBeVisible();
    const row = page.getByRole('row', { name: /e2e-worker/ });
    await expect(row).toContainText('wasm');
    await expect(row).toContainText('idle');
    await expect(row).toContainText(/\d+ s ago/);

    const started = await page.request.post(new URL('/api/invoke', url).toString(), {
      // Long enough to be training while the page looks (400 steps of this model now end within a second); stopped below.
      data: { channel: 'runs:start', request: { config: { backend: 'wasm', model: { dModel: 16 }, promptsPerRollout: 2, groupSize: 4, minibatchesPerRollout: 2, evalPrompts: 4, totalSteps: 1000000 }, seeds: [0] } },
    });
    const { value } = (await started.json()) as { value: { runIds: string[] } };
    await expect(row).toContainText(`#${value.runIds[0]}`);
    await expect(row).toContainText('1 / 1');

    await page.getByRole('button', { name: 'Runs' }).click();
    await page.getByTitle(/^Open /).first().click();
    await expect(page.getByText('on worker e2e-worker')).toBeVisible();
    const stopped = await page.request.post(new URL('/api/invoke', url).toString(), { data: { channel: 'runs:stop', request: { runId: value.runIds[0], now: true } } });
    expect(stopped.ok()).toBe(true);
  } finally {
    server.child.kill('SIGINT');
    worker.child.kill('SIGINT');
    await Promise.all([server.child, worker.child].map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))));
    await redis.dispose();
  }
});
