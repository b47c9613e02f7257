/**
 * Seeded standard-normal draws (Box-Muller over mulberry32), for the coverage and error-rate
 * simulations of the interval and verdict tests. Deterministic per seed; not for production paths.
 */
import { mulberry32 } from './bootstrap.js';

/** A function returning independent N(0, 1) draws, the same sequence for the same seed. */
export function normalSampler(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
