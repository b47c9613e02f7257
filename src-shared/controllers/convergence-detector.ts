/**
 * AGMConvergenceDetector (AGM_Training `agm/detectors.py`), rewritten in TypeScript: the early-stop
 * rules over the histories of convergence rate and primary metric it keeps (full AGM convergence,
 * convergence with a performance plateau, instability, an optimal point). It only recommends;
 * whether a run stops is the closed loop's `earlyStop` switch.
 */
import { leastSquaresSlope, mean, populationVariance } from './python-stats.js';

export interface ConvergenceStopConfig {
  readonly patience: number;
  readonly minImprovement: number;
  readonly convergeMeanMin: number;
  readonly convergeVarMax: number;
}

export const DEFAULT_CONVERGENCE_STOP_CONFIG: ConvergenceStopConfig = { patience: 50, minImprovement: 1e-4, convergeMeanMin: 0.8, convergeVarMax: 0.01 };

export type EarlyStopReason = 'agm_full_convergence' | 'agm_convergence_with_plateau' | 'agm_detected_instability' | 'agm_optimal_point_reached' | 'continue_training';

export class AGMConvergenceDetector {
  readonly #rates: number[] = [];
  readonly #performance: number[] = [];

  constructor(readonly config: ConvergenceStopConfig = DEFAULT_CONVERGENCE_STOP_CONFIG) {}

  /** Records this step's rate and primary metric, then checks the rules in order. */
  shouldStopTraining(convergenceRate: number, primaryMetric: number): { shouldStop: boolean; reason: EarlyStopReason } {
    const c = this.config;
    const rates = this.#rates;
    const perf = this.#performance;
    rates.push(convergenceRate);
    perf.push(primaryMetric);
    const stop = (reason: EarlyStopReason) => ({ shouldStop: true, reason });

    if (rates.length >= 20) {
      const recent = rates.slice(-20);
      if (populationVariance(recent) < 1e-6 && mean(recent) > 0.99) return stop('agm_full_convergence');
    }
    if (rates.length >= 20 && perf.length >= c.patience) {
      const recent = rates.slice(-20);
      if (mean(recent) > c.convergeMeanMin && populationVariance(recent) < c.convergeVarMax) {
        const recentPerf = perf.slice(-c.patience);
        if (Math.abs(recentPerf[recentPerf.length - 1]! - recentPerf[0]!) < c.minImprovement) return stop('agm_convergence_with_plateau');
      }
    }
    if (rates.length >= 30) {
      const recent = rates.slice(-30);
      if (populationVariance(recent) > 0.1 || mean(recent) < 0.1) return stop('agm_detected_instability');
    }
    if (rates.length >= 40 && perf.length >= 40) {
      const convRecent = rates.slice(-10);
      const perfRecent = perf.slice(-20);
      const perfSlope = leastSquaresSlope(perfRecent);
      if (mean(convRecent) > 0.85 && populationVariance(convRecent) < 0.01 && mean(perfRecent.slice(-10)) > 0.8 && Math.abs(perfSlope) < c.minImprovement / 10) {
        return stop('agm_optimal_point_reached');
      }
    }
    return { shouldStop: false, reason: 'continue_training' };
  }
}
