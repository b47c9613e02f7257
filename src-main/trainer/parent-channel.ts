/**
 * The trainer child's side of its channel to the parent, on either transport: child_process.fork
 * (process.send) or Electron's utilityProcess (process.parentPort). Holds the exit protocol of
 * trainer-messages.ts: `leave()` waits until the parent acknowledged the outcome before the process
 * goes, because a channel closed right after a send drops what is still queued (issue 9: a final
 * checkpoint larger than the socket buffer, then 'done', then disconnect lost both). It does not train.
 */
import type { ChildMessage, ParentMessage } from './trainer-messages.js';

/** How long a child waits for the parent's 'received' before it leaves anyway (a parent that never answers). */
export const ACK_TIMEOUT_MS = 10_000;

export interface ParentChannel {
  /** Sends a message; resolves true once the transport took it, false if the parent is gone. Never throws. */
  send(message: ChildMessage): Promise<boolean>;
  onMessage(listener: (message: ParentMessage) => void): void;
  /** The parent went away (fork only; Electron ends a utility process with its parent). */
  onParentGone(listener: () => void): void;
  /** Waits for the parent's 'received' (or its going away, or the timeout), then ends the process with `exitCode`. */
  leave(exitCode: number): Promise<void>;
}

/** Electron's utilityProcess side: https://www.electronjs.org/docs/latest/api/parent-port */
export interface ParentPort {
  on(event: 'message', listener: (event: { data: ParentMessage }) => void): void;
  postMessage(message: ChildMessage): void;
}

/** Remembers the parent's 'received' (or its going away), so `wait` after it returns at once; `wait` gives up after `timeoutMs`. */
function ackTracker(): { received: () => void; wait: (timeoutMs: number) => Promise<void> } {
  let done = false;
  const waiting: (() => void)[] = [];
  return {
    received: () => {
      done = true;
      waiting.splice(0).forEach((resolve) => resolve());
    },
    wait: (timeoutMs) =>
      done
        ? Promise.resolve()
        : new Promise((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            waiting.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
  };
}

/** The child_process.fork transport over this process's IPC channel. */
export function forkChannel(proc: NodeJS.Process = process, ackTimeoutMs = ACK_TIMEOUT_MS): ParentChannel {
  const ack = ackTracker();
  proc.on('message', (message: ParentMessage) => {
    if (message.type === 'received') ack.received();
  });
  // A parent that is gone cannot acknowledge anything: stop waiting.
  proc.on('disconnect', () => ack.received());
  return {
    send: (message) =>
      new Promise((resolve) => {
        if (!proc.connected || !proc.send) return resolve(false);
        try {
          // The callback runs once the message is written to the socket (or failed), so awaiting it
          // flushes this message and, IPC being ordered, every one before it.
          proc.send(message, undefined, undefined, (error) => resolve(!error));
        } catch {
          resolve(false); // the channel closed between the check and the send
        }
      }),
    onMessage: (listener) => proc.on('message', listener),
    onParentGone: (listener) => proc.on('disconnect', listener),
    leave: async (exitCode) => {
      await ack.wait(ackTimeoutMs);
      proc.exitCode = exitCode;
      // Disconnecting an already closed channel throws ERR_IPC_DISCONNECTED: an orphan leaves quietly.
      if (proc.connected) proc.disconnect();
    },
  };
}

/** The utilityProcess transport: postMessage has no completion callback, so the ack is the only flush. */
export function parentPortChannel(port: ParentPort, exit: (code: number) => void = (code) => process.exit(code), ackTimeoutMs = ACK_TIMEOUT_MS): ParentChannel {
  const ack = ackTracker();
  port.on('message', (event) => {
    if (event.data.type === 'received') ack.received();
  });
  return {
    send: (message) => {
      try {
        port.postMessage(message);
        return Promise.resolve(true);
      } catch {
        return Promise.resolve(false);
      }
    },
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    onParentGone: () => {},
    leave: async (exitCode) => {
      // process.exit() right after postMessage can drop what Electron has not delivered yet.
      await ack.wait(ackTimeoutMs);
      exit(exitCode);
    },
  };
}
