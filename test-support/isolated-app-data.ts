/**
 * Vitest setup for the node project: points the app-data folder (XDG_CONFIG_HOME, where the default
 * database lives) at a fresh temporary folder and forgets any HMPO_LAB_DB, so no test and no CLI
 * child it spawns can read or write the user's real database. A test that means a database passes
 * --db or HMPO_LAB_DB itself. Not a fixture: it sets the environment only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'hmpo-test-app-data-'));
delete process.env.HMPO_LAB_DB;
