/**
 * The `metrics:compare` handler: reads what compareRuns needs from the store and calls it once for
 * the requested key and once per extra key (`keys`, same answer). Each run's record (one read, by
 * the caller's existence check), summary and outcome inputs (with the reward and entropy series:
 * from an ended run's stored summary, outcome-inputs.ts) are read once per request, whatever the number of keys, and full series and x-axes come through a
 * per-version cache (series-cache.ts), so a control change re-reads nothing that did not change. Not
 * the computation (compare-runs.ts) nor the SQL (db/).
 */
import type { Database } from 'better-sqlite3';
import type { CompareRequest, CompareResult } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';
import type { StepSeries } from '../../src-shared/analysis/outcomes.js';
import type { RunRecord } from '../db/runs-queries.js';
import { compareRuns, type CompareInput } from './compare-runs.js';
import { createOutcomeInputReader } from './outcome-inputs.js';
import { createSeriesReader } from './series-cache.js';
import type { SqliteRunStore } from './sqlite-run-store.js';
import { stepsOnAxis } from './x-axis.js';

export function createCompareHandler(db: Database, store: SqliteRunStore, checkedRecords: (runIds: readonly string[]) => RunRecord[]): (request: CompareRequest) => CompareResult {
  const readSeries = createSeriesReader(db);
  const readOutcomeInputs = createOutcomeInputReader(db, readSeries);
  return (request) => {
    const withSummary = request.withSummary !== false;
    // Each run's record is read once (checkedRecords), and its summary built from it: the config,
    // version and names below all come from that one read.
    const records = checkedRecords(request.runIds);
    const summaries = store.summaries(records);
    const runs = records.map((record, i) => {
      const { id, config } = record;
      const summary = summaries[i]!;
      const outcomeInputs = withSummary ? readOutcomeInputs(id, summary) : null;
      return {
        id,
        summary,
        config,
        axis: request.x === 'step' ? null : readSeries.axis(id, request.x, summary),
        held: (outcomeInputs?.series ?? {}) as Partial<Record<MetricKey, StepSeries>>,
        extras: outcomeInputs?.extras ?? { nonFiniteEvents: 0, qkClipStepFraction: 0 },
        ...(outcomeInputs ? { lastEvalReward: outcomeInputs.lastEvalReward, outcomeInputs } : {}),
      };
    });
    const inputsFor = (key: MetricKey): CompareInput[] =>
      runs.map(({ id, axis, held, ...run }) => {
        // A series the outcome inputs already hold (reward, entropy; an ended run's from its stored
        // summary) is used as is; any other comes through the series cache.
        const series = held[key] ?? readSeries.series(id, key, run.summary);
        const reward = held['charts/reward_mean'] ?? series;
        return { ...run, x: axis === null ? series.steps : stepsOnAxis(series.steps, axis), y: series.values, rewardSteps: reward.steps, rewards: reward.values };
      });
    const main = compareRuns(inputsFor(request.key), request);
    if (request.keys === undefined) return main;
    const series = request.keys.map((key) => {
      // Curves only: no summary, and no single seeds (40 seeds x 5 panel metrics were ~80% of an answer; nothing draws them).
      const curves = compareRuns(inputsFor(key), { ...request, key, withSummary: false, withSeeds: false });
      return { key, groups: curves.groups, legend: curves.legend };
    });
    return { ...main, series };
  };
}
