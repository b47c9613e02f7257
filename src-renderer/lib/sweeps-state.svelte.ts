/**
 * SweepsState: every sweep as main lists it (sweeps:list), kept current when a run of an unknown
 * sweep appears (a sweep launched here, from the CLI or another window), and renaming one. The
 * per-sweep progress comes from RunsState's live run summaries (sweep-table.ts), not from here.
 */
import type { Api, SweepSummary } from '../../src-shared/contract.js';
import type { AppError } from '../../src-shared/result.js';

export class SweepsState {
  /** Newest first, as main lists them (replaced, never mutated). */
  sweeps = $state.raw<readonly SweepSummary[]>([]);
  loaded = $state(false);
  loadError = $state.raw<AppError | null>(null);
  renameError = $state.raw<AppError | null>(null);
  renaming = $state(false);

  readonly byId: ReadonlyMap<string, SweepSummary> = $derived(new Map(this.sweeps.map((sweep) => [sweep.id, sweep])));
  /** Which sweep each run belongs to (run id -> sweep), for the runs table's sweep column. */
  readonly byRunId: ReadonlyMap<string, SweepSummary> = $derived(new Map(this.sweeps.flatMap((sweep) => sweep.runIds.map((id) => [id, sweep] as const))));

  #loading: Promise<void> | null = null;
  /** A reload was asked for while one was in flight: its answer may predate what prompted it. */
  #again = false;

  constructor(private readonly api: Api) {}

  /** Loads the list: one request at a time, and once more after it when asked again meanwhile. */
  load(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        await this.#load();
      } while (this.#again);
    })().finally(() => (this.#loading = null));
    return this.#loading;
  }

  /** Follows run events: a run of a sweep this list does not know (or a new run of a known one) reloads it. */
  connect(): () => void {
    return this.api.on('onDidChangeRun', (run) => {
      if (run.sweepId === null) return;
      const sweep = this.byId.get(run.sweepId);
      if (!sweep || !sweep.runIds.includes(run.id)) void this.load();
    });
  }

  /** The sweep's one display name ("sweep 3 · lr grid"), or "sweep 3" before the list has it. */
  labelOf(sweepId: string): string {
    return this.byId.get(sweepId)?.label ?? `sweep ${sweepId}`;
  }

  /** Renames the sweep; true when main accepted the name (renameError says why not). */
  async rename(sweepId: string, name: string): Promise<boolean> {
    this.renaming = true;
    const result = await this.api.invoke('sweeps:rename', { sweepId, name });
    this.renaming = false;
    if (!result.ok) {
      this.renameError = result.error;
      return false;
    }
    this.renameError = null;
    this.sweeps = this.sweeps.map((sweep) => (sweep.id === sweepId ? result.value : sweep));
    return true;
  }

  async #load(): Promise<void> {
    const result = await this.api.invoke('sweeps:list', null);
    if (!result.ok) {
      this.loadError = result.error;
      return;
    }
    this.loadError = null;
    this.sweeps = result.value;
    this.loaded = true;
  }
}
