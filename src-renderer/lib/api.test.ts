/**
 * The browser-mode HTTP client: the token (read once from the URL, remembered in session storage,
 * sent as a Bearer header and as ?token= on the event stream), and every failure turned into an
 * `{ok: false, error}` value. fetch and EventSource are stubbed; nothing touches the network.
 */
import { describe, expect, it } from 'vitest';
import { createHttpApi, readAccessToken, TOKEN_STORAGE_KEY, type EventStream } from './api.js';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

class FakeEventStream implements EventStream {
  readonly listeners = new Map<string, Set<(event: MessageEvent<string>) => void>>();
  closed = false;
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }
  removeEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.get(type)?.delete(listener);
  }
  close(): void {
    this.closed = true;
  }
  send(type: string, data: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data } as MessageEvent<string>);
  }
}

interface Recorded {
  url: string;
  init: RequestInit;
}

function stubFetch(reply: () => Response | Promise<Response>) {
  const requests: Recorded[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(url), init: init ?? {} });
    return reply();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('access token', () => {
  it('reads the token from the URL once and remembers it for the session', () => {
    const storage = new MemoryStorage();
    expect(readAccessToken('?token=s3cret&x=1', storage)).toBe('s3cret');
    expect(storage.getItem(TOKEN_STORAGE_KEY)).toBe('s3cret');
    // After the address bar is cleaned (or on reload without it), the remembered token is used.
    expect(readAccessToken('', storage)).toBe('s3cret');
  });

  it('has no token when neither the URL nor the session has one', () => {
    expect(readAccessToken('', new MemoryStorage())).toBeNull();
    expect(readAccessToken('', null)).toBeNull();
  });

  it('still uses the URL token when storage is unavailable', () => {
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(readAccessToken('?token=abc', broken)).toBe('abc');
    expect(readAccessToken('', broken)).toBeNull();
  });

  it('sends the token as a Bearer header and on the event-stream URL', async () => {
    const { fetch, requests } = stubFetch(() => json({ ok: true, value: [] }));
    const streams: FakeEventStream[] = [];
    const api = createHttpApi({ token: 'a b&c', fetch, openEventStream: (url) => streams[streams.push(new FakeEventStream(url)) - 1]! });
    await api.invoke('runs:list', null);
    expect(requests[0]!.url).toBe('/api/invoke');
    expect(requests[0]!.init.method).toBe('POST');
    expect((requests[0]!.init.headers as Record<string, string>)['Authorization']).toBe('Bearer a b&c');
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({ channel: 'runs:list', request: null });
    api.on('onDidChangeRun', () => {});
    expect(streams[0]!.url).toBe('/api/events?token=a%20b%26c');
  });

  it('sends no Authorization header and no query without a token', async () => {
    const { fetch, requests } = stubFetch(() => json({ ok: true, value: null }));
    const streams: FakeEventStream[] = [];
    const api = createHttpApi({ token: null, fetch, openEventStream: (url) => streams[streams.push(new FakeEventStream(url)) - 1]! });
    await api.invoke('runs:stop', { runId: 'r1' });
    expect((requests[0]!.init.headers as Record<string, string>)['Authorization']).toBeUndefined();
    api.on('onDidRemoveRuns', () => {});
    expect(streams[0]!.url).toBe('/api/events');
  });
});

describe('errors become Result values', () => {
  const apiWith = (reply: () => Response | Promise<Response>) => createHttpApi({ token: null, fetch: stubFetch(reply).fetch, openEventStream: (url) => new FakeEventStream(url) });

  it('passes a Result body through, ok or not', async () => {
    expect(await apiWith(() => json({ ok: true, value: { runIds: ['r1'] } })).invoke('runs:start', { config: {}, seeds: [0] })).toEqual({ ok: true, value: { runIds: ['r1'] } });
    const invalid = { ok: false, error: { code: 'INVALID_RUN_CONFIG', message: 'groupSize: must be >= 2 (got 1).' } };
    expect(await apiWith(() => json(invalid, 400)).invoke('runs:start', { config: { groupSize: 1 }, seeds: [0] })).toEqual(invalid);
  });

  it('turns a network failure into NETWORK_ERROR', async () => {
    const result = await apiWith(() => Promise.reject(new TypeError('Failed to fetch'))).invoke('runs:list', null);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('NETWORK_ERROR');
      expect(result.error.message).toMatch(/runs:list.*Failed to fetch.*hmpo-lab serve/);
    }
  });

  it('turns 401/403 into UNAUTHORIZED with what to do', async () => {
    const result = await apiWith(() => new Response('nope', { status: 401 })).invoke('runs:list', null);
    expect(result).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    if (!result.ok) expect(result.error.message).toMatch(/\?token=/);
  });

  it('turns other HTTP statuses into HTTP_ERROR', async () => {
    const result = await apiWith(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })).invoke('app:info', null);
    expect(result).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR' } });
    if (!result.ok) expect(result.error.message).toContain('HTTP 502 Bad Gateway');
  });

  it('refuses a 200 reply that is not a Result (or claims success on an error status)', async () => {
    expect(await apiWith(() => json({ runs: [] })).invoke('runs:list', null)).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE' } });
    expect(await apiWith(() => new Response('not json', { status: 200 })).invoke('runs:list', null)).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE' } });
    expect(await apiWith(() => json({ ok: true, value: 1 }, 500)).invoke('runs:list', null)).toMatchObject({ ok: false, error: { code: 'HTTP_ERROR' } });
  });
});

describe('events over server-sent events', () => {
  it('shares one stream, parses JSON payloads, and closes it when the last listener leaves', () => {
    const streams: FakeEventStream[] = [];
    const api = createHttpApi({ token: null, fetch: stubFetch(() => json({})).fetch, openEventStream: (url) => streams[streams.push(new FakeEventStream(url)) - 1]! });
    const changed: unknown[] = [];
    const removed: unknown[] = [];
    const offChange = api.on('onDidChangeRun', (run) => changed.push(run.id));
    const offRemove = api.on('onDidRemoveRuns', (payload) => removed.push(payload.runIds));
    expect(streams).toHaveLength(1);
    streams[0]!.send('onDidChangeRun', JSON.stringify({ id: 'r1' }));
    streams[0]!.send('onDidRemoveRuns', JSON.stringify({ runIds: ['r2'] }));
    streams[0]!.send('onDidChangeRun', 'not json');
    expect(changed).toEqual(['r1']);
    expect(removed).toEqual([['r2']]);
    offChange();
    offChange();
    expect(streams[0]!.closed).toBe(false);
    offRemove();
    expect(streams[0]!.closed).toBe(true);
    api.on('onDidChangeRun', () => {});
    expect(streams).toHaveLength(2);
  });
});
