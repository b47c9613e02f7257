/**
 * The HTTP status of a contract Result in browser mode. The body is the Result either way (the
 * renderer reads it whatever the status); the status lets HTTP clients, proxies and logs tell a
 * refusal the user can fix (4xx) from a bug (500). Codes only; no transport logic here.
 */
import type { Result } from '../../src-shared/result.js';

/** Conditions of the store that conflict with the request (the resource is in the wrong state). */
const CONFLICT = new Set(['RUN_ACTIVE', 'RUN_NOT_ACTIVE', 'RUN_INVALID_TRANSITION']);
/** Conditions of the server's own files, not of the request. */
const SERVER_SIDE = new Set(['INTERNAL', 'DB_CORRUPT', 'DB_FROM_FUTURE', 'DB_MIGRATION_FAILED', 'DB_NOT_SQLITE', 'DB_LOCATION', 'NATIVE_MODULE', 'CHECKPOINT_FILE', 'SPAWN_FAILED']);

export function httpStatusOf(result: Result<unknown>): number {
  if (result.ok) return 200;
  const { code } = result.error;
  if (SERVER_SIDE.has(code)) return 500;
  if (code.endsWith('NOT_FOUND')) return 404;
  if (CONFLICT.has(code)) return 409;
  return 400; // invalid request, invalid config, sweep too large, export outside the root...
}
