/**
 * The comparison's controls as one value: what a link carries and what survives leaving the
 * Compare view (NavigationState holds it; CompareState reads and writes it there, keeping no copy).
 * Types, defaults, equality and reading the typed target only.
 */
import type { BandKind, XAxis } from '../../src-shared/contract.js';
import type { MetricKey } from '../../src-shared/metrics.js';

export interface CompareSettings {
  readonly metric: MetricKey;
  readonly x: XAxis;
  readonly smoothing: number;
  readonly band: BandKind;
  /** As typed: '' is the task optimum. */
  readonly target: string;
  readonly logY: boolean;
  readonly showSeeds: boolean;
}

export const DEFAULT_COMPARE_SETTINGS: CompareSettings = { metric: 'charts/reward_mean', x: 'step', smoothing: 0, band: 'ci95', target: '', logY: false, showSeeds: false };

/** Whether two settings show the same comparison (every control equal). */
export function sameCompareSettings(a: CompareSettings, b: CompareSettings): boolean {
  return (Object.keys(DEFAULT_COMPARE_SETTINGS) as (keyof CompareSettings)[]).every((key) => a[key] === b[key]);
}

/** "" -> null (the task's default target, 90% of its optimum); a number -> that target; anything else -> an error message. */
export function parseTarget(text: string): { target: number | null; error: string | null } {
  const trimmed = text.trim();
  if (trimmed === '') return { target: null, error: null };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { target: null, error: `Target "${trimmed}" is not a number; enter a reward value, or leave it blank for the task's default (90% of its optimum)` };
  return { target: value, error: null };
}
