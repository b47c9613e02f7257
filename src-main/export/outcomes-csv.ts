/**
 * The per-run outcomes of a comparison as CSV (one row per run: run, arm, seed, target, solved,
 * off-policy steps, then one column per outcome in OUTCOME_KEYS order), so the verdicts can be
 * recomputed elsewhere. Empty cells are outcomes the run has no data for. Text only; the caller writes it.
 */
import type { RunOutcomeRow } from '../../src-shared/contract.js';
import { OUTCOME_KEYS } from '../../src-shared/analysis/outcomes.js';
import { csvCell } from './csv.js';

export const OUTCOMES_CSV_HEADER = ['run_id', 'arm', 'group_key', 'seed', 'target', 'solved', 'off_policy_steps', ...OUTCOME_KEYS] as const;

/** The CSV text (header, then one line per run, each ending in \n). */
export function outcomesCsv(rows: readonly RunOutcomeRow[]): string {
  const lines = [OUTCOMES_CSV_HEADER.join(',')];
  for (const row of rows) {
    lines.push([row.runId, row.label, row.groupKey, row.seed, row.target, row.solved ? 1 : 0, row.offPolicySteps, ...OUTCOME_KEYS.map((key) => row.values[key])].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
