/**
 * Helpers for the store's tests only (nothing in the app imports this file): temporary database
 * folders. Tests use real SQLite files, never mocks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary folder; `remove()` deletes it. */
export function temporaryFolder(): { readonly dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hmpo-store-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
