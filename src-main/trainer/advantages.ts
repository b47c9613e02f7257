/**
 * Rewards to advantages, one group of G completions per prompt (objectives.md section 2): group
 * z-score, batch-std z-score, mean-centred only, and the log-reward baseline. Pure float64
 * TypeScript on plain arrays, called once per rollout; no tensors and no telemetry storage here
 * (the caller logs `fracRewardZeroStd` and `groupsWithNonZeroSum`).
 */
import type { AdvantageMode, RunConfig } from '../../src-shared/run-config.js';

/** The `advantage` block of RunConfig: mode, ddof, epsilon, floor, logStd. */
export type AdvantageSettings = RunConfig['advantage'];

/** Advantages in the shape of the input groups, plus the two per-rollout checks of section 2. */
export interface AdvantageResult {
  /** One advantage per completion, same (ragged) shape as the rewards. */
  readonly advantages: number[][];
  /** Fraction of groups whose rewards are all equal (their advantages are all exactly 0). */
  readonly fracRewardZeroStd: number;
  /** Groups with |sum of advantages| > 1e-3; centring makes this 0 unless something is wrong. */
  readonly groupsWithNonZeroSum: number;
}

/** `log` mode met a reward <= 0: the task's reward range does not allow the log baseline. */
export class NonPositiveRewardError extends Error {
  override readonly name = 'NonPositiveRewardError';
}

/** The rewards cannot form advantages: no groups, an empty or too-small group, or NaN/Inf. */
export class InvalidRewardsError extends Error {
  override readonly name = 'InvalidRewardsError';
}

/** Sums above this are reported by `groupsWithNonZeroSum` (the seed's "free energy" identity check). */
const NON_ZERO_SUM_TOLERANCE = 1e-3;

function mean(xs: readonly number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Standard deviation with `ddof` delta degrees of freedom (callers ensure xs.length > ddof). */
function std(xs: readonly number[], ddof: number): number {
  const mu = mean(xs);
  let squares = 0;
  for (const x of xs) squares += (x - mu) * (x - mu);
  return Math.sqrt(squares / (xs.length - ddof));
}

function allEqual(xs: readonly number[]): boolean {
  return xs.every((x) => x === xs[0]);
}

function validateRewards(groups: readonly (readonly number[])[], settings: AdvantageSettings): void {
  if (groups.length === 0) {
    throw new InvalidRewardsError('no reward groups were given; a rollout needs at least one prompt with its completions');
  }
  // Modes that divide by a per-group std need more members than ddof, or the std is 0/0.
  const needsGroupStd = settings.mode === 'group' || (settings.mode === 'log' && settings.logStd);
  groups.forEach((group, g) => {
    if (group.length === 0) {
      throw new InvalidRewardsError(`group ${g} is empty; every prompt needs at least one completion`);
    }
    if (needsGroupStd && group.length <= settings.ddof) {
      throw new InvalidRewardsError(`group ${g} has ${group.length} completion(s) but the ${settings.mode} advantage divides by a std with ddof ${settings.ddof}; sample at least ${settings.ddof + 1} completions per prompt or use ddof 0`);
    }
    group.forEach((reward, i) => {
      if (!Number.isFinite(reward)) {
        throw new InvalidRewardsError(`group ${g}, member ${i}: reward ${reward} is not a finite number; the task's reward function must return finite values`);
      }
    });
  });
}

/** log max(R, floor) for every member; throws NonPositiveRewardError on the first R <= 0. */
function logRewards(group: readonly number[], g: number, floor: number): number[] {
  return group.map((reward, i) => {
    if (reward <= 0) {
      throw new NonPositiveRewardError(`group ${g}, member ${i}: reward ${reward} is <= 0, but the log advantage needs strictly positive rewards; use advantage mode group, or a task whose rewards are > 0`);
    }
    return Math.log(Math.max(reward, floor));
  });
}

/**
 * Centres `values` by their mean and divides by `scale` (or not, when null). A group whose values
 * are all equal gets exactly 0, even with epsilon 0: the centred values would be rounding noise.
 */
function centre(values: readonly number[], scale: number | null): number[] {
  if (allEqual(values)) return values.map(() => 0);
  const mu = mean(values);
  return values.map((v) => (scale === null ? v - mu : (v - mu) / scale));
}

/** Rewards this large would overflow a sum of squares (n * x^2 > 1.8e308) in std(). */
const OVERFLOW_SAFE_MAGNITUDE = 2 ** 400;

/**
 * Overflow: rewards up to +-1.8e308 are finite, but their squares and sums are not, which made the
 * std Infinity and every advantage a silent 0. We compute stably instead of refusing: values that
 * large are divided by a power of two 2^k >= max|x|/2 first (exact in binary floating point, so the
 * z-score is the same number), and epsilon is divided by it too. Ordinary rewards use 2^0 = 1 and
 * give bit-identical results. Returns the scale and the scaled values.
 */
function scaledForStats(values: readonly number[]): { scale: number; values: readonly number[] } {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  if (max < OVERFLOW_SAFE_MAGNITUDE) return { scale: 1, values };
  const scale = 2 ** Math.min(1023, Math.ceil(Math.log2(max))); // 2^1024 is already Infinity
  return { scale, values: values.map((v) => v / scale) };
}

/** (x - mean) / (std + epsilon), overflow-safe. */
function zScores(values: readonly number[], ddof: number, epsilon: number): number[] {
  const { scale, values: scaled } = scaledForStats(values);
  return centre(scaled, std(scaled, ddof) + epsilon / scale);
}

/** x - mean, overflow-safe in the mean; a result beyond the double range is refused (it has no finite value). */
function centred(values: readonly number[], g: number): number[] {
  const { scale, values: scaled } = scaledForStats(values);
  const out = centre(scaled, null).map((a) => a * scale);
  const bad = out.findIndex((a) => !Number.isFinite(a));
  if (bad >= 0) {
    throw new InvalidRewardsError(`group ${g}, member ${bad}: reward minus the group mean is beyond the double range (+-1.8e308), so the mean-centred advantage has no finite value; rescale the rewards or use advantage mode group`);
  }
  return out;
}

/** Per-group modes: every statistic comes from the group itself. */
function groupAdvantages(group: readonly number[], g: number, settings: AdvantageSettings, mode: Exclude<AdvantageMode, 'batch'>): number[] {
  const { ddof, epsilon } = settings;
  switch (mode) {
    case 'group':
      return zScores(group, ddof, epsilon);
    case 'none':
      return centred(group, g);
    case 'log': {
      // Logs of doubles lie within +-745, so no overflow guard is needed here.
      const logs = logRewards(group, g, settings.floor);
      return centre(logs, settings.logStd ? std(logs, ddof) + epsilon : null);
    }
  }
}

/** `batch` mode (Lite PPO): centred by the group mean, divided by the std over the whole rollout. */
function batchAdvantages(groups: readonly (readonly number[])[], settings: AdvantageSettings): number[][] {
  const all = groups.flat();
  if (all.length <= settings.ddof) {
    throw new InvalidRewardsError(`the batch advantage needs more than ${settings.ddof} reward(s) in the rollout for a std with ddof ${settings.ddof}, got ${all.length}`);
  }
  const { scale: unit, values: scaledAll } = scaledForStats(all);
  const scale = std(scaledAll, settings.ddof) + settings.epsilon / unit;
  return groups.map((group) => centre(unit === 1 ? group : group.map((v) => v / unit), scale));
}

/**
 * Turns per-group rewards into advantages per objectives.md section 2. Groups may differ in size.
 * Throws InvalidRewardsError for no groups, an empty group, a group too small for its std, or a
 * non-finite reward; throws NonPositiveRewardError in `log` mode for any reward <= 0.
 */
export function computeAdvantages(groups: readonly (readonly number[])[], settings: AdvantageSettings): AdvantageResult {
  validateRewards(groups, settings);
  const { mode } = settings;
  const advantages = mode === 'batch'
    ? batchAdvantages(groups, settings)
    : groups.map((group, g) => groupAdvantages(group, g, settings, mode));
  const zeroStdGroups = groups.filter(allEqual).length;
  const groupsWithNonZeroSum = advantages.filter((a) => Math.abs(a.reduce((s, x) => s + x, 0)) > NON_ZERO_SUM_TOLERANCE).length;
  return { advantages, fracRewardZeroStd: zeroStdGroups / groups.length, groupsWithNonZeroSum };
}
