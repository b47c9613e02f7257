/**
 * The renderer's one way to reach the main process: the contract's `Api`. In Electron the preload
 * exposes it as `window.api`; in browser mode (`hmpo-lab serve`) `createHttpApi` speaks the same
 * contract over `POST /api/invoke` and the `GET /api/events` server-sent-events stream. Failures of
 * any kind (network, HTTP status, a malformed reply) come back as `{ok: false, error}`, never thrown.
 */
import type { Api, Channel, EventName, Events, RequestOf, ResponseOf } from '../../src-shared/contract.js';
import { err, type Result } from '../../src-shared/result.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    api?: Api;
  }
}

/** Where the browser-mode access token is kept for the tab's lifetime. */
export const TOKEN_STORAGE_KEY = 'hmpo-lab.token';

/** The part of an EventSource the client uses (a fake stands in for it in tests). */
export interface EventStream {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  removeEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface HttpApiOptions {
  /** Origin-relative by default: the page and the API share an origin. */
  readonly baseUrl?: string;
  /** The `?token=` of the page URL, if any; null when the server needs none. */
  readonly token: string | null;
  readonly fetch: typeof fetch;
  readonly openEventStream: (url: string) => EventStream;
}

/**
 * The token from the page URL (read once and remembered in session storage, so reloads and
 * in-app navigation keep working after the URL is cleaned), else the one remembered earlier.
 */
export function readAccessToken(search: string, storage: Pick<Storage, 'getItem' | 'setItem'> | null): string | null {
  const fromUrl = new URLSearchParams(search).get('token');
  try {
    if (fromUrl) {
      storage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
      return fromUrl;
    }
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    // Storage can be disabled (privacy settings); the URL's token still works for this page.
    return fromUrl;
  }
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  const candidate = value as { ok: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } };
  if (candidate.ok === true) return 'value' in candidate;
  return candidate.ok === false && typeof candidate.error?.code === 'string' && typeof candidate.error.message === 'string';
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function httpStatusError(channel: Channel, response: Response): Result<never> {
  if (response.status === 401 || response.status === 403) {
    return err('UNAUTHORIZED', `The server refused ${channel} (HTTP ${response.status}): open the address printed by \`hmpo-lab serve\`, which carries ?token=...`);
  }
  return err('HTTP_ERROR', `The server answered ${channel} with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; check that \`hmpo-lab serve\` is still running and try again.`);
}

/** The contract over HTTP and server-sent events (browser mode). */
export function createHttpApi(options: HttpApiOptions): Api {
  const base = options.baseUrl ?? '';
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;

  let stream: EventStream | null = null;
  let listenerCount = 0;

  async function invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
    let response: Response;
    try {
      response = await options.fetch(`${base}/api/invoke`, { method: 'POST', headers, body: JSON.stringify({ channel, request }) });
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      return err('NETWORK_ERROR', `Could not reach the HMPO Lab server for ${channel} (${detail}); check that \`hmpo-lab serve\` is running.`);
    }
    const body = await readJson(response);
    // A Result body is authoritative whatever the status (the server may send errors with 4xx).
    if (isResult(body) && (response.ok || !body.ok)) return body as Result<ResponseOf<C>>;
    if (!response.ok) return httpStatusError(channel, response);
    return err('BAD_RESPONSE', `The server's reply to ${channel} was not a result object; the server and this page may be different versions (reload the page).`);
  }

  function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    if (!stream) {
      const query = options.token ? `?token=${encodeURIComponent(options.token)}` : '';
      stream = options.openEventStream(`${base}/api/events${query}`);
    }
    const current = stream;
    const handle = (message: MessageEvent<string>) => {
      let payload: Events[E];
      try {
        payload = JSON.parse(message.data) as Events[E];
      } catch {
        console.error(`hmpo-lab: ignored an ${event} event whose data is not JSON`, message.data);
        return;
      }
      listener(payload);
    };
    current.addEventListener(event, handle);
    listenerCount++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      current.removeEventListener(event, handle);
      listenerCount--;
      if (listenerCount === 0 && stream === current) {
        current.close();
        stream = null;
      }
    };
  }

  return { invoke, on };
}

/** The Api of this page: Electron's preload bridge when present, else the HTTP client. */
export function createApi(): Api {
  if (window.api) return window.api;
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  const token = readAccessToken(window.location.search, storage);
  // Only once it is remembered: a reload must still find it.
  if (token && readAccessToken('', storage) === token) removeTokenFromAddressBar();
  return createHttpApi({
    token,
    fetch: (input, init) => window.fetch(input, init),
    openEventStream: (url) => new EventSource(url),
  });
}

/** Keeps the token out of history, bookmarks and screenshots once it is remembered. */
function removeTokenFromAddressBar(): void {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url);
}
