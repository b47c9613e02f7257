/**
 * Starts and stops one trainer child process per run and turns its messages into callbacks. The
 * child trains; the caller (CLI, server, store writer) decides what to do with each step. Knows the
 * child's PID and exit code, so a run's status is never guessed. The process is launched by a
 * ChildLauncher: child_process.fork here, Electron's utilityProcess in the desktop app.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { StepRecord, TrainEvent, TrainOutcome } from '../../src-shared/step-record.js';
import type { AppError } from '../../src-shared/result.js';
import type { BackendName } from './backend.js';
import type { ChildMessage, ParentMessage } from './trainer-messages.js';
import type { WeightArray } from './policy-model.js';

export interface TrainerHandlers {
  onStarted?(info: { backend: BackendName; parameterCount: number }): void;
  onStep(record: StepRecord): void;
  onEvent?(event: TrainEvent): void;
  onCheckpoint?(checkpoint: { step: number; kind: 'final' | 'periodic'; weights: Map<string, WeightArray> }): void;
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
export function trainerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return { file: here.replace(/trainer-host\.(ts|js)$/, `trainer-process.${ts ? 'ts' : 'js'}`), execArgv: ts ? ['--import', 'tsx'] : [] };
}

/** A launched child process as the host needs it, whatever launched it. */
export interface ChildLink {
  readonly pid: number | undefined;
  send(message: ParentMessage): void;
  onMessage(listener: (message: ChildMessage) => void): void;
  onExit(listener: (exitCode: number | null, signal: NodeJS.Signals | null) => void): void;
  onError(listener: (error: Error) => void): void;
  kill(): void;
}

export type ChildLauncher = (entry: { file: string; execArgv: string[] }) => ChildLink;

/** child_process.fork with structured-clone messages (NaN and typed arrays survive). */
export const forkLauncher: ChildLauncher = ({ file, execArgv }) => {
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    pid: child.pid,
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as ChildMessage)),
    onExit: (listener) => child.on('exit', listener),
    onError: (listener) => child.on('error', listener),
    kill: () => child.kill('SIGKILL'),
  };
};

export function startTrainer(config: RunConfig, handlers: TrainerHandlers, launch: ChildLauncher = forkLauncher): TrainerHandle {
  const child = launch(trainerEntry());
  let last: TrainerExit | undefined;
  child.onMessage((message) => {
    switch (message.type) {
      case 'ready':
        child.send({ type: 'start', config });
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
      case 'checkpoint':
        handlers.onCheckpoint?.({ step: message.step, kind: message.kind, weights: message.weights });
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
    child.onExit((exitCode, signal) => resolve(last ?? { kind: 'crashed', exitCode, signal }));
    child.onError((error) => resolve({ kind: 'error', error: { code: 'SPAWN_FAILED', message: `could not start the trainer process: ${error.message}` } }));
  });
  return { pid: child.pid, stop: () => child.send({ type: 'stop' }), kill: () => child.kill(), exited };
}
