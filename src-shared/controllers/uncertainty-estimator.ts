/**
 * AGMUncertaintyEstimator (AGM_Training `agm/detectors.py`), rewritten in TypeScript: epistemic
 * uncertainty from the latest spread, the gap reduction and the oscillation of the last 10 A/H
 * values; aleatoric from that oscillation and a performance variance. Reported, never acted on.
 */
import { gapReduction, populationVariance, relativeSpread } from './python-stats.js';
import type { AgmHistories } from './hyperparameter-adapter.js';

/** Mean variance of the step-to-step |differences| of the last 10 arithmetic and harmonic values. */
function oscillation(agm: AgmHistories): number {
  const diffs = (xs: readonly number[]) => {
    const recent = xs.slice(-10);
    return recent.length >= 2 ? recent.slice(1).map((x, i) => Math.abs(x - recent[i]!)) : [];
  };
  return (populationVariance(diffs(agm.arithmetic_history)) + populationVariance(diffs(agm.harmonic_history))) / 2;
}

export class AGMUncertaintyEstimator {
  /** 0.4 spread + 0.4 (1 - gap reduction) + 0.2 oscillation, each scaled into [0, 1]. */
  estimateEpistemicUncertainty(agm: AgmHistories): number {
    const a = agm.arithmetic_history;
    const h = agm.harmonic_history;
    const spread = a.length > 0 && h.length > 0 ? relativeSpread(a[a.length - 1]!, h[h.length - 1]!) : 0;
    const conv = a.length >= 2 && h.length >= 2 ? gapReduction(a, h) : 0.5;
    const spreadU = Math.min(1, spread * 10);
    const convU = 1 - Math.min(1, Math.max(0, conv));
    const oscU = Math.min(1, oscillation(agm) * 1000);
    return 0.4 * spreadU + 0.4 * convU + 0.2 * oscU;
  }

  /** 0.6 normalised performance variance + 0.4 oscillation (needs two values of each history). */
  estimateAleatoricUncertainty(agm: AgmHistories, performanceVariance: number): number {
    const a = agm.arithmetic_history.slice(-10);
    const h = agm.harmonic_history.slice(-10);
    const osc = a.length >= 2 && h.length >= 2 ? oscillation(agm) : 0;
    const perfVarNorm = Math.min(1, Math.max(0, performanceVariance * 100));
    return 0.6 * perfVarNorm + 0.4 * Math.min(1, osc * 1000);
  }
}
