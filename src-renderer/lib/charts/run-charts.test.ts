// Run-view chart axis labels come from the metric glossary: one metric's label with its unit, a
// shared unit for several, a chart's own label where the rule would read badly.
import { describe, expect, it } from 'vitest';
import { RUN_CHARTS, runChartAxisLabel, runChartHeight } from './run-charts.js';

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

describe('runChartHeight', () => {
  it('is a third of a short window, 220 px in a usual one, 120 px at least', () => {
    expect(runChartHeight(900)).toBe(220);
    expect(runChartHeight(660)).toBe(220);
    expect(runChartHeight(480)).toBe(160);
    expect(runChartHeight(200)).toBe(120);
  });
});
