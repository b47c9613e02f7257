// Full-fidelity run series: main's per-bucket min/max/last become a band plus the last-value line,
// and live steps are appended strictly after the last drawn x (append-only, idempotent).
import { describe, expect, it } from 'vitest';
import { EMPTY_ENVELOPE, appendPoints, envelopeFromDownsampled, envelopeModel, xOfStep } from './envelope.js';

const downsampled = { x: [0, 10, 20], min: [0.1, 0.2, 0.25], max: [0.3, 0.5, 0.4], last: [0.2, 0.4, 0.3] };

describe('envelopeModel', () => {
  it('draws the bucket min-max as a band and the LAST value per bucket as the line', () => {
    const model = envelopeModel([{ series: envelopeFromDownsampled(downsampled), style: { label: 'reward', colour: '#0072B2' } }]);
    expect(model.x).toEqual([0, 10, 20]);
    expect(model.bands).toHaveLength(1);
    expect(model.bands[0]!.lower).toEqual([0.1, 0.2, 0.25]);
    expect(model.bands[0]!.upper).toEqual([0.3, 0.5, 0.4]);
    expect(model.lines).toHaveLength(1);
    expect(model.lines[0]!.values).toEqual([0.2, 0.4, 0.3]);
    expect(model.lines[0]!.label).toBe('reward');
  });

  it('leaves the band out when asked, and joins metrics logged at different steps', () => {
    const evalSeries = envelopeFromDownsampled({ x: [15], min: [0.9], max: [0.9], last: [0.9] });
    const model = envelopeModel([
      { series: envelopeFromDownsampled(downsampled), style: { label: 'rollout', colour: '#111111' } },
      { series: evalSeries, style: { label: 'eval', colour: '#222222', envelope: false } },
    ]);
    expect(model.x).toEqual([0, 10, 15, 20]);
    expect(model.bands).toHaveLength(1);
    expect(model.lines[0]!.values).toEqual([0.2, 0.4, undefined, 0.3]);
    expect(model.lines[1]!.values).toEqual([undefined, undefined, 0.9, undefined]);
    expect(model.lines.every((line) => line.spanGaps)).toBe(true);
  });

  it('gives an empty model for a series with no points yet', () => {
    expect(envelopeModel([{ series: EMPTY_ENVELOPE, style: { label: 'x', colour: '#000000' } }]).x).toEqual([]);
  });
});

describe('appendPoints', () => {
  it('appends live points after the last x as one-step buckets', () => {
    const next = appendPoints(envelopeFromDownsampled(downsampled), [{ x: 21, value: 0.6 }, { x: 22, value: 0.7 }]);
    expect(next.x).toEqual([0, 10, 20, 21, 22]);
    expect(next.min.slice(3)).toEqual([0.6, 0.7]);
    expect(next.max.slice(3)).toEqual([0.6, 0.7]);
    expect(next.last.slice(3)).toEqual([0.6, 0.7]);
    expect(next.appended).toBe(2);
  });

  it('never rewrites what is drawn: points at or before the last x are skipped', () => {
    const start = envelopeFromDownsampled(downsampled);
    const next = appendPoints(start, [{ x: 10, value: 99 }, { x: 20, value: 99 }, { x: 25, value: 0.5 }, { x: 24, value: 99 }]);
    expect(next.x).toEqual([0, 10, 20, 25]);
    expect(next.last).toEqual([0.2, 0.4, 0.3, 0.5]);
    expect(start.x).toEqual([0, 10, 20]);
  });

  it('is idempotent and returns the same object when nothing is new', () => {
    const once = appendPoints(EMPTY_ENVELOPE, [{ x: 1, value: 1 }]);
    expect(appendPoints(once, [{ x: 1, value: 1 }])).toBe(once);
  });
});

describe('xOfStep', () => {
  it('reads the chosen x axis', () => {
    const step = { step: 7, samples: 448, wallTime: 3.5 };
    expect(xOfStep(step, 'step')).toBe(7);
    expect(xOfStep(step, 'samples')).toBe(448);
    expect(xOfStep(step, 'wallTime')).toBe(3.5);
  });
});
