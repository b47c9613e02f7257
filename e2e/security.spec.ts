/**
 * Browser mode's network exposure: bound to loopback it needs no token; bound to any other address
 * it refuses every API request without the access token it printed and accepts it with the token,
 * while the page itself (the static bundle, which holds no data) loads from the token link and
 * renders: its assets are fetched without the token, its API calls carry it.
 * (The Electron-side checks, no Node in the renderer, live in electron.spec.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const CLI = fileURLToPath(new URL('../bin/hmpo-lab.js', import.meta.url));

/** Starts `hmpo-lab serve --host 0.0.0.0` on a fresh database; resolves with the printed token URL. */
async function serveOnAllInterfaces(): Promise<{ url: string; dbPath: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-e2e-sec-'));
  const dbPath = join(dir, 'lab.db');
  const child = spawn(process.execPath, [CLI, '--db', dbPath, 'serve', '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /(http:\/\/\S+\?token=\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { url, dbPath, child };
}

test('bound to 0.0.0.0, browser mode refuses API requests without the printed token', async ({ request }) => {
  const { url, child } = await serveOnAllInterfaces();
  try {
    const { port, searchParams } = new URL(url);
    const token = searchParams.get('token')!;
    const api = `http://127.0.0.1:${port}/api/invoke`;
    const body = { channel: 'runs:list', request: null };
    expect((await request.post(api, { data: body })).status()).toBe(401);
    expect((await request.post(api, { data: body, headers: { authorization: 'Bearer not-the-token' } })).status()).toBe(401);
    expect((await request.get(`http://127.0.0.1:${port}/api/events`)).status()).toBe(401);
    const allowed = await request.post(api, { data: body, headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status()).toBe(200);
    expect(await allowed.json()).toEqual({ ok: true, value: [] });
  } finally {
    child.kill('SIGINT');
  }
});

test('bound to 0.0.0.0, the printed token link renders the app (it was a blank page)', async ({ page }) => {
  const { url, dbPath, child } = await serveOnAllInterfaces();
  try {
    const refused: string[] = [];
    const errors: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    // The URL names localhost; the server listens on IPv4 only, so open it on 127.0.0.1.
    await page.goto(url.replace('//localhost:', '//127.0.0.1:'));
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(page.getByText(dbPath)).toBeVisible(); // app:info came back through the token
    expect(refused).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    child.kill('SIGINT');
  }
});
