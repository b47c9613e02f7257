/**
 * Fan-out of contract events from the main process to every connected renderer (Electron windows,
 * browser tabs over SSE). Subscribing returns its own disposer (house rule 4). No transport here.
 */
import type { EventName, Events } from '../../src-shared/contract.js';

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch {
        // A broken connection must not stop the others from hearing the event.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
