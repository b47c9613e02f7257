/**
 * The browser-mode transport over real HTTP on loopback: invoke round trips and its refusals (with
 * their 4xx statuses; store errors as codes, not bugs), malformed requests as 400s, SSE delivery,
 * static files without path traversal, the DNS-rebinding and content-type guards, and the access
 * token that every API request needs when bound to a non-loopback address.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatch, UserFacingError, type ContractHandlers } from '../app/dispatch.js';
import { RunActiveError } from '../db/store-errors.js';
import { EventHub } from '../app/event-hub.js';
import { startHttpServer, type RunningServer } from './http-server.js';

const staticDir = mkdtempSync(join(tmpdir(), 'hmpo-static-'));
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>HMPO Lab</title>');
mkdirSync(join(staticDir, 'assets'));
writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'hmpo-secret.txt'), 'secret');

const handlers = {
  'app:info': () => ({ version: '0.1.0', databasePath: '/tmp/x.db', concurrency: 2, mode: 'browser' as const }),
  'runs:get': ({ runId }: { runId: string }) => {
    throw new UserFacingError('RUN_NOT_FOUND', `no run with id ${runId}`);
  },
  'runs:delete': () => {
    throw new RunActiveError(7);
  },
  'runs:list': () => {
    throw new Error('a bug');
  },
} as unknown as ContractHandlers;
/** What dispatch reported as unexpected (bugs): store errors must not land here. */
const unexpected: unknown[] = [];

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Reply {
  status: number;
  body: string;
  type: string;
}

function call(port: number, path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const invoke = (port: number, body: unknown, headers: Record<string, string> = {}) =>
  call(port, '/api/invoke', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

async function start(host = '127.0.0.1', token?: string) {
  const events = new EventHub();
  server = await startHttpServer({ host, port: 0, staticDir, dispatch: createDispatch(handlers, (error) => unexpected.push(error)), events, ...(token ? { token } : {}) });
  return { server, events };
}

describe('browser-mode HTTP server on loopback', () => {
  it('answers invoke with Results, including refusals as values', async () => {
    const { server } = await start();
    expect(server.token).toBeNull();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(JSON.parse((await invoke(server.port, { channel: 'app:info', request: null })).body)).toEqual({ ok: true, value: { version: '0.1.0', databasePath: '/tmp/x.db', concurrency: 2, mode: 'browser' } });
    const notFound = await invoke(server.port, { channel: 'runs:get', request: { runId: 'r1' } });
    expect([notFound.status, JSON.parse(notFound.body)]).toEqual([404, { ok: false, error: { code: 'RUN_NOT_FOUND', message: 'no run with id r1' } }]);
    const invalid = await invoke(server.port, { channel: 'runs:get', request: { runId: '../x' } });
    expect([invalid.status, JSON.parse(invalid.body).error.code]).toEqual([400, 'INVALID_REQUEST']);
    const unknown = await invoke(server.port, { channel: 'fs:read', request: {} });
    expect([unknown.status, JSON.parse(unknown.body).error.code]).toEqual([400, 'UNKNOWN_CHANNEL']);
    expect((await call(server.port, '/api/invoke', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('answers store errors with their code, a 4xx and one line, and logs only bugs', async () => {
    const { server } = await start();
    unexpected.length = 0;
    const active = await invoke(server.port, { channel: 'runs:delete', request: { runIds: ['7'] } });
    expect([active.status, JSON.parse(active.body)]).toEqual([409, { ok: false, error: { code: 'RUN_ACTIVE', message: 'run 7 is still running; stop it first, then delete it' } }]);
    expect(unexpected).toEqual([]);
    const bug = await invoke(server.port, { channel: 'runs:list', request: null });
    expect([bug.status, JSON.parse(bug.body).error.code]).toEqual([500, 'INTERNAL']);
    expect(unexpected).toHaveLength(1);
  });

  it('refuses malformed requests with a 400, not a 500', async () => {
    const { server } = await start();
    const malformed = await call(server.port, '/%E0%A4%A');
    expect([malformed.status, malformed.body]).toEqual([400, 'bad request: the path has a malformed percent-encoding']);
    const infinite = await call(server.port, '/api/invoke', { method: 'POST', body: '{"channel": "runs:get", "request": {"runId": 1e999}}', headers: { 'content-type': 'application/json' } });
    expect([infinite.status, JSON.parse(infinite.body).error.message]).toEqual([400, 'runs:get: runId: the number overflows a double (it reads as Infinity); numbers must be finite, within +-1.7976931348623157e308']);
    const deep = await call(server.port, '/api/invoke', { method: 'POST', body: `{"channel": "runs:list", "request": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`, headers: { 'content-type': 'application/json' } });
    expect([deep.status, JSON.parse(deep.body).error.message]).toEqual([400, 'runs:list: 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0...: the document nests deeper than 64 levels; no input of HMPO Lab needs that']);
  });

  it('refuses cross-site form posts (non-JSON) and DNS-rebinding hosts', async () => {
    const { server } = await start();
    expect((await call(server.port, '/api/invoke', { method: 'POST', body: 'channel=app:info', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await invoke(server.port, { channel: 'app:info', request: null }, { host: 'evil.example:80' })).status).toBe(403);
  });

  it('serves the renderer and never a file outside it', async () => {
    const { server } = await start();
    const index = await call(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>HMPO Lab</title>');
    expect((await call(server.port, '/assets/app.js')).type).toMatch(/javascript/);
    for (const path of ['/../hmpo-secret.txt', '/%2e%2e/hmpo-secret.txt', '/assets/../../hmpo-secret.txt']) {
      expect((await call(server.port, path)).body).not.toContain('secret');
    }
  });

  it('streams contract events over server-sent events', async () => {
    const { server, events } = await start();
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/api/events' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('onDidRemoveRuns')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
      req.end();
      setTimeout(() => events.emit('onDidRemoveRuns', { runIds: ['a', 'b'] }), 100);
    });
    expect(received).toContain('event: onDidRemoveRuns\ndata: {"runIds":["a","b"]}\n\n');
  });
});

describe('browser-mode HTTP server on a non-loopback address', () => {
  it('requires the access token on every API request, in a header or the query string, but serves the static bundle without it', async () => {
    const { server } = await start('0.0.0.0');
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(server.url).toBe(`http://localhost:${server.port}/?token=${server.token}`);
    const refused = await invoke(server.port, { channel: 'app:info', request: null });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.message).toMatch(/access token is required/);
    expect((await invoke(server.port, { channel: 'app:info', request: null }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call(server.port, '/api/events')).status).toBe(401);
    expect((await invoke(server.port, { channel: 'app:info', request: null }, { authorization: `Bearer ${server.token}` })).status).toBe(200);
    expect((await call(server.port, `/?token=${server.token}`)).status).toBe(200);
    // The page's own asset requests carry no token (the blank-page bug): the bundle holds no data.
    expect((await call(server.port, '/')).status).toBe(200);
    const asset = await call(server.port, '/assets/app.js');
    expect([asset.status, asset.type]).toEqual([200, 'text/javascript; charset=utf-8']);
  });
});
