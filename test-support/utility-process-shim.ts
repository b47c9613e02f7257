/**
 * Test-only stand-in for the child side of Electron's utilityProcess (Electron cannot run here), run
 * as a forked Node process: `process.parentPort` delivers messages as `{ data }` events, and
 * `postMessage` hands a message over a task later (it is asynchronous in Electron too), so a
 * `process.exit()` right after it loses the message, as a utility process that exits does. Then it
 * loads the entry file named by HMPO_UTILITY_ENTRY (the trainer).
 */
import { pathToFileURL } from 'node:url';

const listeners: ((event: { data: unknown }) => void)[] = [];
process.on('message', (data) => listeners.forEach((listener) => listener({ data })));
(process as unknown as { parentPort: unknown }).parentPort = {
  on: (_event: 'message', listener: (event: { data: unknown }) => void) => listeners.push(listener),
  postMessage: (message: unknown) => setImmediate(() => process.connected && process.send?.(message)),
};
await import(pathToFileURL(process.env.HMPO_UTILITY_ENTRY!).href);
