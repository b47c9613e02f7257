// Fitting a y-axis label into the chart's height: as is, smaller, or cut with an ellipsis (never longer
// than the room), and moving it off the plot's centre only as far as it must to stay on the canvas.
import { describe, expect, it } from 'vitest';
import { axisLabelShift, fitAxisLabel } from './axis-label-fit.js';

/** 6 units per character at 12 px: a stand-in for canvas measureText. */
const measure = (text: string) => Array.from(text).length * 6;
const LABEL = 'Completion length (tokens)'; // 26 characters: 156 at 12 px, 117 at 9 px

describe('fitAxisLabel', () => {
  it('keeps a label that fits as it is', () => {
    expect(fitAxisLabel(LABEL, 156, 12, measure)).toEqual({ text: LABEL, fontPx: 12, shortened: false });
  });

  it('draws a label a little too long in a smaller font, whole', () => {
    const fitted = fitAxisLabel(LABEL, 140, 12, measure);
    expect(fitted).toEqual({ text: LABEL, fontPx: 10.5, shortened: false });
    expect((measure(LABEL) * fitted.fontPx) / 12).toBeLessThanOrEqual(140);
  });

  it('shrinks no further than three quarters of the font', () => {
    expect(fitAxisLabel(LABEL, 117, 12, measure)).toEqual({ text: LABEL, fontPx: 9, shortened: false });
  });

  it('cuts a label too long even at the smallest font with an ellipsis, within the room', () => {
    const fitted = fitAxisLabel(LABEL, 60, 12, measure);
    expect(fitted.shortened).toBe(true);
    expect(fitted.fontPx).toBe(9);
    expect(fitted.text).toBe('Completion l…'); // 13 characters: 58.5 at 9 px; one more would be 63
    expect((measure(fitted.text) * 9) / 12).toBeLessThanOrEqual(60);
  });

  it('does not end the cut text with a space before the ellipsis', () => {
    expect(fitAxisLabel('Seeds left (fraction)', 55, 12, measure).text).toBe('Seeds left…'); // "Seeds left (…" would be 58.5
  });

  it('keeps a character whole (Mₚ) and draws nothing when not even the ellipsis fits', () => {
    expect(fitAxisLabel('Mₚ of ratios', 12, 12, measure).text).toBe('M…'); // "Mₚ…" would be 13.5
    expect(fitAxisLabel('Mₚ of ratios', 2, 12, measure)).toEqual({ text: '', fontPx: 9, shortened: true });
  });
});

describe('axisLabelShift', () => {
  it('leaves a label that fits centred where it is', () => {
    expect(axisLabelShift(100, 70, 220, 2)).toBe(0);
  });

  it('moves a label longer than the space above its centre allows down, its top end at the margin', () => {
    expect(axisLabelShift(180, 70, 220, 2)).toBe(22); // centre 92: from 2 to 182
  });

  it('moves a label that would run off the bottom up', () => {
    expect(axisLabelShift(100, 190, 220, 2)).toBe(-22); // centre 168: from 118 to 218
  });

  it('keeps the start of a label too long for the room (its bottom end) inside', () => {
    expect(axisLabelShift(300, 70, 220, 2)).toBe(-2); // centre 68: from -82 to 218
  });
});
