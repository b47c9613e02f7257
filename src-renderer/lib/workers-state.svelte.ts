/**
 * WorkersState: the Workers view's data, polled from main every two seconds while the view is
 * open (workers publish heartbeats; there is no push event for them). Holds the Redis the app
 * queues runs on (host:port, or null when runs train locally), the live workers, and the desktop
 * app's saved Redis setting (checked by main before it is saved; it applies at the next start).
 */
import type { Api, WorkerSummary } from '../../src-shared/contract.js';

const POLL_MS = 2000;

export class WorkersState {
  redis = $state<string | null>(null);
  workers = $state.raw<readonly WorkerSummary[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);
  /** The saved setting's host:port, or null. */
  saved = $state<string | null>(null);
  saveError = $state<string | null>(null);
  saving = $state(false);
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly api: Api) {}

  async refresh(): Promise<void> {
    const result = await this.api.invoke('workers:list', null);
    this.loaded = true;
    if (!result.ok) {
      this.error = result.error.message;
      return;
    }
    this.error = null;
    this.redis = result.value.redis;
    this.workers = result.value.workers;
    this.saved = result.value.saved ?? null;
  }

  /** Saves the Redis URL ('' clears it); main checks the URL and the server first. True when saved. */
  async save(url: string): Promise<boolean> {
    this.saving = true;
    const result = await this.api.invoke('workers:setRedis', { url });
    this.saving = false;
    if (!result.ok) {
      this.saveError = result.error.message;
      return false;
    }
    this.saveError = null;
    this.saved = result.value.saved;
    return true;
  }

  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  dispose(): void {
    clearInterval(this.#timer);
  }
}
