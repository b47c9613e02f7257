// The installed Electron binary's path, else null, for `npm start` (scripts/start.js) and the e2e
// fixtures. It reads the electron package's path.txt instead of require('electron'), which would try
// to download a missing binary; it never downloads anything itself.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** @returns {string | null} the Electron binary where one is installed, else null */
export function installedElectron() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}
