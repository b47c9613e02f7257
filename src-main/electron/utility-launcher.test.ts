/**
 * The desktop app's trainer path with `electron` mocked: utilityProcess.fork is backed by a real
 * Node child running test-support/utility-process-shim.ts, which gives the trainer a parentPort whose
 * postMessage is asynchronous and lost on process.exit (as in a utility process). Through the real
 * utilityLauncher and trainer host, a run with 1.6 MB checkpoints must end with its outcome and
 * final checkpoint delivered (the exit protocol), and a graceful stop must read 'stopped'.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { validateRunConfig, type RunConfig } from '../../src-shared/run-config.js';
import { startTrainer } from '../trainer/trainer-host.js';

const SHIM = fileURLToPath(new URL('../../test-support/utility-process-shim.ts', import.meta.url));

/** Electron's UtilityProcess surface that utility-launcher.ts uses: pid, postMessage, kill, 'message', 'exit'. */
class FakeUtilityProcess extends EventEmitter {
  private readonly child: ChildProcess;
  constructor(file: string) {
    super();
    this.child = fork(SHIM, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, HMPO_UTILITY_ENTRY: file }, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message) => this.emit('message', message));
    this.child.on('exit', (code) => this.emit('exit', code ?? 1));
  }
  get pid() {
    return this.child.pid;
  }
  postMessage(message: unknown) {
    if (this.child.connected) this.child.send(message as object);
  }
  kill() {
    return this.child.kill('SIGKILL');
  }
}

vi.mock('electron', () => ({ utilityProcess: { fork: (file: string) => new FakeUtilityProcess(file) } }));

function bigModel(totalSteps: number): RunConfig {
  const result = validateRunConfig({ backend: 'wasm', model: { dModel: 128 }, promptsPerRollout: 1, groupSize: 2, minibatchesPerRollout: 1, evalPrompts: 1, checkpointEvery: 1, totalSteps });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('trainer in a (mocked) utility process', () => {
  it('delivers every step, every 1.6 MB checkpoint and the outcome before the process exits', async () => {
    const { utilityLauncher } = await import('./utility-launcher.js');
    for (let trial = 0; trial < 2; trial++) {
      const steps: number[] = [];
      const checkpoints: string[] = [];
      const trainer = startTrainer(bigModel(3), { onStep: (r) => steps.push(r.step), onCheckpoint: (c) => checkpoints.push(`${c.kind}@${c.step}`) }, utilityLauncher);
      expect(await trainer.exited).toEqual({ kind: 'outcome', outcome: { status: 'finished', steps: 3 } });
      expect(steps).toEqual([0, 1, 2]);
      expect(checkpoints.sort()).toEqual(['final@2', 'periodic@0', 'periodic@1', 'periodic@2']);
    }
  }, 120_000);

  it('a graceful stop reads stopped', async () => {
    const { utilityLauncher } = await import('./utility-launcher.js');
    const trainer = startTrainer(bigModel(10_000), { onStep: (r) => r.step === 0 && trainer.stop() }, utilityLauncher);
    const exit = await trainer.exited;
    expect(exit.kind === 'outcome' && exit.outcome.status).toBe('stopped');
  }, 120_000);
});
