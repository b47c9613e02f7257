// uPlot wiring of a chart model: column order (x, band edges, lines), band indices, dashes,
// hidden legend entries, the log scale (distr 3) and a y range that keeps reference lines in view.
import { describe, expect, it } from 'vitest';
import type { ChartModel } from './chart-model.js';
import { colourScale } from './heatmap.js';
import { BAND_OPACITY } from '../palette.js';
import { formatXReadout, LEGEND_HIDDEN_CLASS, logTickLabels, tickLabels, uplotData, uplotOptions, yRange, type ChartSettings } from './uplot-options.js';
import { EMPTY_MODEL, isEmptyModel } from './chart-model.js';
import type uPlot from 'uplot';
import type { FittedAxisLabel } from './axis-label-fit.js';

const model: ChartModel = {
  x: [0, 1, 2],
  bands: [{ label: 'hmpo band', colour: '#D55E00', lower: [0, 0.5, null], upper: [1, 1.5, null] }],
  lines: [
    { label: 'hmpo seed', colour: '#D55E00', values: [0.4, 1, 2], opacity: 0.3, hideInLegend: true },
    { label: 'hmpo', colour: '#D55E00', values: [0.5, -1, undefined], dash: [7, 4] },
  ],
};

const settings: ChartSettings = {
  width: 400,
  height: 200,
  logY: false,
  xLabel: 'step',
  theme: 'light',
  annotations: () => ({ referenceLines: [{ y: 100, label: 'τ' }], markers: [] }),
};

/** A stand-in for the uPlot instance a label function gets: a 220 px canvas, the plot 130 px high from 8 px, 6 px per character at 12 px. */
function labelPlot() {
  const calls: string[] = [];
  const ctx = {
    font: 'bold 12px sans-serif',
    canvas: { width: 400, height: 220 },
    measureText(text: string) {
      return { width: Array.from(text).length * 0.5 * Number(/([\d.]+)px/.exec(this.font)![1]) };
    },
    translate(x: number, y: number) {
      calls.push(`translate ${x} ${y}`);
    },
  };
  return { u: { ctx, bbox: { top: 8, height: 130 }, width: 400 } as unknown as uPlot, ctx, calls };
}

describe('the y-axis label', () => {
  const drawn = (yLabel: string) => {
    const seen: FittedAxisLabel[] = [];
    const label = uplotOptions(model, { ...settings, yLabel, onYLabel: (fitted) => seen.push(fitted) }).axes![1]!.label as (u: uPlot, i: number, incr: number, space: number) => string;
    const { u, ctx, calls } = labelPlot();
    return { text: label(u, 1, 0, 0), font: ctx.font, calls, seen };
  };

  it('is drawn as it is, centred on the plot, when it fits there', () => {
    expect(drawn('Reward')).toEqual({ text: 'Reward', font: 'bold 12px sans-serif', calls: [], seen: [{ text: 'Reward', fontPx: 12, shortened: false }] });
  });

  it('moves down (along -x, turned) rather than be clipped at the top when longer than the plot', () => {
    // 26 characters: 156 px, centre at 73: top end at -5 → moved 7 px down, to start 2 px inside the canvas.
    expect(drawn('Completion length (tokens)')).toMatchObject({ text: 'Completion length (tokens)', font: 'bold 12px sans-serif', calls: ['translate -7 0'] });
  });

  it('is cut with an ellipsis in the smallest font when the canvas is too short, and says so', () => {
    const label = 'x'.repeat(60); // 360 px at 12 px, 270 at 9: longer than the 216 px room
    const { text, font, seen } = drawn(label);
    expect(font).toBe('bold 9px sans-serif');
    expect(text.endsWith('…')).toBe(true);
    expect(seen[0]).toMatchObject({ text, fontPx: 9, shortened: true });
  });
});

describe('uplotData', () => {
  it('orders columns x, band lower, band upper, then lines', () => {
    expect(uplotData(model, false)).toEqual([[0, 1, 2], [0, 0.5, null], [1, 1.5, null], [0.4, 1, 2], [0.5, -1, undefined]]);
  });

  it('drops values a log scale cannot show', () => {
    expect(uplotData(model, true)[1]).toEqual([null, 0.5, null]);
    expect(uplotData(model, true)[4]).toEqual([0.5, null, undefined]);
  });
});

describe('uplotOptions', () => {
  it('fills each band between its upper and lower edge series', () => {
    const options = uplotOptions(model, settings);
    expect(options.series).toHaveLength(5);
    expect(options.bands).toEqual([{ series: [2, 1], fill: `rgba(213, 94, 0, ${BAND_OPACITY.light})` }]);
    expect(options.series[1]!.class).toBe(LEGEND_HIDDEN_CLASS);
    expect(options.series[3]!.class).toBe(LEGEND_HIDDEN_CLASS);
    expect(options.series[4]!.dash).toEqual([7, 4]);
    expect(options.series[4]!.label).toBe('hmpo');
  });

  it('uses distr 3 for a log y-axis', () => {
    expect(uplotOptions(model, settings).scales!['y']!.distr).toBe(1);
    expect(uplotOptions(model, { ...settings, logY: true }).scales!['y']!.distr).toBe(3);
  });
});

describe('yRange', () => {
  it('stretches to include reference lines such as tau', () => {
    const [min, max] = yRange(5, 20, [100], false);
    expect(min).toBeLessThanOrEqual(5);
    expect(max).toBeGreaterThanOrEqual(100);
  });

  it('has a default range without data', () => {
    expect(yRange(null, null, [], false)).toEqual([0, 1]);
    expect(yRange(null, null, [], true)).toEqual([0.1, 10]);
  });

  it('covers whole decades on a log scale and ignores non-positive references', () => {
    const [min, max] = yRange(2, 30, [-1], true);
    expect(min).toBe(1);
    expect(max).toBe(100);
  });
});

describe('tickLabels', () => {
  it('gives each tick the decimals its increment needs, so small ticks stay distinct', () => {
    expect(tickLabels([0, 0.0005, 0.001, 0.0015, 0.002])).toEqual(['0.0000', '0.0005', '0.0010', '0.0015', '0.0020']);
    expect(tickLabels([0, 0.025, 0.05])).toEqual(['0.000', '0.025', '0.050']);
    expect(tickLabels([0, 5, 10])).toEqual(['0', '5', '10']);
    const tiny = tickLabels([0, 2e-6, 4e-6]);
    expect(new Set(tiny).size).toBe(3);
  });
});

describe('read-outs and log ticks', () => {
  it('reads steps and samples as whole numbers, other x values to 4 significant digits', () => {
    expect(formatXReadout(74.393, 'step')).toBe('74');
    expect(formatXReadout(12345.6, 'samples seen')).toBe('12,346');
    expect(formatXReadout(3.14159, 'wall time (s)')).toBe('3.142');
    expect(formatXReadout(null, 'step')).toBe('—');
  });

  it('labels only whole decades on a log axis, small ones as exponents', () => {
    expect(logTickLabels([0.00001, 0.00002, 0.00005, 0.0001, 0.001, 0.01, 1, 20, 100, 100000])).toEqual(['1e-5', '', '', '1e-4', '0.001', '0.01', '1', '', '100', '1e5']);
  });
});

describe('isEmptyModel', () => {
  it('is empty with no line or only gaps, not with one finite value', () => {
    expect(isEmptyModel(EMPTY_MODEL)).toBe(true);
    expect(isEmptyModel({ x: [0, 1], bands: [], lines: [{ label: 'kl', colour: '#000', values: [null, undefined] }] })).toBe(true);
    expect(isEmptyModel({ x: [0, 1], bands: [], lines: [{ label: 'kl', colour: '#000', values: [null, 0.5] }] })).toBe(false);
  });
});

describe('bands in both themes', () => {
  it('fills bands more opaquely on the dark background, so a grey grpo band stays visible', () => {
    const model: ChartModel = { x: [0, 1], bands: [{ label: 'grpo', colour: '#B4B4B4', lower: [0, 0], upper: [1, 1] }], lines: [] };
    const settings = (theme: 'light' | 'dark'): ChartSettings => ({ width: 100, height: 100, logY: false, xLabel: 'step', theme, annotations: () => ({ referenceLines: [], markers: [] }) });
    const alpha = (theme: 'light' | 'dark') => String(uplotOptions(model, settings(theme)).bands![0]!.fill);
    expect(alpha('light')).not.toBe(alpha('dark'));
    expect(BAND_OPACITY.dark).toBeGreaterThan(BAND_OPACITY.light);
  });
});

describe('heatmap colour scale', () => {
  it('runs through viridis and labels 0, a quarter of the peak (square-root scale) and the peak', () => {
    const scale = colourScale(0.2);
    expect(scale.gradient).toMatch(/^linear-gradient\(to right, rgb\(/);
    expect(scale.ticks.map((t) => [t.position, t.label])).toEqual([[0, '0%'], [0.5, '5%'], [1, '20%']]);
  });
});
