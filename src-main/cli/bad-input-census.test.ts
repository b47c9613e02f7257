/**
 * The bad-input census: a table of bad inputs across config, CLI arguments, input files, database
 * files and HTTP requests, each run for real (the built CLI in a child process; a real `serve` on a
 * random loopback port). Every case must give one line that names the problem, a non-zero exit or
 * a 4xx, no stack trace (in the reply or the server's log), and leave every file byte-identical
 * (each CLI case runs in its own folder, hashed before and after; -wal/-shm files count as changes).
 * It prints `bad-input census: N cases, P pass`. To measure another build (e.g. the code before a
 * fix), point HMPO_LAB_CENSUS_CLI at its bin/hmpo-lab.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markRunEnded, markRunStarted, recordHeartbeat } from '../db/runs-queries.js';
import { addRun, openTestDatabase } from '../db/test-fixtures.js';
import { CLI as BUILT_CLI } from '../../test-support/run-cli.js';

const CLI = process.env.HMPO_LAB_CENSUS_CLI ?? BUILT_CLI;
/** Long enough for a slow machine; a case still running then hangs (e.g. a recursive mkdir on /proc). */
const CASE_TIMEOUT_MS = 20_000;
/** Caps each child's heap, so a case that would exhaust memory fails fast instead of swapping. */
const NODE_FLAGS = ['--max-old-space-size=384'];

const root = mkdtempSync(join(tmpdir(), 'hmpo-census-'));
const summary: { area: string; name: string; problems: string[] }[] = [];

// ---------------------------------------------------------------------------------------------
// Fixtures: a seeded database (one finished run) and input files, copied into each case's folder.

const SEED_DB = join(root, 'seed.db');
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const INPUTS: Record<string, string> = {
  'cfg-unknown-key.json': '{"totalStep": 5}',
  'cfg-array.json': '[1, 2]',
  'cfg-inf.json': '{"seed": 1e999}',
  'cfg-bad.json': '{"seed": ',
  'cfg-deep.json': `{"model": ${deep(5000)}}`,
  'adv-deep.json': `{"mode": "group", "groups": ${deep(5000)}}`,
  'adv-inf.json': '{"mode": "group", "groups": [[1e999, 1]]}',
  'adv-overflow.json': '{"mode": "none", "groups": [[1.5e308, -1.5e308, 1.5e308]]}',
  'adv-mode.json': '{"mode": "grouped", "groups": [[1, 2]]}',
  'adv-log.json': '{"mode": "log", "groups": [[1, 2], [3, -1]]}',
  'adv-bad.json': '{"mode": ',
  'empty.json': '',
  'obj-positive.json': JSON.stringify({ objective: { preset: 'grpo' }, sequences: [{ logpOld: [-1, 0.5], logpNew: [-0.9, -0.2], advantage: 1 }] }),
  'obj-inf.json': '{"objective": {"preset": "grpo"}, "sequences": [{"logpOld": [-1], "logpNew": [-1e999], "advantage": 1}]}',
  'obj-ragged.json': JSON.stringify({ objective: { preset: 'grpo' }, sequences: [{ logpOld: [-1], logpNew: [-1, -2], advantage: 1 }] }),
  'obj-preset.json': JSON.stringify({ objective: { preset: 'hmp' }, sequences: [{ logpOld: [-1], logpNew: [-1], advantage: 1 }] }),
  'text.txt': 'hello, this is not a database\n'.repeat(10),
  'afile': 'a regular file\n',
};

/** A copy of the seed database with its SQLite header patched (`offset` -> `bytes`), or cut short. */
function patchedDb(dir: string, name: string, patch: { offset: number; bytes: number[] } | { truncate: number }): void {
  const bytes = readFileSync(SEED_DB);
  if ('truncate' in patch) return writeFileSync(join(dir, name), bytes.subarray(0, patch.truncate));
  patch.bytes.forEach((b, i) => (bytes[patch.offset + i] = b));
  writeFileSync(join(dir, name), bytes);
}

/** An SQLite file of some other application: a table, no HMPO Lab schema version. */
function foreignDb(file: string): void {
  const other = new BetterSqlite3(file);
  other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
  other.close();
}

function caseFolder(name: string): string {
  const dir = join(root, name.replace(/[^A-Za-z0-9]+/g, '-'));
  mkdirSync(dir);
  copyFileSync(SEED_DB, join(dir, 'lab.db'));
  for (const [file, text] of Object.entries(INPUTS)) writeFileSync(join(dir, file), text);
  mkdirSync(join(dir, 'full'));
  writeFileSync(join(dir, 'full', 'keep.txt'), 'already here\n');
  return dir;
}

/** Every path under `dir` with a hash of its bytes (or its kind), skipping nothing. */
function snapshot(dir: string, skip: (name: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      if (skip(name)) continue;
      const path = join(folder, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        out.set(path, 'folder');
        walk(path);
      } else out.set(path, stat.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'special');
    }
  };
  walk(dir);
  return out;
}

function fileChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, hash] of before) if (after.get(path) !== hash) changes.push(after.has(path) ? `${path} changed` : `${path} removed`);
  for (const path of after.keys()) if (!before.has(path)) changes.push(`${path} appeared`);
  return changes;
}

const STACK = /\n\s+at |internal error|Error: .*\n\s+at /;

/** The problems with one reply: the census's rules. */
function judge(message: string, expected: RegExp, failed: boolean, how: string): string[] {
  const problems: string[] = [];
  if (!failed) problems.push(`did not refuse (${how})`);
  const lines = message.trim().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(run with --help'));
  if (lines.length !== 1) problems.push(`gave ${lines.length} lines instead of one: ${JSON.stringify(message.slice(0, 300))}`);
  if (STACK.test(message)) problems.push('showed a stack trace or an internal error');
  if (!expected.test(message)) problems.push(`message does not name the problem (${expected}): ${JSON.stringify(message.slice(0, 300))}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// CLI cases: args (with {d} standing for the case's folder), the expected message.

interface CliCase {
  readonly area: 'config' | 'cli-args' | 'input-file' | 'database';
  readonly name: string;
  readonly args: (d: string) => string[];
  readonly message: RegExp;
  readonly setup?: (d: string) => void;
}

const db = (d: string) => ['--db', join(d, 'lab.db')];
const hugeAxis = (path: string) => ['--axis', `${path}=${Array.from({ length: 1000 }, (_, i) => i + 1).join(',')}`];

const CLI_CASES: CliCase[] = [
  // Run configs from files and --set.
  { area: 'config', name: 'unknown config key', args: (d) => [...db(d), 'run', '--config', join(d, 'cfg-unknown-key.json')], message: /totalStep: unknown key; did you mean 'totalSteps'/ },
  { area: 'config', name: 'config file holds an array', args: (d) => [...db(d), 'run', '--config', join(d, 'cfg-array.json')], message: /must hold one JSON object/ },
  { area: 'config', name: 'config number 1e999', args: (d) => [...db(d), 'run', '--config', join(d, 'cfg-inf.json')], message: /seed: the number overflows a double/ },
  { area: 'config', name: 'config file not JSON', args: (d) => [...db(d), 'run', '--config', join(d, 'cfg-bad.json')], message: /is not valid JSON/ },
  { area: 'config', name: 'config nested 5000 deep', args: (d) => [...db(d), 'sweep', '--config', join(d, 'cfg-deep.json'), '--objectives', 'gspo'], message: /nests deeper than 64 levels/ },
  { area: 'config', name: '--set seed=1e999', args: (d) => [...db(d), 'run', '--set', 'seed=1e999'], message: /--set 'seed=1e999': the number overflows a double/ },
  { area: 'config', name: '--set negative learning rate', args: (d) => [...db(d), 'run', '--set', 'optimizer.learningRate=-1'], message: /optimizer\.learningRate/ },
  { area: 'config', name: '--set dModel not divisible by heads', args: (d) => [...db(d), 'run', '--set', 'model.dModel=30'], message: /dModel 30 is not divisible by nHeads/ },
  { area: 'config', name: '--set without key', args: (d) => [...db(d), 'run', '--set', '=3'], message: /expected key=value/ },
  { area: 'config', name: 'sweep of 3 axes x 1000 values', args: (d) => [...db(d), 'sweep', ...hugeAxis('optimizer.learningRate'), ...hugeAxis('gradClip'), ...hugeAxis('totalSteps'), '--seeds', '1'], message: /would hold 1,000,000,000 runs .*more than the 5,000/ },
  // Command-line arguments.
  { area: 'cli-args', name: 'unknown command', args: (d) => [...db(d), 'frobnicate'], message: /unknown command 'frobnicate'/ },
  { area: 'cli-args', name: 'invalid backend choice', args: (d) => ['objective', '-i', join(d, 'obj-ragged.json'), '--backend', 'quantum'], message: /argument 'quantum' is invalid/ },
  { area: 'cli-args', name: 'invalid objective choice', args: (d) => [...db(d), 'run', '--objective', 'hmp'], message: /argument 'hmp' is invalid/ },
  { area: 'cli-args', name: 'serve --port 99999', args: (d) => [...db(d), 'serve', '--port', '99999'], message: /--port must be a whole number from 0 to 65535/ },
  { area: 'cli-args', name: 'serve --token too short', args: (d) => [...db(d), 'serve', '--token', 'abc'], message: /--token must be at least 16 characters/ },
  { area: 'cli-args', name: 'serve --export-root under a file', args: (d) => [...db(d), 'serve', '--port', '0', '--export-root', join(d, 'afile', 'exports')], message: /--export-root: cannot create the folder .*afile is a file, not a folder/ },
  { area: 'cli-args', name: 'export --out /proc/x', args: (d) => [...db(d), 'export', '--all', '--out', '/proc/hmpo-census-x'], message: /cannot create the folder \/proc\/hmpo-census-x/ },
  { area: 'cli-args', name: 'export --out an existing file', args: (d) => [...db(d), 'export', '--all', '--out', join(d, 'afile')], message: /is a file, not a folder/ },
  { area: 'cli-args', name: 'export --out a folder under a file', args: (d) => [...db(d), 'export', '--all', '--out', join(d, 'afile', 'out')], message: /afile is a file, not a folder/ },
  { area: 'cli-args', name: 'export --out a non-empty folder', args: (d) => [...db(d), 'export', '--all', '--out', join(d, 'full')], message: /is not empty/ },
  { area: 'cli-args', name: 'export an unknown run', args: (d) => [...db(d), 'export', '999', '--out', join(d, 'new-out')], message: /no run with id '999'/ },
  { area: 'cli-args', name: 'export an unknown sweep', args: (d) => [...db(d), 'export', '--sweep', '77', '--out', join(d, 'new-out')], message: /no sweep with id '77'/ },
  { area: 'cli-args', name: 'export with nothing named', args: (d) => [...db(d), 'export', '--out', join(d, 'new-out')], message: /name the runs to export/ },
  { area: 'cli-args', name: 'sweep --until-resolved without --budget-runs', args: (d) => [...db(d), 'sweep', '--objectives', 'gspo,hmpo', '--until-resolved', '--budget-minutes', '1'], message: /--until-resolved needs --budget-runs <n>/ },
  { area: 'cli-args', name: 'sweep --budget-runs without --until-resolved', args: (d) => [...db(d), 'sweep', '--objectives', 'gspo,hmpo', '--budget-runs', '8'], message: /--budget-runs only applies with --until-resolved/ },
  { area: 'cli-args', name: 'stop a finished run', args: (d) => [...db(d), 'stop', '1'], message: /only queued or running runs can be stopped/ },
  { area: 'cli-args', name: 'rm an unknown run', args: (d) => [...db(d), 'rm', '999'], message: /no run with id '999'/ },
  // Input files of advantages / objective.
  { area: 'input-file', name: 'advantages nested 5000 deep', args: (d) => ['advantages', '-i', join(d, 'adv-deep.json')], message: /nests deeper than 64 levels/ },
  { area: 'input-file', name: 'advantages reward 1e999', args: (d) => ['advantages', '-i', join(d, 'adv-inf.json')], message: /groups\.0\.0: the number overflows a double/ },
  { area: 'input-file', name: 'advantages none-mode overflow', args: (d) => ['advantages', '-i', join(d, 'adv-overflow.json')], message: /beyond the double range/ },
  { area: 'input-file', name: 'advantages unknown mode', args: (d) => ['advantages', '-i', join(d, 'adv-mode.json')], message: /mode: "grouped" is not one of/ },
  { area: 'input-file', name: 'advantages log mode with reward <= 0', args: (d) => ['advantages', '-i', join(d, 'adv-log.json')], message: /group 1, member 1: reward -1 is <= 0/ },
  { area: 'input-file', name: 'advantages file not JSON', args: (d) => ['advantages', '-i', join(d, 'adv-bad.json')], message: /is not valid JSON/ },
  { area: 'input-file', name: 'advantages empty file', args: (d) => ['advantages', '-i', join(d, 'empty.json')], message: /is empty/ },
  { area: 'input-file', name: 'advantages missing file', args: (d) => ['advantages', '-i', join(d, 'absent.json')], message: /no such file/ },
  { area: 'input-file', name: 'advantages input is a folder', args: (d) => ['advantages', '-i', join(d, 'full')], message: /it is a directory/ },
  { area: 'input-file', name: 'objective positive log-prob', args: (d) => ['objective', '-b', 'wasm', '-i', join(d, 'obj-positive.json')], message: /sequences\.0\.logpOld\.1: must be <= 0/ },
  { area: 'input-file', name: 'objective log-prob -1e999', args: (d) => ['objective', '-b', 'wasm', '-i', join(d, 'obj-inf.json')], message: /logpNew\.0: the number overflows a double/ },
  { area: 'input-file', name: 'objective ragged sequence', args: (d) => ['objective', '-b', 'wasm', '-i', join(d, 'obj-ragged.json')], message: /logpNew has 2 values but logpOld has 1/ },
  { area: 'input-file', name: 'objective unknown preset', args: (d) => ['objective', '-b', 'wasm', '-i', join(d, 'obj-preset.json')], message: /objective\.preset: "hmp" is not one of/ },
  // Database files.
  { area: 'database', name: '--db /dev/null', args: () => ['--db', '/dev/null', 'ls'], message: /\/dev\/null is not an SQLite database \(it is a character device/ },
  { area: 'database', name: '--db under a regular file', args: (d) => ['--db', join(d, 'afile', 'sub.db'), 'ls'], message: /cannot create the database .*afile is a file, not a folder/ },
  { area: 'database', name: '--db under /proc', args: () => ['--db', '/proc/hmpo-census-x/lab.db', 'ls'], message: /cannot create the database \/proc\/hmpo-census-x\/lab\.db/ },
  { area: 'database', name: '--db a text file', args: (d) => ['--db', join(d, 'text.txt'), 'ls'], message: /is not an SQLite database \(it starts with "hello, this is n"/ },
  { area: 'database', name: '--db a folder', args: (d) => ['--db', join(d, 'full'), 'ls'], message: /is not an SQLite database \(it is a folder\)/ },
  { area: 'database', name: '--db a truncated database', setup: (d) => patchedDb(d, 'short.db', { truncate: 50 }), args: (d) => ['--db', join(d, 'short.db'), 'ls'], message: /is not an SQLite database \(it is only 50 bytes long\)/ },
  { area: 'database', name: '--db from a newer release', setup: (d) => patchedDb(d, 'future.db', { offset: 60, bytes: [0, 0, 3, 231] }), args: (d) => ['--db', join(d, 'future.db'), 'ls'], message: /has schema version 999/ },
  { area: 'database', name: '--db with an impossible page size', setup: (d) => patchedDb(d, 'damaged.db', { offset: 16, bytes: [0, 3] }), args: (d) => ['--db', join(d, 'damaged.db'), 'ls'], message: /is damaged .*impossible page size/ },
  { area: 'database', name: '--db empty', args: () => ['--db', '', 'ls'], message: /--db is empty; pass the path of a database file/ },
  { area: 'database', name: '--db - (not standard input)', args: () => ['--db', '-', 'ls'], message: /--db -: a database cannot be read from standard input/ },
  { area: 'database', name: "--db another application's SQLite file", setup: (d) => foreignDb(join(d, 'other-app.db')), args: (d) => ['--db', join(d, 'other-app.db'), 'ls'], message: /other-app\.db is an SQLite database of another application \(tables: notes;/ },
  { area: 'database', name: 'db check on a folder', args: (d) => ['--db', join(d, 'full'), 'db', 'check'], message: /is not a regular file/ },
  { area: 'database', name: 'db check on /dev/null', args: () => ['--db', '/dev/null', 'db', 'check'], message: /\/dev\/null is not a regular file/ },
  { area: 'database', name: 'db check on a text file', args: (d) => ['--db', join(d, 'text.txt'), 'db', 'check'], message: /is not an SQLite database/ },
  { area: 'database', name: 'db check on a missing file', args: (d) => ['--db', join(d, 'absent.db'), 'db', 'check'], message: /no database at/ },
];

interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs the CLI in `cwd` (the case's folder, so even a wrongly relative write stays in the census). */
function runChild(args: readonly string[], cwd: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HMPO_LAB_DB: join(root, 'never-used.db') } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

async function runCliCase(c: CliCase): Promise<string[]> {
  const d = caseFolder(`${c.area}-${c.name}`);
  c.setup?.(d);
  const before = snapshot(d);
  const run = await runChild(c.args(d), d);
  const problems = run.timedOut ? [`still running after ${CASE_TIMEOUT_MS / 1000} s (killed)`] : judge(run.stderr, c.message, run.code !== 0 && run.code !== null, `exit ${run.code}`);
  if (!run.timedOut && run.stdout.trim() !== '') problems.push(`wrote to stdout: ${JSON.stringify(run.stdout.slice(0, 200))}`);
  problems.push(...fileChanges(before, snapshot(d)));
  return problems;
}

/** Runs `work` over `items`, at most `limit` at a time (the machine has few cores). */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

// ---------------------------------------------------------------------------------------------
// HTTP cases against one real `serve` (its own folder: a finished run 1, a running run 2 owned by
// this test process, the default export root with a symlink in it that points outside).

interface HttpCase {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** The invoke body (JSON-encoded unless a string). */
  readonly body?: unknown;
  readonly status: number;
  readonly message: RegExp;
  /** Paths that must not exist afterwards (relative to the server's folder, or absolute). */
  readonly absent?: readonly string[];
}

const invoke = (channel: string, request: unknown) => ({ channel, request });
const axis = (path: string) => ({ path, values: Array.from({ length: 1000 }, (_, i) => i + 1) });

const HTTP_CASES: HttpCase[] = [
  { name: 'malformed percent-encoding', method: 'GET', path: '/%E0%A4%A', status: 400, message: /malformed percent-encoding/ },
  { name: 'invoke body not JSON', body: '{nope', status: 400, message: /not valid JSON/ },
  { name: 'invoke as a form post', body: 'channel=runs:list', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, message: /application\/json/ },
  { name: 'invoke with GET', method: 'GET', path: '/api/invoke', status: 405, message: /use POST/ },
  { name: 'invoke body over 1 MiB', body: JSON.stringify({ channel: 'runs:setNotes', request: { runId: '1', notes: 'x'.repeat(1_100_000) } }), status: 413, message: /larger than 1 MiB/ },
  { name: 'invoke body nested 100000 deep', body: `{"channel": "runs:list", "request": ${deep(100_000)}}`, status: 400, message: /nests deeper than 64 levels/ },
  { name: 'invoke number 1e999', body: `{"channel": "metrics:compare", "request": {"runIds": ["1"], "key": "charts/reward_mean", "x": "step", "gridPoints": 10, "smoothing": 0, "band": "std", "target": 1e999}}`, status: 400, message: /metrics:compare: target: the number overflows a double/ },
  { name: 'unknown channel', body: invoke('fs:read', {}), status: 400, message: /unknown request channel "fs:read"/ },
  { name: 'invalid run id', body: invoke('runs:get', { runId: '../x' }), status: 400, message: /runId/ },
  { name: 'unknown run', body: invoke('runs:get', { runId: '999' }), status: 404, message: /no run with id 999/ },
  { name: 'stop a finished run', body: invoke('runs:stop', { runId: '1' }), status: 409, message: /only queued or running runs can be stopped/ },
  { name: 'delete a run another process is training', body: invoke('runs:delete', { runIds: ['2'] }), status: 409, message: /run 2 is still running; stop it first/ },
  { name: 'DNS-rebinding Host header', headers: { host: 'evil.example' }, body: invoke('runs:list', null), status: 403, message: /only answers requests addressed to localhost/ },
  { name: 'export outside the export root (absolute)', body: invoke('export:start', { runIds: ['1'], format: 'agm', outDir: '{dir}/outside' }), status: 400, message: /go inside the export root/, absent: ['outside'] },
  { name: 'export outside the export root (..)', body: invoke('export:start', { runIds: ['1'], format: 'agm', outDir: '../escaped' }), status: 400, message: /go inside the export root/, absent: ['../escaped', 'exports/../escaped'] },
  { name: 'export through a symlink out of the root', body: invoke('export:start', { runIds: ['1'], format: 'agm', outDir: 'link-out/x' }), status: 400, message: /go inside the export root/, absent: ['elsewhere/x', 'link-out'] },
  { name: 'export to /proc/x', body: invoke('export:start', { runIds: ['1'], format: 'agm', outDir: '/proc/hmpo-census-x' }), status: 400, message: /go inside the export root/ },
  { name: 'export of an unknown run', body: invoke('export:start', { runIds: ['999'], format: 'agm', outDir: 'fine' }), status: 404, message: /no run with id 999/, absent: ['exports/fine'] },
  { name: 'sweep preview of 3 axes x 1000 values', body: invoke('sweeps:preview', { base: {}, axes: [axis('optimizer.learningRate'), axis('gradClip'), axis('totalSteps')], seeds: [0] }), status: 400, message: /would hold 1,000,000,000 runs/ },
  { name: 'sweep start of 3 axes x 1000 values', body: invoke('sweeps:start', { base: {}, axes: [axis('optimizer.learningRate'), axis('gradClip'), axis('totalSteps')], seeds: [0] }), status: 400, message: /would hold 1,000,000,000 runs/ },
];

interface Reply {
  readonly status: number;
  readonly body: string;
}

function httpCall(port: number, c: HttpCase, dir: string): Promise<Reply> {
  const body = c.body === undefined ? undefined : (typeof c.body === 'string' ? c.body : JSON.stringify(c.body)).replaceAll('{dir}', dir);
  const method = c.method ?? 'POST';
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: c.path ?? '/api/invoke', method, headers: { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...c.headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.setTimeout(CASE_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ status: 0, body: `no reply: ${error.message}` }));
    req.end(body);
  });
}

/** The one line a reply carries: a Result's error message, else the body text. */
function replyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message !== undefined) return `${parsed.error.code}: ${parsed.error.message}`;
  } catch {
    // not JSON: a plain-text reply
  }
  return body;
}

let server: ChildProcess | null = null;
let serverLog = '';
let serverPort = 0;
const serverDir = join(root, 'server');

async function startServer(): Promise<void> {
  mkdirSync(serverDir);
  const seeded = openTestDatabase(serverDir, 'lab.db');
  const finished = addRun(seeded, { name: 'finished' });
  markRunStarted(seeded, finished, { pid: process.pid });
  markRunEnded(seeded, finished, { status: 'finished' });
  const running = addRun(seeded, { name: 'running elsewhere' });
  markRunStarted(seeded, running, { pid: process.pid }); // this test process is its live owner
  recordHeartbeat(seeded, running);
  seeded.close();
  mkdirSync(join(serverDir, 'exports'));
  mkdirSync(join(serverDir, 'elsewhere'));
  symlinkSync(join(serverDir, 'elsewhere'), join(serverDir, 'exports', 'link-out'));
  // cwd: its own folder, since a server that resolves export folders against its cwd writes there.
  server = spawn(process.execPath, [...NODE_FLAGS, CLI, '--db', join(serverDir, 'lab.db'), 'serve', '--port', '0'], { cwd: serverDir, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));
  serverPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out} ${serverLog}`)), 30_000);
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    server!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${serverLog}`)));
  });
}

async function runHttpCase(c: HttpCase): Promise<string[]> {
  // The -shm file is SQLite's shared-memory index, rewritten by every read: not data.
  const before = snapshot(serverDir, (name) => name.endsWith('-shm'));
  const logBefore = serverLog.length;
  const reply = await httpCall(serverPort, c, serverDir);
  await new Promise((resolve) => setTimeout(resolve, 50)); // let an export that wrongly started touch the disk
  const problems = judge(replyMessage(reply.body), c.message, reply.status >= 400 && reply.status < 500, `HTTP ${reply.status}`);
  if (reply.status !== c.status) problems.push(`HTTP ${reply.status}, expected ${c.status}`);
  const logged = serverLog.slice(logBefore);
  if (STACK.test(logged) || /failed:/.test(logged)) problems.push(`the server logged: ${JSON.stringify(logged.slice(0, 300))}`);
  for (const path of c.absent ?? []) if (existsSync(join(serverDir, path))) problems.push(`${path} was created`);
  problems.push(...fileChanges(before, snapshot(serverDir, (name) => name.endsWith('-shm'))));
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('bad-input census', () => {
  beforeAll(() => {
    const seeded = openTestDatabase(root, 'seed.db');
    const id = addRun(seeded, { name: 'census run' });
    markRunStarted(seeded, id, { pid: process.pid });
    markRunEnded(seeded, id, { status: 'finished' });
    seeded.close();
  });

  afterAll(async () => {
    if (server !== null && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
    const passes = summary.filter((s) => s.problems.length === 0).length;
    const byArea = [...new Set(summary.map((s) => s.area))].map((area) => `${area} ${summary.filter((s) => s.area === area).length}`).join(', ');
    console.log(`bad-input census: ${summary.length} cases, ${passes} pass (${byArea})`);
  });

  it('has at least 40 cases over config, CLI arguments, input files, database files and HTTP', () => {
    expect(CLI_CASES.length + HTTP_CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CLI_CASES.map((c) => c.area))).toEqual(new Set(['config', 'cli-args', 'input-file', 'database']));
  });

  it('db check reads a healthy database and leaves it byte-identical, with no -wal/-shm beside it', async () => {
    const d = caseFolder('db-check-reads-only');
    const before = snapshot(d);
    const run = await runChild(['--db', join(d, 'lab.db'), 'db', 'check'], d);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/integrity +ok/);
    expect(fileChanges(before, snapshot(d))).toEqual([]);
  });

  it('CLI: every bad input is one line, a non-zero exit, and no file changed', async () => {
    const results = await pooled(CLI_CASES, 3, async (c) => ({ area: c.area, name: c.name, problems: await runCliCase(c) }));
    summary.push(...results);
    const failures = results.filter((r) => r.problems.length > 0).map((r) => `${r.area} / ${r.name}: ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
  }, 300_000);

  it('HTTP: every bad request is one line, a 4xx, no stack in the log, and no file changed', async () => {
    await startServer();
    const results: { area: string; name: string; problems: string[] }[] = [];
    for (const c of HTTP_CASES) results.push({ area: 'http', name: c.name, problems: await runHttpCase(c) });
    summary.push(...results);
    const failures = results.filter((r) => r.problems.length > 0).map((r) => `http / ${r.name}: ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
  }, 300_000);
});
