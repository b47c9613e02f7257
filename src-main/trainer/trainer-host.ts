/**
 * Starts and stops one trainer child process per run (child_process.fork) and turns its messages
 * into callbacks. The child trains; the caller (CLI, server, store writer) decides what to do with
 * each step. Knows the child's PID and exit code, so a run's status is never guessed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord, TrainEvent, TrainOutcome } from '../../src-shared/step-record.js';
import type { AppError } from '../../src-shared/result.js';
import type { BackendName } from './backend.js';
import type { ChildMessage, ParentMessage } from './trainer-messages.js';

export interface TrainerHandlers {
  onStarted?(info: { backend: BackendName; parameterCount: number }): void;
  onStep(record: StepRecord): void;
  onEvent?(event: TrainEvent): void;
}

/** How the child process ended, from the parent's point of view. */
export type TrainerExit =
  | { readonly kind: 'outcome'; readonly outcome: TrainOutcome }
  | { readonly kind: 'error'; readonly error: AppError }
  | { readonly kind: 'crashed'; readonly exitCode: number | null; readonly signal: NodeJS.Signals | null };

export interface TrainerHandle {
  readonly pid: number | undefined;
  /** Asks the child to stop after the current step; it then reports outcome 'stopped'. */
  stop(): void;
  /** Ends the child at once (SIGKILL). */
  kill(): void;
  /** Resolves when the child has exited. */
  readonly exited: Promise<TrainerExit>;
}

/** The child's entry file: the compiled .js in dist, or the .ts source under tsx (tests, dev). */
function childEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return { file: here.replace(/trainer-host\.(ts|js)$/, `trainer-process.${ts ? 'ts' : 'js'}`), execArgv: ts ? ['--import', 'tsx'] : [] };
}

export function startTrainer(config: RunConfig, handlers: TrainerHandlers): TrainerHandle {
  const { file, execArgv } = childEntry();
  const child: ChildProcess = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  let last: TrainerExit | undefined;
  const send = (message: ParentMessage) => {
    if (child.connected) child.send(message);
  };
  child.on('message', (message: ChildMessage) => {
    switch (message.type) {
      case 'ready':
        send({ type: 'start', config });
        break;
      case 'started':
        handlers.onStarted?.({ backend: message.backend, parameterCount: message.parameterCount });
        break;
      case 'step':
        handlers.onStep(message.record);
        break;
      case 'event':
        handlers.onEvent?.(message.event);
        break;
      case 'done':
        last = { kind: 'outcome', outcome: message.outcome };
        break;
      case 'error':
        last = { kind: 'error', error: { code: message.error.code, message: message.error.message } };
        break;
    }
  });
  const exited = new Promise<TrainerExit>((resolve) => {
    child.on('exit', (exitCode, signal) => resolve(last ?? { kind: 'crashed', exitCode, signal }));
    child.on('error', (error) => resolve({ kind: 'error', error: { code: 'SPAWN_FAILED', message: `could not start the trainer process: ${error.message}` } }));
  });
  return {
    pid: child.pid,
    stop: () => send({ type: 'stop' }),
    kill: () => {
      child.kill('SIGKILL');
    },
    exited,
  };
}
