/**
 * TrainingPhaseDetector and TrainingPhaseAdaptiveAGM (AGM_Training `agm/phase.py`), rewritten in
 * TypeScript: the phase (exploration, exploitation, instability, plateau) from the recent loss
 * trend and variance and the AGM convergence rate, and the AGM strategy each phase selects.
 * Pure; the mapping of a strategy onto a power-mean exponent lives in closed-loop.ts.
 */
import { leastSquaresSlope, populationVariance } from './python-stats.js';

export interface PhaseDetectorConfig {
  readonly window: number;
  /** Loss slope below this means improving. */
  readonly improvingSlope: number;
  /** |slope| at or below this reads as a plateau. */
  readonly plateauSlopeAbs: number;
  readonly lowVariance: number;
  readonly unstableConvergenceThreshold: number;
  readonly stableConvergenceThreshold: number;
}

/** Losses the phase detector looks at; the export's ext.loss_history carries exactly this many. */
export const LOSS_HISTORY_WINDOW = 20;

export const DEFAULT_PHASE_DETECTOR_CONFIG: PhaseDetectorConfig = { window: LOSS_HISTORY_WINDOW, improvingSlope: -0.01, plateauSlopeAbs: 0.001, lowVariance: 0.01, unstableConvergenceThreshold: 0.3, stableConvergenceThreshold: 0.6 };

export type TrainingPhase = 'exploration' | 'exploitation' | 'instability' | 'plateau';

export class TrainingPhaseDetector {
  constructor(readonly config: PhaseDetectorConfig = DEFAULT_PHASE_DETECTOR_CONFIG) {}

  /** Exploration until a full window of losses exists; then slope, variance and rate decide. */
  detectPhase(lossHistory: readonly number[], convergenceRate: number): TrainingPhase {
    const c = this.config;
    if (lossHistory.length < c.window) return 'exploration';
    const recent = lossHistory.slice(-c.window);
    const slope = recent.length < 2 ? 0 : leastSquaresSlope(recent);
    const variance = populationVariance(recent);
    if (slope < c.improvingSlope && convergenceRate > c.stableConvergenceThreshold) return 'exploitation';
    if (variance > c.lowVariance || convergenceRate < c.unstableConvergenceThreshold) return 'instability';
    if (Math.abs(slope) <= c.plateauSlopeAbs && variance <= c.lowVariance) return 'plateau';
    if (slope < 0) return 'exploitation';
    return 'exploration';
  }
}

export type AgmStrategy = 'arithmetic_weighted_agm' | 'standard_agm' | 'harmonic_weighted_agm' | 'oscillating_agm';

/** A strategy's settings, keyed and ordered as AGM_Training emits them. */
export type StrategyConfig = Readonly<Record<string, number>>;

const STRATEGY_OF_PHASE: Readonly<Record<TrainingPhase, { strategy: AgmStrategy; config: StrategyConfig }>> = {
  exploration: { strategy: 'arithmetic_weighted_agm', config: { arithmetic_weight: 0.8, agm_iterations: 3, convergence_threshold: 1e-3 } },
  exploitation: { strategy: 'standard_agm', config: { agm_iterations: 5, convergence_threshold: 1e-6 } },
  instability: { strategy: 'harmonic_weighted_agm', config: { harmonic_weight: 0.8, agm_iterations: 8, convergence_threshold: 1e-5 } },
  plateau: { strategy: 'oscillating_agm', config: { oscillation_period: 10, exploration_boost: 0.3 } },
};

export class TrainingPhaseAdaptiveAGM {
  readonly strategyHistory: [TrainingPhase, AgmStrategy][] = [];

  constructor(readonly detector: TrainingPhaseDetector = new TrainingPhaseDetector()) {}

  /** The strategy (and a fresh copy of its settings) for the phase the inputs indicate. */
  selectAdaptiveStrategy(lossHistory: readonly number[], convergenceRate: number): { strategy: AgmStrategy; config: StrategyConfig } {
    const phase = this.detector.detectPhase(lossHistory, convergenceRate);
    const { strategy, config } = STRATEGY_OF_PHASE[phase];
    this.strategyHistory.push([phase, strategy]);
    return { strategy, config: { ...config } };
  }
}
