/**
 * The comparison's controls as one value: what a link carries and what survives leaving the
 * Compare view (NavigationState holds it, CompareState starts from it and reports changes).
 * Types and defaults only.
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
