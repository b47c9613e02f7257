/**
 * The `metrics:compare` handler: reads what compareRuns needs from the store and calls it once for
 * the requested key and once per extra key (`keys`, same answer). Each run's record, summary and
 * outcome inputs (with the reward series: from an ended run's stored summary, outcome-inputs.ts) are
 * read once per request, whatever the number of keys, and full series and x-axes come through a
 * per-version cache (series-cache.ts), so a control change re-reads nothing that did not change. Not
 * the computation (compare-runs.ts) nor the SQL (db/).
 */
import type { Database } from 'better-sqlite3';
import type { CompareRequest, CompareResult } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import { requireRun } from '../db/runs-queries.js';
import { compareRuns, type CompareInput } from './compare-runs.js';
import { createOutcomeInputReader } from './outcome-inputs.js';
import { createSeriesReader } from './series-cache.js';
import type { SqliteRunStore } from './sqlite-run-store.js';
import { stepsOnAxis } from './x-axis.js';

export function createCompareHandler(db: Database, store: SqliteRunStore, checkedIds: (runIds: readonly string[]) => number[]): (request: CompareRequest) => CompareResult {
  const readSeries = createSeriesReader(db);
  const readOutcomeInputs = createOutcomeInputReader(db, readSeries);
  return (request) => {
    const withSummary = request.withSummary !== false;
    const runs = checkedIds(request.runIds).map((id) => {
      const summary = store.summary(String(id));
      const outcomeInputs = withSummary ? readOutcomeInputs(id, summary) : null;
      return {
        id,
        summary,
        config: requireRun(db, id).config,
        axis: request.x === 'step' ? null : readSeries.axis(id, request.x, summary),
        reward: outcomeInputs?.series['charts/reward_mean'] ?? null,
        extras: outcomeInputs?.extras ?? { nonFiniteEvents: 0, qkClipStepFraction: 0 },
        ...(outcomeInputs ? { lastEvalReward: outcomeInputs.lastEvalReward, outcomeInputs } : {}),
      };
    });
    const inputsFor = (key: MetricKey): CompareInput[] =>
      runs.map(({ id, axis, reward: storedReward, ...run }) => {
        const series = key === 'charts/reward_mean' && storedReward ? storedReward : readSeries.series(id, key, run.summary);
        const reward = storedReward ?? series;
        return { ...run, x: axis === null ? series.steps : stepsOnAxis(series.steps, axis), y: series.values, rewardSteps: reward.steps, rewards: reward.values };
      });
    const main = compareRuns(inputsFor(request.key), request);
    if (request.keys === undefined) return main;
    const series = request.keys.map((key) => {
      const curves = compareRuns(inputsFor(key), { ...request, key, withSummary: false });
      return { key, groups: curves.groups, legend: curves.legend };
    });
    return { ...main, series };
  };
}
