/**
 * `ls`, `show` and `rm` through the real binary on a seeded database (no training): the status
 * reason is shown whole in `ls` (the pid it names included), `show` counts its events truly, and
 * `rm` refuses a run another live process is training. Needs `npx tsc -b` (it runs dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setRunOwner } from '../db/run-control-queries.js';
import { markRunEnded, markRunStarted, recordHeartbeat } from '../db/runs-queries.js';
import { addRun, openTestDatabase } from '../db/test-fixtures.js';
import { runCli } from '../../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hmpo-cli-runs-'));
const database = join(dir, 'lab.db');
const withDb = (...args: string[]) => runCli(['--db', database, ...args]);
/** The pid of a process that has already exited. */
const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
const ids = { orphaned: 0, finished: 0, live: 0 };

beforeAll(() => {
  const db = openTestDatabase(dir, 'lab.db');
  ids.orphaned = addRun(db, { name: 'orphaned' });
  markRunStarted(db, ids.orphaned, { pid: deadPid });
  setRunOwner(db, ids.orphaned, deadPid); // its owner died: the next command marks it crashed, naming the pid
  ids.finished = addRun(db, { name: 'three events' });
  markRunStarted(db, ids.finished, { pid: process.pid });
  markRunEnded(db, ids.finished, { status: 'finished' });
  ids.live = addRun(db, { name: 'trained elsewhere' });
  markRunStarted(db, ids.live, { pid: process.pid });
  setRunOwner(db, ids.live, process.pid); // this test process is its live owner
  recordHeartbeat(db, ids.live);
  db.close();
});

describe('run commands on a seeded database', () => {
  it('ls shows the whole status reason, so the pid it names is visible', async () => {
    const ls = await withDb('ls');
    expect(ls.code, ls.stderr).toBe(0);
    const row = ls.stdout.split('\n').find((line) => line.includes('orphaned'));
    expect(row).toContain(`crashed (the process that trained this run (pid ${deadPid}) ended while it trained)`);
  });

  it('show counts the events it lists truly', async () => {
    const show = await withDb('show', String(ids.finished));
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^events \(3\):$/m);
    expect(show.stdout).not.toMatch(/last 20 of/);
  });

  it('rm refuses a run another live process is training, and deletes nothing', async () => {
    const rm = await withDb('rm', String(ids.finished), String(ids.live));
    expect(rm.code).toBe(2);
    expect(rm.stderr.trim()).toMatch(new RegExp(`^hmpo-lab rm: run\\(s\\) ${ids.live} are still queued or running; stop them first`));
    expect((await withDb('show', String(ids.finished))).code).toBe(0);
  });

  it('--db - is refused in one line naming the flag, and no file named "-" appears', async () => {
    const run = spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/hmpo-lab.js'), '--db', '-', 'ls'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^hmpo-lab ls: --db -: a database cannot be read from standard input; pass the path of a database file/);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});
