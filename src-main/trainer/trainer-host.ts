/**
 * Starts and stops one trainer child process per run and turns its messages into callbacks. The
 * child trains; the caller (CLI, server, store writer) decides what to do with each step. Knows the
 * child's PID and exit code, so a run's status is never guessed: an outcome comes only from the
 * child's own 'done' or 'error' (acknowledged with 'received', the exit protocol of
 * trainer-messages.ts), a crash only from a real death, and an exit 0 without an outcome is a
 * protocol error. The process is launched by a ChildLauncher: child_process.fork here, Electron's
 * utilityProcess in the desktop app, a remote worker elsewhere.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { CheckpointPayload } from '../../src-shared/checkpoint.js';
import type { StepRecord, TrainEvent, TrainOutcome } from '../../src-shared/step-record.js';
import type { AppError } from '../../src-shared/result.js';
import type { BackendName } from './backend.js';
import type { ChildMessage, ParentMessage } from './trainer-messages.js';

export interface TrainerHandlers {
  onStarted?(info: { backend: BackendName; parameterCount: number }): void;
  onStep(record: StepRecord): void;
  onEvent?(event: TrainEvent): void;
  onCheckpoint?(checkpoint: CheckpointPayload): void;
}

/** How the child process ended, from the parent's point of view. */
export type TrainerExit =
  | { readonly kind: 'outcome'; readonly outcome: TrainOutcome }
  | { readonly kind: 'error'; readonly error: AppError }
  | { readonly kind: 'crashed'; readonly exitCode: number | null; readonly signal: NodeJS.Signals | null }
  /** The child exited cleanly (code 0) without reporting an outcome: a bug in the protocol, not a death. */
  | { readonly kind: 'protocol-error'; readonly message: string };

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

/**
 * A launched child process as the host needs it, whatever launched it. `send` must not throw when
 * the child is gone; `onExit` must fire only after every message the child sent was delivered to
 * `onMessage` (fork: the 'close' event, which waits for the IPC channel to drain).
 */
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
      // With a callback, a failed send (the child just died) is not emitted as an 'error' event.
      if (child.connected) child.send(message, undefined, undefined, () => {});
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as ChildMessage)),
    // 'close', not 'exit': 'exit' can come before the last messages of a killed child were read.
    onExit: (listener) => child.on('close', listener),
    // 'error' also reports a failed kill or send; only a failed spawn (no pid) means the child never ran.
    onError: (listener) => child.on('error', (error) => child.pid === undefined && listener(error)),
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
        child.send({ type: 'received' }); // the exit protocol: now the child may leave
        break;
      case 'error':
        last = { kind: 'error', error: { code: message.error.code, message: message.error.message } };
        child.send({ type: 'received' });
        break;
    }
  });
  const exited = new Promise<TrainerExit>((resolve) => {
    child.onExit((exitCode, signal) => {
      if (last) resolve(last);
      else if (exitCode === 0 && signal === null) resolve({ kind: 'protocol-error', message: 'protocol error: the trainer process exited normally (code 0) without reporting an outcome' });
      else resolve({ kind: 'crashed', exitCode, signal });
    });
    child.onError((error) => resolve({ kind: 'error', error: { code: 'SPAWN_FAILED', message: `could not start the trainer process: ${error.message}` } }));
  });
  return { pid: child.pid, stop: () => child.send({ type: 'stop' }), kill: () => child.kill(), exited };
}
