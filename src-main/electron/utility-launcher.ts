/**
 * Launches trainer processes with Electron's utilityProcess (the desktop app's equivalent of
 * child_process.fork: a Node child that Electron owns and cleans up). Messages are structured clones.
 * The child's postMessage has no completion callback, so the trainer waits for the host's 'received'
 * before it exits (the exit protocol, trainer-messages.ts); this file only adapts the API.
 */
import { utilityProcess } from 'electron';
import type { ChildMessage } from '../trainer/trainer-messages.js';
import type { ChildLauncher } from '../trainer/trainer-host.js';

export const utilityLauncher: ChildLauncher = ({ file }) => {
  const child = utilityProcess.fork(file, [], { serviceName: 'HMPO Lab trainer', stdio: 'inherit' });
  const exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  child.on('exit', (code) => exitListeners.forEach((l) => l(code, null)));
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      // The ChildLink contract: never throw for a child that is already gone (e.g. the 'received' ack racing its exit).
      try {
        child.postMessage(message);
      } catch {
        // nothing to deliver to
      }
    },
    onMessage: (listener) => child.on('message', (message: ChildMessage) => listener(message)),
    onExit: (listener) => exitListeners.push(listener),
    onError: () => {
      // utilityProcess reports spawn failures through 'exit' with a non-zero code.
    },
    kill: () => {
      child.kill();
    },
  };
};
