// Run-view chart axis labels come from the metric glossary: one metric's label with its unit, a
// shared unit for several, a chart's own label where the rule would read badly.
import { describe, expect, it } from 'vitest';
import { RUN_CHARTS, runChartAxisLabel } from './run-charts.js';

const spec = (id: string) => RUN_CHARTS.find((chart) => chart.id === id)!;

describe('runChartAxisLabel', () => {
  it('labels every run chart, with units from the glossary', () => {
    expect(runChartAxisLabel(spec('kl'))).toBe('KL to reference (nats)');
    expect(runChartAxisLabel(spec('completion-length'))).toBe('Completion length (tokens)');
    expect(runChartAxisLabel(spec('reward'))).toBe('Reward');
    expect(runChartAxisLabel(spec('clip'))).toBe('Share clipped (fraction)');
    for (const chart of RUN_CHARTS) expect(runChartAxisLabel(chart), chart.id).not.toBe('');
  });
});
