// Log-ratio heatmap data: per-step shares, the row of a log-ratio (with under/overflow), each
// preset's clip interval, and the viridis colour map's ends.
import { describe, expect, it } from 'vitest';
import { LOG_RATIO_HIST_BINS } from '../../../src-shared/metrics.js';
import { HEATMAP_ROWS, clipIntervalOf, columnShares, intensity, maxShare, rowLabel, rowOfLogRatio, viridis } from './heatmap.js';

describe('columnShares', () => {
  it('divides each step’s counts by its total; an empty step stays zero', () => {
    expect(columnShares([[1, 3, 0, 4], [0, 0, 0, 0]])).toEqual([[0.125, 0.375, 0, 0.5], [0, 0, 0, 0]]);
  });

  it('scales intensity by the square root of share / max', () => {
    const shares = columnShares([[1, 3]]);
    expect(maxShare(shares)).toBe(0.75);
    expect(intensity(0.75, 0.75)).toBe(1);
    expect(intensity(0.75 / 4, 0.75)).toBeCloseTo(0.5);
    expect(intensity(0.3, 0)).toBe(0);
  });
});

describe('rowOfLogRatio', () => {
  it('maps [-1, 1] onto the bin rows between underflow and overflow', () => {
    expect(HEATMAP_ROWS).toBe(LOG_RATIO_HIST_BINS + 2);
    expect(rowOfLogRatio(-1)).toBe(1);
    expect(rowOfLogRatio(1)).toBe(1 + LOG_RATIO_HIST_BINS);
    expect(rowOfLogRatio(0)).toBe(1 + LOG_RATIO_HIST_BINS / 2);
    expect(rowOfLogRatio(-3)).toBe(0.5);
    expect(rowOfLogRatio(3)).toBe(HEATMAP_ROWS - 0.5);
  });

  it('labels the under- and overflow rows', () => {
    expect(rowLabel(0)).toBe('< -1');
    expect(rowLabel(HEATMAP_ROWS - 1)).toBe('≥ 1');
    expect(rowLabel(1)).toBe('-1.00');
  });
});

describe('clipIntervalOf', () => {
  it('grpo clips token ratios to [0.8, 1.2] by default: log(0.8)..log(1.2)', () => {
    const clip = clipIntervalOf('grpo');
    expect(clip.low).toBeCloseTo(Math.log(0.8));
    expect(clip.high).toBeCloseTo(Math.log(1.2));
  });

  it('sequence presets clip token log-ratios at ±0.4', () => {
    for (const preset of ['gmpo', 'hmpo', 'amp', 'power', 'learnable', 'agm'] as const) {
      expect(clipIntervalOf(preset)).toMatchObject({ low: -0.4, high: 0.4 });
    }
  });

  it('gspo, with no token clip, shows ±0.4 as a labelled reference', () => {
    const clip = clipIntervalOf('gspo');
    expect(clip).toMatchObject({ low: -0.4, high: 0.4 });
    expect(clip.description).toContain('reference');
  });

  it('follows a config’s overrides', () => {
    expect(clipIntervalOf('grpo', { clipLow: 0.2, clipHigh: 0.28 }).high).toBeCloseTo(Math.log(1.28));
    expect(clipIntervalOf('hmpo', { tokenClip: 0.2 })).toMatchObject({ low: -0.2, high: 0.2 });
  });
});

describe('viridis', () => {
  it('runs from dark purple to yellow and clamps', () => {
    expect(viridis(0)).toEqual([0x44, 0x01, 0x54]);
    expect(viridis(1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(viridis(2)).toEqual(viridis(1));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
  });
});
