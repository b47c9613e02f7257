/**
 * MultiScaleAGMFramework (AGM_Training `agm/multiscale.py` with `adaptation.MultiScaleEma`),
 * rewritten in TypeScript: short/medium/long EMAs (0.6 / 0.85 / 0.97, starting at 0) of the
 * convergence rate and the spread, read as immediate, tactical and strategic advice. Advisory
 * only: the closed loop reports it but acts on none of it.
 */

/** Three EMAs of one signal; each update returns a new value (immutable, as the original). */
export class MultiScaleEma {
  constructor(
    readonly short = 0.5,
    readonly medium = 0.8,
    readonly long = 0.95,
    readonly shortVal = 0,
    readonly mediumVal = 0,
    readonly longVal = 0,
  ) {}

  update(value: number): MultiScaleEma {
    return new MultiScaleEma(
      this.short,
      this.medium,
      this.long,
      this.short * this.shortVal + (1 - this.short) * value,
      this.medium * this.mediumVal + (1 - this.medium) * value,
      this.long * this.longVal + (1 - this.long) * value,
    );
  }
}

export interface HierarchicalAdvice {
  immediate: 'emergency_conservative_mode' | 'accelerate_slightly' | 'continue_current';
  tactical: 'increase_exploration' | 'increase_stability' | 'maintain_course';
  strategic: 'maintain_strategy' | 'reset_to_checkpoint' | 'standard_operation';
}

export class MultiScaleAGMFramework {
  conv = new MultiScaleEma(0.6, 0.85, 0.97);
  spread = new MultiScaleEma(0.6, 0.85, 0.97);

  updateAllTrackers(metrics: { readonly convergence_rate: number; readonly mean_spread: number }): void {
    this.conv = this.conv.update(metrics.convergence_rate);
    this.spread = this.spread.update(metrics.mean_spread);
  }

  computeHierarchicalAdaptation(): HierarchicalAdvice {
    const c = this.conv;
    const immediate = this.spread.shortVal > 0.4 ? 'emergency_conservative_mode' : c.shortVal > 0.9 ? 'accelerate_slightly' : 'continue_current';
    const tactical = c.shortVal - c.mediumVal > 0.02 ? 'increase_exploration' : c.mediumVal - c.shortVal > 0.02 ? 'increase_stability' : 'maintain_course';
    const strategic = c.longVal > 0.8 ? 'maintain_strategy' : c.longVal < 0.4 ? 'reset_to_checkpoint' : 'standard_operation';
    return { immediate, tactical, strategic };
  }
}
