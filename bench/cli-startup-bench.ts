/**
 * CLI start-up benchmark: wall time of `hmpo-lab --version` and `hmpo-lab ls` (an empty database),
 * median of N runs each, against a 150 ms target for commands that do not train. Optionally the same
 * commands from another build (`--baseline DIR`, a folder holding bin/ and dist/) interleaved run by
 * run, so both see the same machine load. Needs `npx tsc -b` first. Not a test.
 * Run: `npx tsx bench/cli-startup-bench.ts [--runs 5] [--baseline /tmp/old-build]`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_MS = 150;
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const baseline = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hmpo-cli-bench-')), 'bench.db');

function wallMs(root: string, argv: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'hmpo-lab.js'), ...argv], { env: { ...process.env, HMPO_LAB_DB: database }, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`hmpo-lab ${argv.join(' ')} exited ${result.status} in ${root}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const commands = [['--version'], ['ls']];
const bare = median(Array.from({ length: runs }, () => {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  return Number(process.hrtime.bigint() - started) / 1e6;
}));
console.log(`bare node start-up: ${bare.toFixed(0)} ms (median of ${runs})`);
for (const argv of commands) {
  const now: number[] = [];
  const before: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (baseline) before.push(wallMs(baseline, argv));
    now.push(wallMs(ROOT, argv));
  }
  const m = median(now);
  const line = `hmpo-lab ${argv.join(' ')}: ${m.toFixed(0)} ms (median of ${runs}) ${m <= TARGET_MS ? 'PASS' : 'MISS'} (target <= ${TARGET_MS} ms)`;
  console.log(baseline ? `${line}; baseline ${median(before).toFixed(0)} ms` : line);
}
