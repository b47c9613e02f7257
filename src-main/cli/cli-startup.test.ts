/**
 * CLI start-up loads only what the command uses: the real binary runs with a module-trace hook and
 * the test reads which modules it loaded. Commands that do not train must not load tfjs, zod's
 * schemas, the Redis clients or the exporters; re-adding an eager import in cli.ts or a command module fails
 * here. (The time itself is measured by `npm run bench:cli`, not asserted.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SPEC_SEQUENCES } from '../trainer/spec-vectors.js';
import { CLI } from '../../test-support/run-cli.js';

const HOOK = fileURLToPath(new URL('../../test-support/module-trace-hook.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hmpo-cli-startup-'));

/** Runs `hmpo-lab ...args` and returns the URLs of the modules it loaded. */
function modulesLoadedBy(args: string[], stdin = ''): string[] {
  const trace = join(dir, `trace-${args.join('-').replace(/[^a-z-]/g, '')}.txt`);
  writeFileSync(trace, '');
  const run = spawnSync(process.execPath, ['--import', HOOK, CLI, '--db', join(dir, 'lab.db'), ...args], { input: stdin, env: { ...process.env, HMPO_MODULE_TRACE: trace }, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

const loads = (modules: string[], fragment: string) => modules.some((url) => url.includes(fragment));

describe('hmpo-lab start-up imports only what the command needs', () => {
  it('--version loads no command module at all', () => {
    const modules = modulesLoadedBy(['--version']);
    expect(loads(modules, '/dist/src-main/cli.js')).toBe(true);
    expect(modules.filter((url) => url.includes('/dist/src-main/cli/') && !url.endsWith('/cli-errors.js'))).toEqual([]);
  });

  it('ls goes through the contract handlers without loading tfjs, zod, the Redis clients or the exporters', () => {
    const modules = modulesLoadedBy(['ls']);
    expect(loads(modules, '/dist/src-main/cli/runs-commands.js')).toBe(true);
    expect(loads(modules, '/dist/src-main/app/app-handlers.js')).toBe(true);
    expect(loads(modules, 'better-sqlite3')).toBe(true);
    for (const heavy of ['@tensorflow', '/zod/', '/bullmq/', '/ioredis/', '/export/agm-export.js', '/server/', '/cli/run-command.js']) expect(loads(modules, heavy), heavy).toBe(false);
  });

  it('objective, which evaluates with tfjs, does load it (the trace sees a lazy import)', () => {
    const modules = modulesLoadedBy(['objective', '--input', '-'], JSON.stringify({ objective: { preset: 'grpo' }, sequences: SPEC_SEQUENCES }));
    expect(loads(modules, '@tensorflow/tfjs-core')).toBe(true);
  });
});
