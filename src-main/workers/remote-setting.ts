/**
 * The desktop app's Redis setting (the Workers view's "Train on workers" field): one small JSON
 * file beside the database, readable only by its owner since the URL may hold a password. Saving
 * checks the URL and the server first (one line if either is wrong); it applies at the next start,
 * so a run is never half local, half remote. HMPO_LAB_REDIS, when set, wins over the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkRedis, parseRedisUrl } from './redis-connection.js';

const FILE_NAME = 'hmpo-lab-redis.json';

export function remoteSettingPath(databasePath: string): string {
  return path.join(path.dirname(databasePath), FILE_NAME);
}

/** The saved URL, or null (no file, or one that does not hold a URL). */
export function readRemoteSetting(databasePath: string): string | null {
  try {
    const saved = JSON.parse(fs.readFileSync(remoteSettingPath(databasePath), 'utf8')) as { redis?: unknown };
    return typeof saved.redis === 'string' && saved.redis !== '' ? saved.redis : null;
  } catch {
    return null;
  }
}

/** host:port of the saved URL (never the password), or null. */
export function savedRemoteLabel(databasePath: string): string | null {
  const url = readRemoteSetting(databasePath);
  if (url === null) return null;
  try {
    return parseRedisUrl(url).label;
  } catch {
    return null;
  }
}

/** Checks and saves `url`, or removes the setting when it is empty; throws RedisSetupError with one line. */
export async function saveRemoteSetting(databasePath: string, url: string): Promise<string | null> {
  const file = remoteSettingPath(databasePath);
  if (url.trim() === '') {
    fs.rmSync(file, { force: true });
    return null;
  }
  const target = parseRedisUrl(url.trim());
  await checkRedis(target);
  fs.writeFileSync(file, `${JSON.stringify({ redis: url.trim() })}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return target.label;
}
