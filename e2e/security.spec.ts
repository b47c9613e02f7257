/**
 * Browser mode's network exposure: bound to loopback it needs no token; bound to any other address
 * it refuses every request without the access token it printed, and accepts it with the token.
 * (The Electron-side checks, no Node in the renderer, live in electron.spec.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const CLI = fileURLToPath(new URL('../bin/hmpo-lab.js', import.meta.url));

test('bound to 0.0.0.0, browser mode refuses requests without the printed token', async ({ request }) => {
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-e2e-sec-'));
  const child = spawn(process.execPath, [CLI, '--db', join(dir, 'lab.db'), 'serve', '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /(http:\/\/\S+\?token=\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const { port, searchParams } = new URL(url);
    const token = searchParams.get('token')!;
    const api = `http://127.0.0.1:${port}/api/invoke`;
    const body = { channel: 'runs:list', request: null };
    expect((await request.post(api, { data: body })).status()).toBe(401);
    expect((await request.post(api, { data: body, headers: { authorization: 'Bearer not-the-token' } })).status()).toBe(401);
    expect((await request.get(`http://127.0.0.1:${port}/`)).status()).toBe(401);
    const allowed = await request.post(api, { data: body, headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status()).toBe(200);
    expect(await allowed.json()).toEqual({ ok: true, value: [] });
  } finally {
    child.kill('SIGINT');
  }
});
