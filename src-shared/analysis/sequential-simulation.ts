/**
 * Monte Carlo check of a sequential procedure's family-wise error: simulate k arms with paired,
 * Gaussian per-seed outcomes, add seeds in rounds, look after every round, and count the
 * replicates in which ANY pair is ever declared different although the arms' true means say
 * otherwise. Seeded and deterministic. Used by the test suite (sequential.test.ts) to show the
 * anytime-valid test holds alpha and that naive repeated testing does not; not used at run time.
 */
import { mulberry32 } from './bootstrap.js';

/** A procedure under test: given each arm's outcomes so far, which pairs (i < j) does it call different? */
export type LookDecision = (outcomes: ReadonlyMap<string, readonly number[]>) => readonly { first: string; second: string; different: boolean }[];

export interface SimulationSetup {
  /** True mean of each arm (all equal: the global null). */
  readonly armMeans: readonly number[];
  /** SD of the seed-to-seed noise that every arm shares (the pairing) and of each arm's own noise. */
  readonly sharedSd: number;
  readonly ownSd: number;
  /** Paired seeds at the first look, seeds added per round, and the last look's seed count. */
  readonly firstLook: number;
  readonly perRound: number;
  readonly maxSeeds: number;
  readonly replicates: number;
  readonly seed: number;
}

/** Box-Muller standard normals from the seeded uniform stream. */
function normals(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const out = spare;
      spare = null;
      return out;
    }
    const u = 1 - uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

export interface SimulationResult {
  /** Share of replicates with at least one "different" call for a pair of equal true means, at any look. */
  readonly familywiseError: number;
  /** Share of replicates in which every pair of unequal true means was called different by the last look. */
  readonly power: number;
  /** Mean paired seeds per arm when the replicate stopped (every pair called, an error, or maxSeeds). */
  readonly meanSeeds: number;
}

/** Runs the replicates; each one stops at its first wrong call, once every true difference is called, or at maxSeeds. */
export function simulateSequential(decide: LookDecision, setup: SimulationSetup): SimulationResult {
  const normal = normals(mulberry32(setup.seed));
  const arms = setup.armMeans.map((_, i) => `arm${i}`);
  const meanOf = new Map(arms.map((arm, i) => [arm, setup.armMeans[i]!]));
  let errors = 0;
  let found = 0;
  let seedsUsed = 0;
  for (let rep = 0; rep < setup.replicates; rep++) {
    const outcomes = arms.map(() => [] as number[]);
    let wrong = false;
    let allFound = false;
    let n = 0;
    while (n < setup.maxSeeds && !wrong && !allFound) {
      const target = n === 0 ? setup.firstLook : Math.min(n + setup.perRound, setup.maxSeeds);
      for (; n < target; n++) {
        const shared = setup.sharedSd * normal();
        setup.armMeans.forEach((mean, i) => outcomes[i]!.push(mean + shared + setup.ownSd * normal()));
      }
      const decisions = decide(new Map(arms.map((arm, i) => [arm, outcomes[i]!])));
      wrong = decisions.some((d) => d.different && meanOf.get(d.first) === meanOf.get(d.second));
      const real = decisions.filter((d) => meanOf.get(d.first) !== meanOf.get(d.second));
      allFound = real.length > 0 && real.every((d) => d.different);
    }
    if (wrong) errors++;
    if (allFound && !wrong) found++;
    seedsUsed += n;
  }
  return { familywiseError: errors / setup.replicates, power: found / setup.replicates, meanSeeds: seedsUsed / setup.replicates };
}
