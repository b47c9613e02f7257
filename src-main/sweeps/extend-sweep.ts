/**
 * Adds seeds to a recorded sweep: the runs of the sweep's spec at the new seeds join the SAME sweep
 * (its seed list grows) in one transaction, and are queued as `sweeps:start` queues its runs. So the
 * rounds of `--until-resolved` stay one sweep that `hmpo-lab compare --sweep ID` reads whole. It
 * does not check the spec against the sweep's axes (the caller passes the spec it started with).
 */
import type { SweepSpec } from '../../src-shared/contract.js';
import { expandSweep } from '../../src-shared/sweep.js';
import type { App } from '../app/create-app.js';
import { StoreError } from '../db/store-errors.js';
import { addSeedsToSweep } from '../db/sweeps-queries.js';

/** The sweep was deleted (by another process) between rounds: one line for the user, not a crash. */
export class SweepGoneError extends StoreError {
  readonly code = 'SWEEP_NOT_FOUND';
  constructor(readonly sweepId: string) {
    super(`sweep ${sweepId} was deleted while its runs were being added; the runs of earlier rounds are kept (hmpo-lab ls)`);
  }
}

/** Queues the spec's runs at `seeds` in sweep `sweepId`; their ids, in the spec's cell order. */
export function extendSweep(app: Pick<App, 'db' | 'manager' | 'info'>, sweepId: string, spec: SweepSpec, seeds: readonly number[]): string[] {
  const expanded = expandSweep({ ...spec, seeds: [...seeds] });
  if (!expanded.ok) throw new Error(expanded.error.message);
  const runs = expanded.value;
  const records = addSeedsToSweep(app.db, Number(sweepId), seeds, runs.map((run) => ({ config: run.config, name: run.runName })), app.info.version);
  if (records === undefined) throw new SweepGoneError(sweepId);
  return app.manager.adopt(records.map((r, i) => ({ runId: String(r.id), name: runs[i]!.name })));
}
