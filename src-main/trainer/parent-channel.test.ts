/**
 * The child's side of the exit protocol on both transports, with stand-ins for the transport only:
 * a utility process exits only after the parent's 'received' (or the timeout); a forked orphan whose
 * channel is already closed leaves without touching it (no ERR_IPC_DISCONNECTED) and without waiting;
 * a send on a closed channel reports false instead of throwing. Real processes: fault-suite-*.test.ts.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { forkChannel, parentPortChannel, type ParentPort } from './parent-channel.js';

function fakePort(): ParentPort & { deliver(data: unknown): void; posted: unknown[] } {
  const emitter = new EventEmitter();
  const posted: unknown[] = [];
  return {
    posted,
    on: (_event, listener) => emitter.on('message', listener),
    postMessage: (message) => posted.push(message),
    deliver: (data) => emitter.emit('message', { data }),
  };
}

const DONE = { type: 'done', outcome: { status: 'finished', steps: 1 } } as const;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('parentPortChannel (utilityProcess)', () => {
  it('exits only once the parent acknowledged the outcome', async () => {
    const port = fakePort();
    const exit = vi.fn();
    const channel = parentPortChannel(port, exit, 60_000);
    expect(await channel.send(DONE)).toBe(true);
    const leaving = channel.leave(0);
    await settle();
    expect(exit).not.toHaveBeenCalled();
    port.deliver({ type: 'received' });
    await leaving;
    expect(exit).toHaveBeenCalledWith(0);
    expect(port.posted).toEqual([DONE]);
  });

  it('leaves after the timeout when the parent never answers', async () => {
    const exit = vi.fn();
    await parentPortChannel(fakePort(), exit, 30).leave(1);
    expect(exit).toHaveBeenCalledWith(1);
  });
});

describe('forkChannel', () => {
  it('an orphan (channel closed) sends nothing, leaves at once and never calls disconnect', async () => {
    const proc = Object.assign(new EventEmitter(), {
      connected: false,
      exitCode: undefined as number | undefined,
      send: vi.fn(),
      disconnect: vi.fn(() => {
        throw Object.assign(new Error('IPC channel is already disconnected'), { code: 'ERR_IPC_DISCONNECTED' });
      }),
    });
    const channel = forkChannel(proc as unknown as NodeJS.Process, 60_000);
    expect(await channel.send(DONE)).toBe(false);
    proc.emit('disconnect');
    await channel.leave(0);
    expect(proc.send).not.toHaveBeenCalled();
    expect(proc.disconnect).not.toHaveBeenCalled();
    expect(proc.exitCode).toBe(0);
  });

  it('waits for received, then disconnects; a send that fails resolves false', async () => {
    const proc = Object.assign(new EventEmitter(), {
      connected: true,
      exitCode: undefined as number | undefined,
      send: vi.fn((_m: unknown, _h: unknown, _o: unknown, callback: (error: Error | null) => void) => callback(new Error('EPIPE'))),
      disconnect: vi.fn(),
    });
    const channel = forkChannel(proc as unknown as NodeJS.Process, 60_000);
    expect(await channel.send(DONE)).toBe(false);
    const leaving = channel.leave(1);
    await settle();
    expect(proc.disconnect).not.toHaveBeenCalled();
    proc.emit('message', { type: 'received' });
    await leaving;
    expect(proc.disconnect).toHaveBeenCalledTimes(1);
    expect(proc.exitCode).toBe(1);
  });
});
