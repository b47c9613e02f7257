/**
 * AdaptiveAGMController (AGM_Training `agm/convergence.py`), rewritten in TypeScript: the AGM
 * convergence rate 1 - mean(|A - H| / (|A| + |H| + 1e-8)) over the history, clamped to [0, 1], with
 * a bounded history of rates and a regime classifier over its recent window. Pure; no I/O.
 */
import { mean } from './python-stats.js';

export interface ConvergenceConfig {
  readonly fastThreshold: number;
  readonly slowThreshold: number;
  readonly unstableVarianceThreshold: number;
  readonly regimeWindow: number;
  readonly historyCap: number;
}

export const DEFAULT_CONVERGENCE_CONFIG: ConvergenceConfig = { fastThreshold: 0.7, slowThreshold: 0.2, unstableVarianceThreshold: 0.1, regimeWindow: 10, historyCap: 1000 };

export type TrainingRegime = 'initialization' | 'stable_learning' | 'struggling' | 'unstable' | 'normal_learning';

export class AdaptiveAGMController {
  #history: number[] = [];

  constructor(readonly config: ConvergenceConfig = DEFAULT_CONVERGENCE_CONFIG) {}

  get convergenceHistory(): number[] {
    return [...this.#history];
  }

  /** The rate over the first min(len) pairs; needs at least one pair. */
  computeConvergenceRate(arithmetic: readonly number[], harmonic: readonly number[]): number {
    const n = Math.min(arithmetic.length, harmonic.length);
    if (n < 1) throw new Error('AdaptiveAGMController: histories must contain at least one element');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const a = arithmetic[i]!;
      const h = harmonic[i]!;
      total += Math.abs(a - h) / (Math.abs(a) + Math.abs(h) + 1e-8);
    }
    const rate = 1 - total / n;
    return Math.min(1, Math.max(0, rate));
  }

  /** Records the rate of the latest histories and returns it. */
  update(arithmetic: readonly number[], harmonic: readonly number[]): number {
    const rate = this.computeConvergenceRate(arithmetic, harmonic);
    this.#history.push(rate);
    if (this.#history.length > this.config.historyCap) this.#history = this.#history.slice(-this.config.historyCap);
    return rate;
  }

  /** Regime of the last `regimeWindow` rates: mean above fast, below slow, else variance decides. */
  detectTrainingRegime(): TrainingRegime {
    const c = this.config;
    if (this.#history.length < c.regimeWindow) return 'initialization';
    const window = this.#history.slice(-c.regimeWindow);
    const m = mean(window);
    let v = 0;
    for (const r of window) v += (r - m) * (r - m);
    v /= window.length;
    if (m > c.fastThreshold) return 'stable_learning';
    if (m < c.slowThreshold) return 'struggling';
    if (v > c.unstableVarianceThreshold) return 'unstable';
    return 'normal_learning';
  }
}
