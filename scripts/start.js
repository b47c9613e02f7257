#!/usr/bin/env node
// `npm start`: opens the desktop app when Electron's binary is installed; otherwise (offline
// machines, where Electron cannot download it) starts browser mode and prints the URL to open.
// It decides and launches; the app itself lives in dist/.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // The electron package exports the path of its binary; it throws when the binary is missing.
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const args = process.argv.slice(2);
const child = binary
  ? spawn(binary, [root, ...args], { stdio: 'inherit' })
  : (process.stderr.write('Electron is not installed here (its binary cannot be downloaded on this machine); starting browser mode.\n'),
    spawn(process.execPath, [fileURLToPath(new URL('../bin/hmpo-lab.js', import.meta.url)), 'serve', ...args], { stdio: 'inherit' }));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
