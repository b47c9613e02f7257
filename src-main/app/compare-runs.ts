/**
 * The comparison computation behind `metrics:compare`: groups runs by config-minus-seed, smooths
 * each seed (debiased EMA), aligns every group on one shared x-grid, aggregates with the requested
 * band, and adds the reward summary per group, steps-to-target survival curves, the config diff, each
 * run's outcomes and the pairwise verdicts between groups (paired by seed, Holm across pairs).
 * Pure: the caller reads full-resolution series from the store and passes them in.
 */
import type { CompareGroup, CompareRequest, CompareResult, GroupSummaryRow, RunOutcomeRow, RunSummary } from '../../src-shared/contract.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import { TASKS } from '../../src-shared/tasks.js';
import { bandOf, describeBand } from '../../src-shared/analysis/aggregate.js';
import { gridSpanning } from '../../src-shared/analysis/alignment.js';
import { buildSeedBand } from '../../src-shared/analysis/seed-band.js';
import { describeSmoothing } from '../../src-shared/analysis/smoothing.js';
import { seedStatistic, summarizeGroup, type RunExtras, type StepEstimate } from '../../src-shared/analysis/summary.js';
import { armOutcomeValues, defaultTarget, OUTCOME_KEYS, runOutcomes, type OutcomeMetricKey, type StabilitySummary, type StepSeries } from '../../src-shared/analysis/outcomes.js';
import { verdicts, type ArmOutcomeValues } from '../../src-shared/analysis/verdict.js';
import { meanOf } from '../../src-shared/analysis/bootstrap.js';
import { diffConfigs } from '../../src-shared/analysis/config-diff.js';
import { describeConfig, distinguishingLabels } from '../../src-shared/analysis/group-labels.js';

/** One run's inputs: its summary and config, the requested metric on the requested x, and its reward by step. */
export interface CompareInput {
  readonly summary: RunSummary;
  readonly config: RunConfig;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly rewardSteps: readonly number[];
  readonly rewards: readonly number[];
  readonly extras: RunExtras;
  /** What the run's outcomes need besides the reward (outcome-inputs.ts); absent, the stability outcomes are null. */
  readonly outcomeInputs?: { readonly series: Partial<Record<OutcomeMetricKey, StepSeries>>; readonly stability?: StabilitySummary };
  /** Reward of the run's last greedy evaluation event (every run gets one at its end); else the summary's. */
  readonly lastEvalReward?: number | null;
}


const estimate = (value: StepEstimate | null | undefined): number | null => (typeof value === 'number' ? value : null);

/** What compareRuns returns: a CompareResult whose outcomes and verdicts are always there. */
export type ComparisonWithVerdicts = CompareResult & Required<Pick<CompareResult, 'outcomes' | 'verdicts'>>;

export function compareRuns(inputs: readonly CompareInput[], request: CompareRequest): ComparisonWithVerdicts {
  // A run that never recorded a step (stopped before it started) is no seed of its group. Groups come
  // in the order of their first run, whatever order the caller listed the runs in, so the CLI and the
  // Compare view state every pair the same way round (a pasted "a - b" line never flips sign).
  const trained = inputs.filter((input) => input.rewardSteps.length > 0).sort((a, b) => Number(a.summary.id) - Number(b.summary.id));
  const groups = new Map<string, CompareInput[]>();
  for (const input of trained) groups.set(input.summary.groupKey, [...(groups.get(input.summary.groupKey) ?? []), input]);
  // One grid for every group, so the bands line up on the chart.
  const grid = gridSpanning(trained.filter((i) => i.x.length > 0).map((i) => ({ x: i.x, y: i.y })), request.gridPoints);

  // Labels say what distinguishes the compared groups (never the same twice); the config is on hover.
  const labels = distinguishingLabels([...groups].map(([key, members]) => ({ key, config: members[0]!.config })));
  const compareGroups: CompareGroup[] = [];
  const summary: GroupSummaryRow[] = [];
  const survival: CompareResult['survival'][number][] = [];
  const outcomes: RunOutcomeRow[] = [];
  const arms: ArmOutcomeValues[] = [];
  for (const [groupKey, members] of groups) {
    const first = members[0]!;
    const label = labels.get(groupKey)!;
    const withData = members.filter((m) => m.x.length > 0);
    if (withData.length > 0 && grid.length > 0) {
      const band = buildSeedBand(withData.map((m) => ({ x: m.x, y: m.y })), { smoothingWeight: request.smoothing, grid });
      const { lower, upper } = bandOf(band.aggregate, request.band);
      compareGroups.push({
        groupKey,
        label,
        preset: first.config.objective.preset,
        qkClip: first.config.qkClip.enabled,
        configText: describeConfig(first.config),
        runIds: withData.map((m) => m.summary.id),
        x: band.aggregate.x,
        mean: band.aggregate.mean,
        lower,
        upper,
        n: band.aggregate.n,
        seeds: request.withSeeds === false ? [] : withData.map((m, i) => ({ runId: m.summary.id, y: band.seeds[i]! })),
      });
    }
    if (request.withSummary === false) continue;
    const target = request.target ?? defaultTarget(TASKS[first.config.task]);
    const runs = members.map((m) => ({
      groupKey,
      label,
      target,
      ...runOutcomes(
        {
          runId: m.summary.id,
          seed: m.summary.seed,
          series: { ...m.outcomeInputs?.series, 'charts/reward_mean': { steps: m.rewardSteps, values: m.rewards } },
          ...(m.outcomeInputs?.stability ? { stability: m.outcomeInputs.stability } : {}),
          evalReward: m.lastEvalReward ?? m.summary.evalReward,
          nonFiniteSkips: m.extras.nonFiniteEvents ?? null,
        },
        { target, smoothingWeight: request.smoothing, ...(request.finalWindow === undefined ? {} : { finalWindow: request.finalWindow }), ...(request.collapseEntropy === undefined ? {} : { collapseEntropy: request.collapseEntropy }) },
      ),
    }));
    outcomes.push(...runs);
    arms.push(armOutcomeValues(label, runs));
    const finalReward = seedStatistic(runs.map((r) => r.values.finalReward));
    const rawGaps = runs.flatMap((r) => (r.values.amHmGapRaw === null ? [] : [r.values.amHmGapRaw]));
    const stats = summarizeGroup(
      members.map((m) => ({ curve: { step: m.rewardSteps, reward: m.rewards }, extras: m.extras })),
      { target, smoothingWeight: request.smoothing },
    );
    const steps = stats.stepsToTarget;
    summary.push({
      groupKey,
      label,
      preset: first.config.objective.preset,
      seeds: stats.seeds,
      // The final-window mean (outcomes.ts), not one rollout's reward.
      finalReward: finalReward.mean === null ? null : { mean: finalReward.mean, lower: finalReward.ciLow ?? finalReward.mean, upper: finalReward.ciHigh ?? finalReward.mean },
      bestReward: stats.bestReward.mean,
      auc: stats.areaUnderCurve.mean,
      stepsToTarget: { median: estimate(steps?.median), lower: estimate(steps?.ci?.low), upper: estimate(steps?.ci?.high), unsolved: steps?.unsolved ?? 0 },
      nonFiniteEvents: stats.nonFiniteEvents.mean ?? 0,
      qkClipStepFraction: stats.qkClipStepFraction.mean ?? 0,
      // Raw token ratios over off-policy steps: the same basis for every preset (null for runs recorded before it existed).
      meanAmHmGap: rawGaps.length === 0 ? null : meanOf(rawGaps),
    });
    if (stats.survival) survival.push({ groupKey, label, steps: stats.survival.step, fractionUnsolved: stats.survival.fraction });
  }
  const legend = [
    `${request.key} vs ${request.x === 'wallTime' ? 'wall time (s)' : request.x === 'samples' ? 'samples seen' : 'step'}`,
    describeSmoothing(request.smoothing),
    `linear interpolation on a shared grid of ${grid.length} points, no extrapolation`,
    `band: ${describeBand(request.band)}`,
  ].join('; ');
  return {
    groups: compareGroups,
    summary,
    survival,
    legend,
    configDiff: request.withSummary === false ? [] : diffConfigs(trained.map((i) => i.config)),
    configDiffRunIds: request.withSummary === false ? [] : trained.map((i) => i.summary.id),
    outcomes,
    verdicts: verdicts(arms, OUTCOME_KEYS),
  };
}

