/**
 * RunActionsState: what a run row's actions ask of main (stop, fetch the config for clone & edit,
 * launch more seeds of the same config, tags, notes, delete), with per-run busy flags and the last
 * error per run so it is shown on that row. Each method returns whether it worked; the table
 * itself updates from main's events, not from here.
 */
import type { Api, RunSummary } from '../../src-shared/contract.js';
import type { AppError, Result } from '../../src-shared/result.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import { nextSeeds, parseTags } from './run-table.js';

export class RunActionsState {
  busy = $state.raw<ReadonlySet<string>>(new Set());
  errors = $state.raw<ReadonlyMap<string, AppError>>(new Map());

  constructor(private readonly api: Api) {}

  isBusy(runId: string): boolean {
    return this.busy.has(runId);
  }

  errorOf(runId: string): AppError | null {
    return this.errors.get(runId) ?? null;
  }

  clearError(runId: string): void {
    if (!this.errors.has(runId)) return;
    const next = new Map(this.errors);
    next.delete(runId);
    this.errors = next;
  }

  async stop(runId: string): Promise<boolean> {
    return (await this.#run(runId, () => this.api.invoke('runs:stop', { runId }))).ok;
  }

  /** The run's full config, for clone & edit. */
  async config(runId: string): Promise<RunConfig | null> {
    const detail = await this.#run(runId, () => this.api.invoke('runs:get', { runId }));
    return detail.ok ? detail.value.config : null;
  }

  /** Starts `count` more runs of `run`'s config, with seeds its group has not used yet. */
  async launchMoreSeeds(run: RunSummary, count: number, usedSeeds: readonly number[]): Promise<readonly string[] | null> {
    if (!Number.isInteger(count) || count < 1 || count > 100) {
      this.#fail(run.id, { code: 'INVALID_SEED_COUNT', message: `Launch 1 to 100 more seeds (got ${count}).` });
      return null;
    }
    const config = await this.config(run.id);
    if (!config) return null;
    const started = await this.#run(run.id, () => this.api.invoke('runs:start', { config, seeds: nextSeeds(usedSeeds, count) }));
    return started.ok ? started.value.runIds : null;
  }

  async setTags(runId: string, text: string): Promise<boolean> {
    return (await this.#run(runId, () => this.api.invoke('runs:setTags', { runId, tags: parseTags(text) }))).ok;
  }

  async setNotes(runId: string, notes: string): Promise<boolean> {
    return (await this.#run(runId, () => this.api.invoke('runs:setNotes', { runId, notes }))).ok;
  }

  /** Deletes runs (after the user confirmed); an error is shown on the first run. */
  async remove(runIds: readonly string[]): Promise<boolean> {
    if (runIds.length === 0) return false;
    return (await this.#run(runIds[0]!, () => this.api.invoke('runs:delete', { runIds: [...runIds] }))).ok;
  }

  /** Marks the run busy while `action` runs and keeps its error on the run. */
  async #run<T>(runId: string, action: () => Promise<Result<T>>): Promise<Result<T>> {
    this.busy = new Set(this.busy).add(runId);
    this.clearError(runId);
    const result = await action();
    const next = new Set(this.busy);
    next.delete(runId);
    this.busy = next;
    if (!result.ok) this.#fail(runId, result.error);
    return result;
  }

  #fail(runId: string, error: AppError): void {
    this.errors = new Map(this.errors).set(runId, error);
  }
}
