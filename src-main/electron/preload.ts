/**
 * The Electron preload: exposes `window.api` (the contract's Api) and nothing else, through
 * contextBridge. Channels and event names are checked here too, so a compromised renderer cannot
 * reach any other IPC. Bundled to CommonJS by esbuild (sandboxed preloads cannot load ES modules).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, EVENT_NAMES, type Api, type Channel, type EventName, type Events, type RequestOf } from '../../src-shared/contract.js';
import { err } from '../../src-shared/result.js';

const api: Api = {
  invoke: async <C extends Channel>(channel: C, request: RequestOf<C>) => {
    if (!CHANNELS.includes(channel)) return err('UNKNOWN_CHANNEL', `unknown request channel ${String(channel)}`);
    try {
      return await ipcRenderer.invoke('contract:invoke', channel, request);
    } catch (error) {
      return err('IPC_FAILED', error instanceof Error ? error.message : String(error));
    }
  },
  on: <E extends EventName>(event: E, listener: (payload: Events[E]) => void) => {
    if (!EVENT_NAMES.includes(event)) return () => {};
    const handler = (_: IpcRendererEvent, name: EventName, payload: unknown) => {
      if (name === event) listener(payload as Events[E]);
    };
    ipcRenderer.on('contract:event', handler);
    return () => ipcRenderer.removeListener('contract:event', handler);
  },
};

contextBridge.exposeInMainWorld('api', api);
