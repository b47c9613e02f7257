// The view's chart zoom: rounded to what a pixel can tell apart, only for the place it was made in,
// and nothing that is not a range.
import { describe, expect, it } from 'vitest';
import { ChartZoom, roundXRange } from './chart-zoom.svelte.js';

describe('ChartZoom', () => {
  it('keeps a zoom for the place it was made in only', () => {
    let place = '/runs/5';
    const zoom = new ChartZoom(() => place);
    zoom.set({ min: 10.123456, max: 20.98765 });
    expect(zoom.range).toEqual({ min: 10.12, max: 20.99 });
    place = '/compare?runs=1,2';
    expect(zoom.range).toBeNull();
    place = '/runs/5';
    expect(zoom.range).toEqual({ min: 10.12, max: 20.99 });
    place = '/runs';
    zoom.forgetOtherPlaces();
    place = '/runs/5';
    expect(zoom.range).toBeNull();
  });

  it('ignores ranges that are empty, reversed or not finite, and clears on null', () => {
    const zoom = new ChartZoom(() => '/runs/1');
    zoom.set({ min: 3, max: 3 });
    expect(zoom.range).toBeNull();
    zoom.set({ min: 1, max: Number.NaN });
    expect(zoom.range).toBeNull();
    zoom.set({ min: 1, max: 2 });
    zoom.set(null);
    expect(zoom.range).toBeNull();
  });

  it('rounds by the span: whole steps on long spans, small decimals on short ones', () => {
    expect(roundXRange({ min: 1234.5678, max: 98765.4321 })).toEqual({ min: 1235, max: 98765 });
    expect(roundXRange({ min: 0.0012346, max: 0.0098766 })).toEqual({ min: 0.001235, max: 0.009877 });
  });
});
