/**
 * Stopping a run and waiting for it to end as the desktop app and browser mode do: runs:stop, and
 * the contract's events (onDidChangeRun with an ended status, onDidRemoveRuns) plus one runs:get for
 * a run that ended before the wait began. Starting runs is the commands' own (runs:start, sweeps:start).
 */
import { isActiveStatus, type Events, type RunSummary } from '../../src-shared/contract.js';
import type { App } from '../app/create-app.js';
import { UserFacingError } from '../app/user-facing-error.js';

/** The run's summary once it has ended, or null when it was deleted (by another process) first. */
export function untilRunEnds(app: Pick<App, 'events' | 'handlers'>, runId: string): Promise<RunSummary | null> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      outcome();
    };
    const unsubscribe = app.events.subscribe((event, payload) => {
      if (event === 'onDidChangeRun') {
        const summary = payload as Events['onDidChangeRun'];
        if (summary.id === runId && !isActiveStatus(summary.status)) settle(() => resolve(summary));
      } else if (event === 'onDidRemoveRuns' && (payload as Events['onDidRemoveRuns']).runIds.includes(runId)) settle(() => resolve(null));
    });
    // Listening first, then asking: a run that ended before this (a launch that failed at once) is not missed.
    Promise.resolve()
      .then(() => app.handlers['runs:get']({ runId }))
      .then(
        ({ summary }) => {
          if (!isActiveStatus(summary.status)) settle(() => resolve(summary));
        },
        (error: unknown) => settle(() => (error instanceof UserFacingError && error.code === 'RUN_NOT_FOUND' ? resolve(null) : reject(error))),
      );
  });
}

/**
 * Asks the app to stop the run (runs:stop, as the UI's Stop button does); `now` ends its trainer at
 * once. A run that has just ended has nothing left to stop, which is not an error here.
 */
export async function stopRun(app: Pick<App, 'handlers'>, runId: string, now = false): Promise<void> {
  try {
    await app.handlers['runs:stop']({ runId, now });
  } catch (error) {
    if (!(error instanceof UserFacingError && (error.code === 'RUN_NOT_ACTIVE' || error.code === 'RUN_NOT_FOUND'))) throw error;
  }
}
