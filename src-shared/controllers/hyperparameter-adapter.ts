/**
 * AGMHyperparameterAdapter (AGM_Training `agm/hparam.py`), rewritten in TypeScript: suggests a
 * learning rate, clip epsilon, batch size and AGM iteration count from the convergence speed (how
 * much of the first A-H gap the history closed), the latest relative spread and the stability of
 * the last 10 values, within bounds, then smooths each suggestion with the previous one (EMA 0.9).
 * Suggestions are absolute values around the base; turning them into actions is closed-loop.ts.
 */
import { gapReduction, populationVariance, relativeSpread } from './python-stats.js';

/** The base the suggestions scale (AGM_Training's BaseHyperparams), snake_case as in its JSON. */
export interface BaseHyperparams {
  readonly learning_rate: number;
  readonly epsilon: number;
  readonly batch_size: number;
  readonly agm_iterations: number;
}

export const DEFAULT_BASE_HYPERPARAMS: BaseHyperparams = { learning_rate: 1e-3, epsilon: 0.1, batch_size: 256, agm_iterations: 5 };

/** Suggested values; every one is a float (batch size and iterations are smoothed too). */
export type HyperparamSuggestions = { learning_rate: number; epsilon: number; batch_size: number; agm_iterations: number };

export interface HyperparamBounds {
  readonly lrMin: number;
  readonly lrMax: number;
  readonly epsMin: number;
  readonly epsMax: number;
  readonly batchMin: number;
  readonly batchMax: number;
  readonly agmMin: number;
  readonly agmMax: number;
}

export interface HyperparamAdapterConfig {
  readonly smoothingFactor: number;
  readonly bounds: HyperparamBounds;
  readonly lrFastMult: number;
  readonly lrSlowMult: number;
  readonly lrUnstableMult: number;
  readonly epsSpreadHighMult: number;
  readonly epsSpreadLowMult: number;
  readonly batchStableBigMult: number;
  readonly batchUnstableSmallMult: number;
  readonly fastConvThreshold: number;
  readonly slowConvThreshold: number;
  readonly stabilityHigh: number;
  readonly stabilityLow: number;
  readonly spreadHigh: number;
  readonly spreadLow: number;
}

export const DEFAULT_HYPERPARAM_ADAPTER_CONFIG: HyperparamAdapterConfig = {
  smoothingFactor: 0.9,
  bounds: { lrMin: 1e-5, lrMax: 5e-3, epsMin: 0.01, epsMax: 0.5, batchMin: 64, batchMax: 2048, agmMin: 1, agmMax: 20 },
  lrFastMult: 1.3,
  lrSlowMult: 0.7,
  lrUnstableMult: 0.6,
  epsSpreadHighMult: 1.4,
  epsSpreadLowMult: 0.8,
  batchStableBigMult: 1.5,
  batchUnstableSmallMult: 0.7,
  fastConvThreshold: 0.7,
  slowConvThreshold: 0.3,
  stabilityHigh: 0.8,
  stabilityLow: 0.3,
  spreadHigh: 0.3,
  spreadLow: 0.05,
};

export interface AgmHistories {
  readonly arithmetic_history: readonly number[];
  readonly harmonic_history: readonly number[];
}

const clamp = (x: number, low: number, high: number) => Math.min(high, Math.max(low, x));

/** Latest relative spread; 0 while either history is empty. */
function latestSpread(agm: AgmHistories): number {
  const a = agm.arithmetic_history;
  const h = agm.harmonic_history;
  return a.length === 0 || h.length === 0 ? 0 : relativeSpread(a[a.length - 1]!, h[h.length - 1]!);
}

/** 1 / (1 + 100 (Var A + Var H)) over the last 10 values; 0.5 with fewer than 5. */
function stability(agm: AgmHistories): number {
  const a = agm.arithmetic_history.slice(-10);
  const h = agm.harmonic_history.slice(-10);
  if (a.length < 5 || h.length < 5) return 0.5;
  return 1 / (1 + (populationVariance(a) + populationVariance(h)) * 100);
}

export class AGMHyperparameterAdapter {
  #previous: HyperparamSuggestions | null = null;

  constructor(
    readonly base: BaseHyperparams = DEFAULT_BASE_HYPERPARAMS,
    readonly config: HyperparamAdapterConfig = DEFAULT_HYPERPARAM_ADAPTER_CONFIG,
  ) {}

  adaptHyperparameters(agm: AgmHistories): HyperparamSuggestions {
    const c = this.config;
    const b = c.bounds;
    const conv = gapReduction(agm.arithmetic_history, agm.harmonic_history);
    const spread = latestSpread(agm);
    const stab = stability(agm);

    let lr = this.base.learning_rate;
    if (conv > c.fastConvThreshold) lr *= c.lrFastMult;
    else if (conv < c.slowConvThreshold) lr *= c.lrSlowMult;
    else if (stab < c.stabilityLow) lr *= c.lrUnstableMult;
    lr = clamp(lr, b.lrMin, b.lrMax);

    let eps = this.base.epsilon;
    if (spread > c.spreadHigh) eps *= c.epsSpreadHighMult;
    else if (spread < c.spreadLow) eps *= c.epsSpreadLowMult;
    eps = clamp(eps, b.epsMin, b.epsMax);

    // Whole numbers, truncated as Python's int() does.
    let batch = Math.trunc(this.base.batch_size);
    if (stab > c.stabilityHigh && conv > c.fastConvThreshold) batch = Math.trunc(clamp(Math.trunc(batch * c.batchStableBigMult), b.batchMin, b.batchMax));
    else if (stab < c.stabilityLow) batch = Math.trunc(clamp(Math.trunc(batch * c.batchUnstableSmallMult), b.batchMin, b.batchMax));

    const iterations = Math.trunc(clamp(conv < c.slowConvThreshold ? 10 : conv > c.fastConvThreshold ? 3 : 5, b.agmMin, b.agmMax));

    const suggestions: HyperparamSuggestions = { learning_rate: lr, epsilon: eps, batch_size: batch, agm_iterations: iterations };
    // Smooth against the previous (smoothed) suggestion so the values do not oscillate.
    const previous = this.#previous;
    if (previous !== null && c.smoothingFactor > 0) {
      const alpha = c.smoothingFactor;
      for (const key of Object.keys(suggestions) as (keyof HyperparamSuggestions)[]) {
        suggestions[key] = alpha * previous[key] + (1 - alpha) * suggestions[key];
      }
    }
    this.#previous = { ...suggestions };
    return suggestions;
  }
}
