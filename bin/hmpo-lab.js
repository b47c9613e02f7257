#!/usr/bin/env node
// The `hmpo-lab` command. Runs the compiled CLI from dist/ (built by `npm ci` via the prepare
// script, or `npm run build`). It holds no logic of its own.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitUnlessSupportedNode } from './node-version-guard.js';

exitUnlessSupportedNode('hmpo-lab');

const cli = new URL('../dist/src-main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('hmpo-lab: the compiled CLI is missing (dist/src-main/cli.js); run `npm run build` in the project folder first\n');
  process.exit(1);
}
await import(cli.href);
