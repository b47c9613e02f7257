import { describe, expect, it } from 'vitest';
import { METRIC_KEYS } from './metrics.js';
import { metricAxisLabel, metricTitle } from './metric-labels.js';

describe('metric labels', () => {
  it('titles keys in words, with symbols where the key spells them out', () => {
    expect(metricTitle('charts/reward_mean')).toBe('Reward mean');
    expect(metricTitle('ratio/am_gm_gap')).toBe('AM–GM gap');
    expect(metricAxisLabel('perf/update_ms')).toBe('Update (ms)');
    expect(metricAxisLabel('charts/reward_mean')).toBe('Reward mean');
  });

  it('gives every glossary key a distinct title', () => {
    const titles = METRIC_KEYS.map(metricTitle);
    expect(new Set(titles).size).toBe(titles.length);
  });
});
