/**
 * Entry point of a trainer child process (child_process.fork in the CLI and server; Electron's
 * utilityProcess in the desktop app). Waits for {type:'start', config}, trains, streams steps and
 * events to the parent, reports its outcome and leaves only once the parent acknowledged it (the
 * exit protocol, parent-channel.ts). A 'stop' message or the parent going away ends training between
 * steps; an orphan stops quietly. It never opens the database: the parent is the only writer.
 */
import { forkChannel, parentPortChannel, type ParentPort } from './parent-channel.js';
import { train } from './train.js';
import type { ChildMessage, ParentMessage } from './trainer-messages.js';

let stopRequested = false;

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const channel = parentPort ? parentPortChannel(parentPort) : forkChannel();

/** Sends without waiting; a failed send means the parent is gone (e.g. `hmpo-lab run --json | head`): stop training. */
function send(message: ChildMessage): void {
  void channel.send(message).then((sent) => {
    if (!sent) stopRequested = true;
  });
}

async function run(message: ParentMessage & { type: 'start' }): Promise<void> {
  let last: ChildMessage;
  let exitCode = 0;
  try {
    const outcome = await train(message.config, {
      onStart: (info) => send({ type: 'started', ...info }),
      onStep: (record) => send({ type: 'step', record }),
      onEvent: (event) => send({ type: 'event', event }),
      onCheckpoint: (checkpoint) => send({ type: 'checkpoint', ...checkpoint }),
      shouldStop: () => stopRequested,
    });
    last = { type: 'done', outcome };
    exitCode = outcome.status === 'failed' ? 1 : 0;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    last = { type: 'error', error: { code: e.name === 'BackendUnavailableError' ? 'BACKEND_UNAVAILABLE' : 'TRAINER_ERROR', message: e.message, stack: e.stack ?? '' } };
    exitCode = 1;
  }
  await channel.send(last);
  await channel.leave(exitCode);
}

channel.onMessage((message) => {
  if (message.type === 'stop') stopRequested = true;
  else if (message.type === 'start') void run(message);
});
// The parent died or closed the channel: stop at the next step boundary rather than train orphaned.
channel.onParentGone(() => {
  stopRequested = true;
});
// Ctrl-C in a terminal reaches the whole process group; the parent decides, so ignore it here.
process.on('SIGINT', () => {});
send({ type: 'ready' });
