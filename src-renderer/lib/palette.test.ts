// The palette: every mean type has its own colour in each theme, the same hue family across
// themes, and alpha blending for band fills.
import { describe, expect, it } from 'vitest';
import { OBJECTIVE_PRESETS } from '../../src-shared/objective-config.js';
import { PRESET_COLOURS, presetColour, presetColourList, seriesColours, withAlpha } from './palette.js';

describe('palette', () => {
  it('gives every preset a distinct colour in both themes', () => {
    for (const theme of ['light', 'dark'] as const) {
      const colours = OBJECTIVE_PRESETS.map((preset) => presetColour(preset, theme));
      expect(new Set(colours).size).toBe(OBJECTIVE_PRESETS.length);
    }
    expect(Object.keys(PRESET_COLOURS).sort()).toEqual([...OBJECTIVE_PRESETS].sort());
  });

  it('is stable: the same preset always maps to the same colour', () => {
    expect(presetColour('hmpo')).toBe('#D55E00');
    expect(presetColourList('light').find((c) => c.preset === 'hmpo')!.colour).toBe(presetColour('hmpo'));
  });

  it('has enough series colours for a chart’s metrics', () => {
    expect(seriesColours('dark').length).toBeGreaterThanOrEqual(4);
  });

  it('adds alpha to hex colours and leaves others alone', () => {
    expect(withAlpha('#0072B2', 0.2)).toBe('rgba(0, 114, 178, 0.2)');
    expect(withAlpha('#fff', 1.5)).toBe('rgba(255, 255, 255, 1)');
    expect(withAlpha('transparent', 0.5)).toBe('transparent');
  });
});
