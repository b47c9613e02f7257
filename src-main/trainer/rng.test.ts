import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('forks named streams that do not depend on how much the parent has drawn', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.fork('w').next()).toBe(b.fork('w').next());
    expect(a.fork('w').next()).not.toBe(a.fork('v').next());
    expect(new Rng(3).fork('w').next()).not.toBe(new Rng(4).fork('w').next());
  });

  it('draws uniforms in [0, 1) with the right mean and integers in range', () => {
    const r = new Rng(11);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < n; i++) counts[r.nextInt(5)]! += 1;
    for (const c of counts) expect(c / n).toBeCloseTo(0.2, 1);
  });

  it('draws normals with mean 0 and variance 1, and truncated normals within 2 std', () => {
    const r = new Rng(5);
    const n = 40000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(sumSq / n).toBeCloseTo(1, 1);
    for (let i = 0; i < 1000; i++) expect(Math.abs(r.truncatedNormal(0.5))).toBeLessThanOrEqual(1);
  });
});
