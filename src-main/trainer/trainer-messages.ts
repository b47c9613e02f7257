/**
 * The typed protocol between a trainer child process and its parent (the CLI, the server or the
 * Electron main process). Messages are structured-clone data, not plain JSON: a checkpoint carries
 * a Map of Float32Array weights (fork runs with 'advanced' serialization, Electron's utilityProcess
 * clones structurally); errors cross as data (house rule 3).
 *
 * The exit protocol: the child's last message is 'done' or 'error'. The parent answers 'received'
 * once it has that outcome, and only then does the child leave, so the outcome (and, the channel
 * being ordered, every step and checkpoint before it) is never lost in a closing channel. A child
 * whose parent never answers leaves after a timeout; a parent that sees an exit without an outcome
 * records a protocol error, not a crash.
 */
import type { RunConfig } from '../../src-shared/run-config.js';
import type { CheckpointPayload } from '../../src-shared/checkpoint.js';
import type { StepRecord, TrainEvent, TrainOutcome } from '../../src-shared/step-record.js';
import type { AppError } from '../../src-shared/result.js';
import type { BackendName } from './backend.js';

export type ParentMessage =
  | { readonly type: 'start'; readonly config: RunConfig }
  | { readonly type: 'stop' }
  /** The parent has the child's outcome ('done' or 'error'): the child may exit now. */
  | { readonly type: 'received' };

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'started'; readonly backend: BackendName; readonly parameterCount: number }
  | { readonly type: 'step'; readonly record: StepRecord }
  | { readonly type: 'event'; readonly event: TrainEvent }
  | ({ readonly type: 'checkpoint' } & CheckpointPayload)
  | { readonly type: 'done'; readonly outcome: TrainOutcome }
  | { readonly type: 'error'; readonly error: AppError & { readonly stack?: string } };
