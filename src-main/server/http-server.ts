/**
 * Browser mode: serves the built renderer and the contract over HTTP. POST /api/invoke takes
 * {channel, request} and answers a Result as JSON (4xx for refusals, 500 for bugs); GET /api/events
 * streams contract events as server-sent events. Bound to 127.0.0.1 by default; on any other bind
 * address every API and SSE request needs the bearer token (header, or ?token= for EventSource),
 * while the static bundle (the app shell and its assets, which hold no data) is served without it:
 * the page reads the token from its ?token= link, and the browser fetches /assets/* without it.
 * Hardened against DNS rebinding (Host check) and cross-site posts (JSON content type required).
 * No business logic: requests go to `dispatch`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Dispatch } from '../app/dispatch.js';
import type { EventHub } from '../app/event-hub.js';
import { httpStatusOf } from './http-status.js';

const MAX_BODY = 1 << 20;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // Same policy as the renderer's meta tag (styles are set through the CSSOM, so no 'unsafe-inline').
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Required for non-loopback hosts; generated when absent. Null only for loopback. */
  readonly token?: string | null;
  readonly staticDir: string;
  readonly dispatch: Dispatch;
  readonly events: EventHub;
}

export interface RunningServer {
  /** The URL to open (carries ?token= when one is required). */
  readonly url: string;
  readonly port: number;
  readonly token: string | null;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

const jsonError = (code: string, message: string) => JSON.stringify({ ok: false, error: { code, message } });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tokenMatches(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHttpServer(options: ServerOptions): Promise<RunningServer> {
  const loopback = isLoopbackHost(options.host);
  const token = options.token ?? (loopback ? null : randomBytes(24).toString('base64url'));
  if (!loopback && token === null) throw new Error(`binding to ${options.host} needs an access token`);
  const staticRoot = resolve(options.staticDir);

  function authorised(req: IncomingMessage, url: URL): boolean {
    if (token === null) return true;
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
    return tokenMatches(token, given);
  }

  /** DNS-rebinding guard: on loopback, the Host header must name loopback too. */
  function hostAllowed(req: IncomingMessage): boolean {
    if (!loopback) return true; // the token protects non-loopback binds
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    return isLoopbackHost(host);
  }

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'bad request: the path has a malformed percent-encoding', 'text/plain; charset=utf-8');
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
    const file = resolve(staticRoot, relative === '' ? 'index.html' : relative);
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return send(res, 404, 'not found', 'text/plain');
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS });
      res.end(body);
    } catch {
      // Unknown paths fall back to the app shell; a missing build is said plainly.
      try {
        const index = await readFile(join(staticRoot, 'index.html'));
        res.writeHead(200, { 'Content-Type': CONTENT_TYPES['.html']!, ...SECURITY_HEADERS });
        res.end(index);
      } catch {
        send(res, 503, `The renderer is not built (no ${join(staticRoot, 'index.html')}); run npm run build.`, 'text/plain; charset=utf-8');
      }
    }
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', ...SECURITY_HEADERS });
    res.write(': connected\n\n');
    const unsubscribe = options.events.subscribe((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return send(res, 400, jsonError('BAD_REQUEST', 'the request target is not a valid path'));
    }
    if (!hostAllowed(req)) return send(res, 403, jsonError('FORBIDDEN_HOST', 'this server only answers requests addressed to localhost'));
    // The static bundle needs no token (it holds no data, and the page's own asset requests cannot
    // carry one); everything under /api/ does.
    if (url.pathname.startsWith('/api/') && !authorised(req, url)) {
      return send(res, 401, jsonError('UNAUTHORIZED', 'an access token is required: open the URL that `hmpo-lab serve` printed (it ends in ?token=...)'));
    }
    if (url.pathname === '/api/invoke') {
      if (req.method !== 'POST') return send(res, 405, jsonError('METHOD_NOT_ALLOWED', 'use POST for /api/invoke'));
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, jsonError('UNSUPPORTED_MEDIA_TYPE', 'send the request as application/json'));
      let parsed: { channel?: unknown; request?: unknown };
      try {
        parsed = JSON.parse(await readBody(req)) as typeof parsed;
      } catch (error) {
        return send(res, error instanceof RangeError ? 413 : 400, jsonError('BAD_REQUEST', error instanceof RangeError ? 'the request body is larger than 1 MiB' : 'the request body is not valid JSON'));
      }
      const result = await options.dispatch(parsed?.channel, parsed?.request ?? null);
      return send(res, httpStatusOf(result), JSON.stringify(result));
    }
    if (url.pathname === '/api/events') return serveEvents(req, res);
    if (url.pathname.startsWith('/api/')) return send(res, 404, jsonError('NOT_FOUND', `no API endpoint ${url.pathname}`));
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', 'text/plain');
    return serveStatic(res, url.pathname);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, jsonError('INTERNAL', error instanceof Error ? error.message : String(error)));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
