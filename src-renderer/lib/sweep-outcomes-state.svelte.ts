/**
 * SweepOutcomesState: the per-run verdict outcomes of a sweep's finished runs, for its parallel
 * coordinates. It asks `metrics:compare` (the same request and outcome definitions the Compare
 * view's verdicts use, each run's default target) and keeps only the newest request's answer, so
 * a run finishing mid-request never leaves stale lines. Not the plot's layout (parcoords.ts).
 */
import type { Api, RunOutcomeRow, RunSummary } from '../../src-shared/contract.js';
import type { AppError } from '../../src-shared/result.js';

export class SweepOutcomesState {
  outcomes = $state.raw<readonly RunOutcomeRow[]>([]);
  loading = $state(false);
  error = $state.raw<AppError | null>(null);
  #request = 0;
  /** The runs asked for last (ids joined by ','); plain, so an effect calling load() does not depend on it. */
  #askedFor: string | null = null;

  constructor(private readonly api: Api) {}

  /** The finished runs of a sweep, in sweep order: the ones with outcomes to plot. */
  static finishedRunIds(runIds: readonly string[], runsById: ReadonlyMap<string, RunSummary>): string[] {
    return runIds.filter((id) => runsById.get(id)?.status === 'finished');
  }

  /** Asks again for the runs asked for last (after an error). */
  async retry(runIds: readonly string[]): Promise<void> {
    this.#askedFor = null;
    await this.load(runIds);
  }

  /** Loads the outcomes of these runs unless they are the ones already loaded (or loading). */
  async load(runIds: readonly string[]): Promise<void> {
    const key = runIds.join(',');
    if (key === this.#askedFor) return;
    this.#askedFor = key;
    const request = ++this.#request;
    if (runIds.length === 0) {
      this.outcomes = [];
      this.error = null;
      this.loading = false;
      return;
    }
    this.loading = true;
    // Two grid points and no single-seed curves: only the outcomes are wanted, not the curves.
    const result = await this.api.invoke('metrics:compare', { runIds: [...runIds], key: 'charts/reward_mean', x: 'step', gridPoints: 2, smoothing: 0, band: 'std', target: null, withSeeds: false });
    if (request !== this.#request) return;
    this.loading = false;
    this.outcomes = result.ok ? (result.value.outcomes ?? []) : [];
    this.error = result.ok ? null : result.error;
    if (!result.ok) this.#askedFor = null; // the next change (or retry) asks again
  }
}
