#!/usr/bin/env node
// `npm start`: opens the desktop app when Electron's binary is installed; otherwise (offline
// machines, where Electron cannot download it) starts browser mode and prints the URL to open.
// It decides and launches; the app itself lives in dist/.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitUnlessSupportedNode } from '../bin/node-version-guard.js';
import { installedElectron } from './installed-electron.js';

exitUnlessSupportedNode('npm start');

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** Electron 45 downloads its binary on first use: try once, quietly, then look again. */
function electronBinary() {
  const installed = installedElectron();
  if (installed) return installed;
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    process.stderr.write('Fetching the Electron binary (first start)...\n');
    spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: 'ignore', timeout: 300_000 });
  } catch {
    return null;
  }
  return installedElectron();
}

const binary = electronBinary();
const args = process.argv.slice(2);
const child = binary
  ? spawn(binary, [root, ...args], { stdio: 'inherit' })
  : (process.stderr.write('Electron is not installed here (its binary cannot be downloaded on this machine); starting browser mode.\n'),
    spawn(process.execPath, [fileURLToPath(new URL('../bin/hmpo-lab.js', import.meta.url)), 'serve', ...args], { stdio: 'inherit' }));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
