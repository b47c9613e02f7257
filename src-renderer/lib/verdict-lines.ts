/**
 * What the Compare view's Verdict panel lists: the verdicts main computed, as pasteable lines
 * (the same text `hmpo-lab compare` prints), split into reward and stability outcomes, with the
 * outcomes that were identical in every run (or had no values) folded into one note each.
 * Pure; no statistics here (they are in src-shared/analysis/verdict.ts).
 */
import { OUTCOMES, outcomeVerdictLine, type OutcomeInfo } from '../../src-shared/analysis/outcomes.js';
import type { Verdict } from '../../src-shared/analysis/verdict.js';

/** One line of the panel. */
export interface VerdictRow {
  /** Stable key for keyed each blocks: "a|b|outcome". */
  readonly key: string;
  readonly text: string;
  readonly resolved: boolean;
}

/** The panel's content. */
export interface VerdictSections {
  readonly reward: readonly VerdictRow[];
  readonly stability: readonly VerdictRow[];
  /** Labels of outcomes equal in every run of both arms, per pair ("gspo - hmpo: non-finite skips, collapsed"). */
  readonly identical: readonly string[];
  readonly resolvedCount: number;
  readonly total: number;
}

const info = (outcome: string): OutcomeInfo | undefined => (OUTCOMES as Partial<Record<string, OutcomeInfo>>)[outcome];

/** Splits verdicts into the panel's sections (order kept: outcome-major, as main sends them). */
export function verdictSections(verdicts: readonly Verdict[]): VerdictSections {
  const reward: VerdictRow[] = [];
  const stability: VerdictRow[] = [];
  const identicalByPair = new Map<string, string[]>();
  for (const v of verdicts) {
    if (v.estimate === null) continue;
    const label = info(v.outcome)?.label ?? v.outcome;
    if (v.estimate === 0 && v.effectSize === null && !v.resolved) {
      const pair = `${v.a} - ${v.b}`;
      identicalByPair.set(pair, [...(identicalByPair.get(pair) ?? []), label]);
      continue;
    }
    const row = { key: `${v.a}|${v.b}|${v.outcome}`, text: outcomeVerdictLine(v), resolved: v.resolved };
    (info(v.outcome)?.reward === false ? stability : reward).push(row);
  }
  const shown = [...reward, ...stability];
  return {
    reward,
    stability,
    identical: [...identicalByPair].map(([pair, labels]) => `${pair}: ${labels.join(', ')}`),
    resolvedCount: shown.filter((r) => r.resolved).length,
    total: shown.length,
  };
}
