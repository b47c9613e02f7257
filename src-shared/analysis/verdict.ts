/**
 * Pairwise verdicts between arms (the groups of a comparison) on per-run outcomes keyed by seed:
 * for each pair and outcome the difference a - b with a t interval, a standardised effect, a p-value
 * (paired by seed when both arms ran the same seeds, Welch otherwise), Holm-adjusted across the
 * pairs of that outcome, and when not resolved the seeds that would resolve the observed effect at
 * 80% power. Also the one-line rendering a researcher can paste. Pure; the numbers come from
 * t-intervals.ts, the outcomes from outcomes.ts (or any caller with per-seed values).
 */
import { pairedDifference, seedsForPower, welchDifference, type MeanDifference } from './t-intervals.js';

/** How the verdicts were computed, for the line under them (CLI and Compare view alike). */
export const VERDICT_METHODS =
  'a - b with a 95% t interval; paired by seed (paired t) where both arms ran the same seeds, else Welch t; exact permutation p where the runs have no spread; p Holm-adjusted across the pairs of each outcome; resolved = p_Holm < 0.05; seeds to resolve: 80% power for the observed effect at alpha / pairs';

/** One run's value of one outcome; null when the run has none (left out of the comparison). */
export interface SeedValue {
  readonly seed: number;
  readonly value: number | null;
}

/** An arm: a label and, per outcome, each of its runs' values keyed by seed. */
export interface ArmOutcomeValues {
  readonly label: string;
  readonly outcomes: Readonly<Record<string, readonly SeedValue[]>>;
}

/**
 * The verdict on one pair of arms and one outcome, in the stable shape of `compare --json`.
 * Everything is recomputable from the per-run outcomes: `estimate` is mean(a) - mean(b) over the
 * runs used (over the matched seeds when paired).
 */
export interface Verdict {
  readonly a: string;
  readonly b: string;
  readonly outcome: string;
  /** Pairs of runs when paired, else runs of a + runs of b. */
  readonly n: number;
  readonly paired: boolean;
  /** Difference of the outcome means, a - b; null when either arm has no value. */
  readonly estimate: number | null;
  /** Unadjusted t interval of the difference at `confidence`; null with fewer than 2 values per arm. */
  readonly ci: readonly [number, number] | null;
  /** d_z (paired) or Cohen's d (pooled SD); null when the spread is 0 or undefined. */
  readonly effectSize: number | null;
  /** Two-sided p (paired t or Welch t; exact permutation when the values have no spread). */
  readonly p: number | null;
  /** Holm-adjusted p across the pairs of this outcome. */
  readonly pAdjusted: number | null;
  /** pAdjusted < alpha. */
  readonly resolved: boolean;
  /**
   * When not resolved: seeds per arm that would resolve the observed effect with the wanted power at
   * the family's strictest Holm level alpha / pairs (where p alone guarantees p_Holm < alpha, whatever
   * the other pairs show), by the exact noncentral t power; null when resolved or the effect is 0/undefined.
   */
  readonly seedsToResolve: number | null;
  /** The test used, e.g. 'paired t'. */
  readonly method: string;
}

/** Verdict settings. */
export interface VerdictOptions {
  /** Family-wise level per outcome (default 0.05). */
  readonly alpha?: number;
  /** Interval coverage (default 0.95). */
  readonly confidence?: number;
  /** Power for seedsToResolve (default 0.8). */
  readonly power?: number;
}

/** The values of two arms for one outcome, matched by seed when both ran the same seeds. */
export interface MatchedSamples {
  readonly paired: boolean;
  readonly a: readonly number[];
  readonly b: readonly number[];
}

/**
 * Pairs by seed when both arms ran the same set of seeds (each once); the pairs where either run
 * lacks a value are dropped. Otherwise the arms' values are independent samples.
 */
export function matchBySeed(a: readonly SeedValue[], b: readonly SeedValue[]): MatchedSamples {
  const seedsA = a.map((r) => r.seed);
  const seedsB = new Set(b.map((r) => r.seed));
  const sameSeeds = new Set(seedsA).size === a.length && seedsB.size === b.length && a.length === b.length && seedsA.every((s) => seedsB.has(s));
  const present = (rows: readonly SeedValue[]) => rows.flatMap((r) => (r.value !== null && Number.isFinite(r.value) ? [r.value] : []));
  if (!sameSeeds) return { paired: false, a: present(a), b: present(b) };
  const byB = new Map(b.map((r) => [r.seed, r.value]));
  const pa: number[] = [];
  const pb: number[] = [];
  for (const row of a) {
    const other = byB.get(row.seed) ?? null;
    if (row.value === null || other === null || !Number.isFinite(row.value) || !Number.isFinite(other)) continue;
    pa.push(row.value);
    pb.push(other);
  }
  return { paired: true, a: pa, b: pb };
}

/** Holm step-down adjustment; nulls stay null and are not counted in the family. */
export function holmAdjust(p: readonly (number | null)[]): (number | null)[] {
  const order = p.flatMap((v, i) => (v === null ? [] : [i])).sort((i, j) => p[i]! - p[j]!);
  const m = order.length;
  const adjusted: (number | null)[] = p.map(() => null);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

/** The unadjusted comparison of two arms on one outcome (verdicts adds the Holm step). */
export function compareOutcome(a: readonly SeedValue[], b: readonly SeedValue[], confidence = 0.95): { readonly samples: MatchedSamples; readonly difference: MeanDifference } {
  const samples = matchBySeed(a, b);
  const difference = samples.paired ? pairedDifference(samples.a, samples.b, confidence) : welchDifference(samples.a, samples.b, confidence);
  return { samples, difference };
}

/**
 * Verdicts for every pair of arms (a before b in the given order) and every outcome named, one per
 * pair and outcome, outcome-major. Holm runs per outcome across its pairs.
 */
export function verdicts(arms: readonly ArmOutcomeValues[], outcomes: readonly string[], options: VerdictOptions = {}): Verdict[] {
  const { alpha = 0.05, confidence = 0.95, power = 0.8 } = options;
  const result: Verdict[] = [];
  for (const outcome of outcomes) {
    const rows: Omit<Verdict, 'pAdjusted' | 'resolved' | 'seedsToResolve'>[] = [];
    for (let i = 0; i < arms.length; i++) {
      for (let j = i + 1; j < arms.length; j++) {
        const a = arms[i]!;
        const b = arms[j]!;
        const { samples, difference } = compareOutcome(a.outcomes[outcome] ?? [], b.outcomes[outcome] ?? [], confidence);
        const n = samples.paired ? samples.a.length : samples.a.length + samples.b.length;
        rows.push({
          a: a.label,
          b: b.label,
          outcome,
          n,
          paired: samples.paired,
          estimate: Number.isFinite(difference.estimate) ? difference.estimate : null,
          ci: difference.ci === null ? null : [difference.ci.low, difference.ci.high],
          effectSize: difference.effectSize,
          p: difference.p,
          method: difference.method,
        });
      }
    }
    const adjusted = holmAdjust(rows.map((r) => r.p));
    const family = Math.max(1, adjusted.filter((v) => v !== null).length);
    rows.forEach((row, k) => {
      const pAdjusted = adjusted[k] ?? null;
      const resolved = pAdjusted !== null && pAdjusted < alpha;
      result.push({ ...row, pAdjusted, resolved, seedsToResolve: resolved ? null : seedsToResolve(row, alpha / family, power) });
    });
  }
  return result;
}

/** Seeds per arm for the observed effect at the given level and power; the no-spread case by the exact sign-flip bound. */
function seedsToResolve(row: Pick<Verdict, 'effectSize' | 'paired' | 'estimate' | 'p'>, alpha: number, power: number): number | null {
  if (row.estimate === null || row.estimate === 0) return null;
  if (row.effectSize === null) {
    // No spread: every run of an arm agrees. The exact test's smallest p is then 2 / 2^n paired
    // (all signs alike) or 2 / C(2n, n) for two arms of n; the answer is the n that gets it below alpha.
    if (row.p === null) return null;
    for (let n = 2; n <= 64; n++) if (exactSmallestP(n, row.paired) < alpha) return n;
    return null;
  }
  return seedsForPower(row.effectSize, row.paired, { alpha, power });
}

function exactSmallestP(n: number, paired: boolean): number {
  if (paired) return 2 / 2 ** n;
  let c = 1;
  for (let i = 1; i <= n; i++) c = (c * (n + i)) / i;
  return 2 / c;
}

/** A number for a verdict line: 3 significant digits, no exponent for everyday sizes, a sign when asked. */
export function formatNumber(value: number, signed = false): string {
  const text = Math.abs(value) >= 1000 || value === 0 ? String(Math.round(value)) : Number(value.toPrecision(3)).toString();
  return signed && value > 0 ? `+${text}` : text;
}

function formatP(p: number): string {
  if (p < 0.001) return '< 0.001';
  return `= ${Number(p.toPrecision(2))}`;
}

/**
 * The verdict as one line to paste, e.g. "gspo - p=1, final reward: +0.24 [0.08, 0.40], paired n=10,
 * d=1.1, p_Holm = 0.04 — resolved", or "... p_Holm = 0.4 — not resolved (~14 seeds would resolve
 * it at 80% power)". `label` names the outcome (default: the outcome key).
 */
export function verdictLine(v: Verdict, label: string = v.outcome, power = 0.8): string {
  const head = `${v.a} - ${v.b}, ${label}: `;
  if (v.estimate === null) return `${head}no values to compare`;
  const ci = v.ci === null ? '' : ` [${formatNumber(v.ci[0])}, ${formatNumber(v.ci[1])}]`;
  const n = `${v.paired ? 'paired' : 'unpaired'} n=${v.n}`;
  const d = v.effectSize === null ? '' : `, d=${formatNumber(v.effectSize)}`;
  const p = v.pAdjusted === null ? ', p not computable (fewer than 2 values per arm)' : `, p_Holm ${formatP(v.pAdjusted)}`;
  let status: string;
  if (v.resolved) status = 'resolved';
  else if (v.estimate === 0 && v.effectSize === null) status = 'no difference (identical in every run)';
  else if (v.seedsToResolve === null) status = 'not resolved';
  else status = `not resolved (~${v.seedsToResolve} seeds would resolve it at ${Math.round(power * 100)}% power)`;
  return `${head}${formatNumber(v.estimate, true)}${ci}, ${n}${d}${p} — ${status}`;
}
