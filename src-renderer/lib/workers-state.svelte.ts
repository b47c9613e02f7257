/**
 * WorkersState: the Workers view's data, polled from main every two seconds while the view is
 * open (workers publish heartbeats; there is no push event for them). Holds the Redis the app
 * queues runs on (host:port, or null when runs train locally) and the live workers.
 */
import type { Api, WorkerSummary } from '../../src-shared/contract.js';

const POLL_MS = 2000;

export class WorkersState {
  redis = $state<string | null>(null);
  workers = $state.raw<readonly WorkerSummary[]>([]);
  error = $state<string | null>(null);
  loaded = $state(false);
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
  }

  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  dispose(): void {
    clearInterval(this.#timer);
  }
}
