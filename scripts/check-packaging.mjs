#!/usr/bin/env node
// CI check of the packaging config: builds the Linux `dir` target with electron-builder against a
// stub Electron distribution (Electron's binary cannot be downloaded here) and verifies what the
// package holds: the main process, preload and renderer in app.asar, the native modules unpacked,
// the SQL migrations as resources, and that every native `.node` binary in the package is Node-API
// (exports napi_register_module_v1, no node_register_module_v*): a Node-ABI binary is tied to one
// Node version and Electron refuses it, so this is the static proof the desktop app can open its
// database. It packages nothing for release.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  for (const helper of ['/dist/src-main/db/test-fixtures.js', '/dist/src-main/trainer/spec-vectors.js']) if (files.has(helper)) problems.push(`app.asar ships the test-only helper ${helper}`);
}
const migrations = join(resources, 'migrations');
const sql = existsSync(migrations) ? readdirSync(migrations).filter((f) => f.endsWith('.sql')) : [];
const expected = readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.sql'));
if (sql.length !== expected.length) problems.push(`resources/migrations has ${sql.length} SQL files, expected ${expected.length}`);
if (!existsSync(join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3'))) problems.push('better-sqlite3 is not unpacked from the asar');

const unpackedModules = join(resources, 'app.asar.unpacked');
const nativeBinaries = existsSync(unpackedModules) ? readdirSync(unpackedModules, { recursive: true }).map(String).filter((f) => f.endsWith('.node')) : [];
if (nativeBinaries.length === 0) problems.push('no native .node binary is unpacked (better-sqlite3 needs one)');
for (const file of nativeBinaries) {
  const problem = nativeAbiProblem(readFileSync(join(unpackedModules, file)));
  if (problem) problems.push(`${file} ${problem}`);
}

if (problems.length > 0) {
  console.error(`check-packaging: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-packaging: ok (linux dir target in ${unpacked}: app.asar, ${sql.length} migrations, ${nativeBinaries.length} native binaries unpacked, all Node-API)`);

/**
 * What is wrong with a native addon, or null when it is Node-API; read from its exported symbol names (they are plain strings in
 * the ELF, Mach-O and PE export tables alike, so no platform tool is needed).
 */
function nativeAbiProblem(bytes) {
  const text = bytes.toString('latin1');
  const nodeAbi = /node_register_module_v(\d+)/.exec(text);
  if (nodeAbi) return `is a Node-ABI binary (exports node_register_module_v${nodeAbi[1]}): it loads under one Node ABI only and Electron refuses it; ship a Node-API build`;
  if (!text.includes('napi_register_module_v1')) return 'exports no Node-API registration (napi_register_module_v1): it is not a loadable Node addon; leave it out of the package';
  return null;
}
