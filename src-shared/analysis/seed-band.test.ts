/**
 * The smooth -> align -> aggregate pipeline: smoothing happens per seed at full resolution (so the
 * result does not depend on the grid), seeds logged at different steps align, and the legend says
 * what was done.
 */
import { describe, expect, it } from 'vitest';
import { buildSeedBand } from './seed-band.js';
import { debiasedEma } from './smoothing.js';

describe('buildSeedBand', () => {
  const xs = Array.from({ length: 101 }, (_, i) => i);
  const a = { x: xs, y: xs.map((i) => Math.sin(i / 5)) };
  const b = { x: xs.filter((i) => i % 2 === 0), y: xs.filter((i) => i % 2 === 0).map((i) => Math.cos(i / 5)) };

  it('smooths each seed at full resolution before putting it on the grid', () => {
    const band = buildSeedBand([a], { smoothingWeight: 0.9, gridPoints: 11 });
    const smoothed = debiasedEma(a.y, 0.9);
    expect(band.aggregate.x).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    band.seeds[0]!.forEach((v, i) => expect(v).toBe(smoothed[i * 10]));
  });

  it('gives the same value at a grid x whatever the grid size (smoothing does not see the grid)', () => {
    const coarse = buildSeedBand([a, b], { smoothingWeight: 0.8, gridPoints: 11 });
    const fine = buildSeedBand([a, b], { smoothingWeight: 0.8, gridPoints: 101 });
    expect(coarse.aggregate.mean[5]).toBeCloseTo(fine.aggregate.mean[50] as number, 14);
  });

  it('aggregates seeds logged at different steps and stops the band where only one covers x', () => {
    const short = { x: [0, 50], y: [1, 1] };
    const band = buildSeedBand([a, short], { gridPoints: 101 });
    expect(band.aggregate.n[50]).toBe(2);
    expect(band.aggregate.n[51]).toBe(1);
    expect(band.aggregate.std[51]).toBeNull();
    expect(band.aggregate.mean[51]).toBe(a.y[51]);
  });

  it('uses an explicit grid when given and states the smoothing and alignment in the legend', () => {
    const band = buildSeedBand([a, b], { smoothingWeight: 0.6, grid: [10, 20, 30] });
    expect(band.aggregate.x).toEqual([10, 20, 30]);
    expect(band.legend).toEqual({
      smoothing: 'debiased EMA, weight 0.6, per seed before aggregation',
      alignment: 'linear interpolation on a shared grid of 3 points; no extrapolation',
    });
  });
});
