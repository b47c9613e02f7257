/**
 * The app's version, read once from package.json (the one place it is written). Searched upward from
 * this module, so it works from source (tests) and from dist/ (the built app) alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageJson(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the app');
    dir = parent;
  }
  return join(dir, 'package.json');
}

export const APP_VERSION: string = (JSON.parse(readFileSync(findPackageJson(), 'utf8')) as { version: string }).version;
