/**
 * Fault suite, part 1: runs that should finish do finish (issue 9). The built CLI (dist/) on real
 * SQLite files with real trainer processes and a model whose checkpoints (~1.6 MB) exceed the socket
 * buffer, the case that lost the final checkpoint and 'done' in a closing IPC channel: a 16-run loop
 * of `hmpo-lab run --steps 3`, a 30-run sweep back to back, 8 runs in parallel as separate processes
 * and as one sweep. Every run must be finished with every step and checkpoint stored, every CLI exit 0.
 * Prints one summary line per scenario (quoted in the closing note).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test-support/run-cli.js';
import { BIG_CHECKPOINT_ARGS, databasesRemovedAfterAll, readStore, startCli, type StoredRun } from '../../test-support/fault-harness.js';

const STEPS = 3;
// Periodic checkpoint after step 1 and the final one after step 2: two 1.6 MB messages per run.
const RUN_ARGS = ['--steps', String(STEPS), '--set', 'checkpointEvery=2', ...BIG_CHECKPOINT_ARGS];
const SWEEP_ARGS = ['--set', `totalSteps=${STEPS}`, '--set', 'checkpointEvery=2', ...BIG_CHECKPOINT_ARGS];
const EXPECTED_CHECKPOINTS = [
  { kind: 'periodic', step: 1, intact: true },
  { kind: 'final', step: 2, intact: true },
];

const database = databasesRemovedAfterAll();

/** Counts what went wrong across a database's runs, prints the line and returns the counts. */
function tally(scenario: string, path: string, exitCodes: readonly (number | null)[], expectedRuns: number) {
  const { integrity, runs } = readStore(path);
  const notFinished = runs.filter((r) => r.status !== 'finished');
  const falseCrashes = notFinished.filter((r) => r.status === 'crashed').length;
  const stepsMissing = runs.reduce((n, r) => n + Math.max(0, STEPS - r.steps), 0);
  const checkpointsMissing = runs.reduce((n, r: StoredRun) => n + EXPECTED_CHECKPOINTS.filter((e) => !r.checkpoints.some((c) => c.kind === e.kind && c.step === e.step && c.intact)).length, 0);
  const badExits = exitCodes.filter((c) => c !== 0).length;
  console.log(
    `fault-suite ${scenario}: ${runs.length - notFinished.length}/${expectedRuns} runs finished, ${falseCrashes} false crashes, ` +
      `${stepsMissing} steps and ${checkpointsMissing} checkpoints missing, ${badExits}/${exitCodes.length} CLI exits non-zero, integrity ${integrity}` +
      (notFinished.length > 0 ? ` (e.g. run ${notFinished[0]!.id}: ${notFinished[0]!.status}: ${notFinished[0]!.error})` : ''),
  );
  return { integrity, runs: runs.length, notFinished: notFinished.length, stepsMissing, checkpointsMissing, badExits };
}

const ALL_GOOD = { integrity: 'ok', notFinished: 0, stepsMissing: 0, checkpointsMissing: 0, badExits: 0 };

describe('fault suite: every run that should finish is recorded finished, with all it delivered', () => {
  it('a 16-run loop of `hmpo-lab run --steps 3` (compiled CLI) records 16 of 16 finished', async () => {
    const path = database('loop');
    const codes: (number | null)[] = [];
    for (let i = 0; i < 16; i++) codes.push((await runCli(['--db', path, 'run', '--seed', String(i), ...RUN_ARGS])).code);
    expect(tally('16-run CLI loop', path, codes, 16)).toEqual({ ...ALL_GOOD, runs: 16 });
  }, 240_000);

  it('a 30-run sweep back to back (concurrency 1): 30 finished, sweep exits 0', async () => {
    const path = database('sweep30');
    const sweep = await runCli(['--db', path, 'sweep', '--objectives', 'grpo,hmpo', '--seeds', '15', '--concurrency', '1', ...SWEEP_ARGS]);
    expect(tally('30-run sweep, back to back', path, [sweep.code], 30)).toEqual({ ...ALL_GOOD, runs: 30 });
    expect(sweep.stderr).toMatch(/ended: 30 finished\./);
  }, 240_000);

  it('8 runs in parallel: as 8 separate `hmpo-lab run --json` processes on one database, and as one sweep of 8 at once', async () => {
    const path = database('parallel');
    const clis = Array.from({ length: 8 }, (_, i) => startCli(path, ['run', '--json', '--seed', String(i), ...RUN_ARGS]));
    const codes = await Promise.all(clis.map((c) => c.closed));
    expect(tally('8 parallel CLI processes', path, codes, 8)).toEqual({ ...ALL_GOOD, runs: 8 });
    // --json printed exactly the stored steps.
    expect(clis.map((c) => c.stdout.trimEnd().split('\n').length)).toEqual(Array(8).fill(STEPS));

    const sweepPath = database('sweep8');
    const sweep = await runCli(['--db', sweepPath, 'sweep', '--objectives', 'gspo,gmpo', '--seeds', '4', '--concurrency', '8', ...SWEEP_ARGS]);
    expect(tally('sweep of 8 in parallel', sweepPath, [sweep.code], 8)).toEqual({ ...ALL_GOOD, runs: 8 });
  }, 240_000);
});
