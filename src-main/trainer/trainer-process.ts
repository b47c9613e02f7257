/**
 * Entry point of a trainer child process (child_process.fork in the CLI and server; Electron's
 * utilityProcess in the desktop app). Waits for {type:'start', config}, trains, streams steps and
 * events to the parent, and exits. A 'stop' message or the parent going away ends training between
 * steps. It never opens the database: the parent is the only writer.
 */
import { train } from './train.js';
import type { ChildMessage, ParentMessage } from './trainer-messages.js';

let stopRequested = false;

/** Electron's utilityProcess talks over process.parentPort; child_process.fork over process.send. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: ParentMessage }) => void): void;
  postMessage(message: ChildMessage): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: ChildMessage): void {
  if (parentPort) {
    parentPort.postMessage(message);
    return;
  }
  // A failed send means the parent is gone (e.g. `hmpo-lab run --json | head`): stop training.
  if (process.connected) process.send?.(message, undefined, undefined, (error) => {
    if (error) stopRequested = true;
  });
}

async function run(message: ParentMessage & { type: 'start' }): Promise<void> {
  try {
    const outcome = await train(message.config, {
      onStart: (info) => send({ type: 'started', ...info }),
      onStep: (record) => send({ type: 'step', record }),
      onEvent: (event) => send({ type: 'event', event }),
      onCheckpoint: (checkpoint) => send({ type: 'checkpoint', ...checkpoint }),
      shouldStop: () => stopRequested,
    });
    send({ type: 'done', outcome });
    process.exitCode = outcome.status === 'failed' ? 1 : 0;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    send({ type: 'error', error: { code: e.name === 'BackendUnavailableError' ? 'BACKEND_UNAVAILABLE' : 'TRAINER_ERROR', message: e.message, stack: e.stack ?? '' } });
    process.exitCode = 1;
  } finally {
    if (parentPort) process.exit();
    else process.disconnect?.();
  }
}

function receive(message: ParentMessage): void {
  if (message.type === 'stop') stopRequested = true;
  else if (message.type === 'start') void run(message);
}
if (parentPort) parentPort.on('message', (event) => receive(event.data));
else process.on('message', receive);
// The parent died or closed the channel: stop at the next step boundary rather than train orphaned.
process.on('disconnect', () => {
  stopRequested = true;
});
// Ctrl-C in a terminal reaches the whole process group; the parent decides, so ignore it here.
process.on('SIGINT', () => {});
send({ type: 'ready' });
