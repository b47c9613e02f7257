#!/usr/bin/env node
// CI check of the packaging config: builds the Linux `dir` target with electron-builder against a
// stub Electron distribution (Electron's binary cannot be downloaded here) and verifies what the
// package holds: the main process, preload and renderer in app.asar, the native modules unpacked,
// the SQL migrations as resources. It packages nothing for release.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPackage } from '@electron/asar';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'hmpo-packaging-'));
const stub = join(work, 'electron-dist');
mkdirSync(stub);
writeFileSync(join(stub, 'electron'), '#!/bin/sh\necho "stub Electron: packaging check only"\n');
chmodSync(join(stub, 'electron'), 0o755);
const output = join(work, 'out');

execFileSync(process.execPath, [join(root, 'node_modules', 'electron-builder', 'cli.js'), '--linux', 'dir', '--publish', 'never', `-c.electronDist=${stub}`, '-c.npmRebuild=false', `-c.directories.output=${output}`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

const unpacked = join(output, 'linux-unpacked');
const resources = join(unpacked, 'resources');
const problems = [];
const asar = join(resources, 'app.asar');
if (!existsSync(asar)) problems.push('resources/app.asar is missing');
else {
  const files = new Set(listPackage(asar));
  for (const needed of ['/package.json', '/dist/src-main/electron/main.js', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/dist/src-main/trainer/trainer-process.js']) {
    if (!files.has(needed)) problems.push(`app.asar lacks ${needed}`);
  }
  if ([...files].some((f) => f.endsWith('.test.js'))) problems.push('app.asar ships test files');
}
const migrations = join(resources, 'migrations');
const sql = existsSync(migrations) ? readdirSync(migrations).filter((f) => f.endsWith('.sql')) : [];
const expected = readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.sql'));
if (sql.length !== expected.length) problems.push(`resources/migrations has ${sql.length} SQL files, expected ${expected.length}`);
if (!existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3'))) problems.push('better-sqlite3 is not unpacked from the asar');

if (problems.length > 0) {
  console.error(`check-packaging: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-packaging: ok (linux dir target in ${unpacked}: app.asar, ${sql.length} migrations, native modules unpacked)`);
