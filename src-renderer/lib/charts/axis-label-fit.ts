/**
 * Fits a y-axis label (drawn turned, along the chart's height) into the chart's height, so it is
 * never clipped: centred on the plot when it fits there; else moved down as far as it needs (the
 * corner beside the x axis is empty); else in a smaller font, down to a floor; else in the floor
 * font and cut short with an ellipsis. Whole text first because a label whose unit is cut off
 * says less than one a little off-centre or smaller; a second line would need a wider axis on
 * every chart. The full label stays in the chart's accessible text (MetricChart's "Y axis: …").
 * Pure: the caller measures (canvas measureText) and draws (uplot-options.ts).
 */

export interface FittedAxisLabel {
  /** The text to draw: the label, or its start and an ellipsis. */
  readonly text: string;
  /** The font size to draw it in (same unit as the font size given). */
  readonly fontPx: number;
  /** Whether the text was cut (the font may be smaller even when it was not). */
  readonly shortened: boolean;
}

/** How small the label's font may get, as a share of its normal size (12 px becomes 9 px). */
export const AXIS_LABEL_MIN_FONT_SCALE = 0.75;

const ELLIPSIS = '…';

/**
 * `measure` gives a text's length at `fontPx`; text length is taken to scale with font size, and
 * smaller sizes are rounded down to half pixels so the drawn text stays within `available`.
 */
export function fitAxisLabel(label: string, available: number, fontPx: number, measure: (text: string) => number): FittedAxisLabel {
  const length = measure(label);
  if (length <= available) return { text: label, fontPx, shortened: false };
  const minFontPx = fontPx * AXIS_LABEL_MIN_FONT_SCALE;
  const shrunk = Math.floor(((fontPx * available) / length) * 2) / 2;
  if (shrunk >= minFontPx) return { text: label, fontPx: shrunk, shortened: false };
  const scale = minFontPx / fontPx;
  const fits = (text: string) => measure(text) * scale <= available;
  // The longest start (in code points, so no character is split) that fits with the ellipsis.
  const chars = Array.from(label);
  const cut = (n: number) => chars.slice(0, n).join('').trimEnd() + ELLIPSIS;
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cut(mid))) lo = mid;
    else hi = mid - 1;
  }
  const text = cut(lo);
  return { text: fits(text) ? text : '', fontPx: minFontPx, shortened: true };
}

/**
 * How far to move a label of `length`, centred at `centre` (measured from the top of a room `height`
 * long), so that it lies `margin` inside the room: positive is down, 0 when it already does. One too
 * long for the room (fitAxisLabel prevents that) keeps its start of text, its bottom end, in.
 */
export function axisLabelShift(length: number, centre: number, height: number, margin: number): number {
  const highest = margin + length / 2;
  const lowest = height - margin - length / 2;
  if (lowest < highest) return lowest - centre;
  return Math.min(Math.max(centre, highest), lowest) - centre;
}
