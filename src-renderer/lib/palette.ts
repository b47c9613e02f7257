/**
 * One colour per mean type (objective preset), the same in every chart, table and legend of the app
 * (ux.md "Comparison view"). Built on the Okabe-Ito colour-blind-safe palette; the few hues that are
 * too faint on white (yellow, orange, sky blue, purple) or on near-black (blue, grey) get a darker or
 * lighter shade of the SAME hue per theme, so a preset never changes hue between themes.
 */
import { OBJECTIVE_PRESETS, type ObjectivePreset } from '../../src-shared/objective-config.js';

export type Theme = 'light' | 'dark';

/** The eight Okabe-Ito colours (Okabe & Ito 2008, "Color Universal Design"). */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

interface ThemedColour {
  readonly light: string;
  readonly dark: string;
}

/**
 * The stable preset -> colour map. grpo, the token-level baseline, is neutral grey; the two
 * geometric presets (gspo, gmpo) share the blue family; hmpo, the harmonic mean, is vermillion.
 */
export const PRESET_COLOURS: Readonly<Record<ObjectivePreset, ThemedColour>> = {
  grpo: { light: '#5E5E5E', dark: '#B4B4B4' },
  gspo: { light: OKABE_ITO.blue, dark: '#3C9BE0' },
  gmpo: { light: '#2E94CF', dark: OKABE_ITO.skyBlue },
  hmpo: { light: OKABE_ITO.vermillion, dark: '#F07A2A' },
  amp: { light: OKABE_ITO.bluishGreen, dark: '#1FBF90' },
  power: { light: '#B5588D', dark: OKABE_ITO.reddishPurple },
  learnable: { light: '#B57D00', dark: OKABE_ITO.orange },
  agm: { light: '#8F8500', dark: OKABE_ITO.yellow },
};

/** The colour of a mean type in the given theme. */
export function presetColour(preset: ObjectivePreset, theme: Theme = 'light'): string {
  return PRESET_COLOURS[preset][theme];
}

/** Every preset's colour in one theme, in OBJECTIVE_PRESETS order (for legends and keys). */
export function presetColourList(theme: Theme = 'light'): { preset: ObjectivePreset; colour: string }[] {
  return OBJECTIVE_PRESETS.map((preset) => ({ preset, colour: presetColour(preset, theme) }));
}

/**
 * Colours for the several metrics of one run's chart (e.g. clip low / high / region / sequence),
 * where colour does not mean "mean type": Okabe-Ito order, themed like the presets.
 */
export function seriesColours(theme: Theme = 'light'): string[] {
  const order: ObjectivePreset[] = ['gspo', 'hmpo', 'amp', 'power', 'learnable', 'gmpo', 'agm', 'grpo'];
  return order.map((preset) => presetColour(preset, theme));
}

/**
 * Band fill opacity per theme: enough that every preset's band stands out from the chart
 * background by at least 1.3:1 (palette.test.ts checks this against theme.css), while the lines
 * drawn over it keep their contrast. Dark needs more alpha: a grey band on near-black vanished at 0.18.
 */
export const BAND_OPACITY: Readonly<Record<Theme, number>> = { light: 0.26, dark: 0.32 };

/** Line dash of a group: MuonClip off is solid, on is dashed (ux.md: distinguished by dash style). */
export const SOLID: readonly number[] = [];
export const MUONCLIP_DASH: readonly number[] = [7, 4];
/** Further dashes for groups that share a preset and MuonClip setting but differ elsewhere. */
export const EXTRA_DASHES: readonly (readonly number[])[] = [[2, 3], [10, 3, 2, 3], [4, 2, 1, 2]];

/** Ink for axes, ticks, reference lines and event markers (neutral, so no marker reads as a series), per theme. */
export const CHART_INK: Readonly<Record<Theme, { axis: string; grid: string; reference: string; marker: string }>> = {
  light: { axis: '#3A3A3A', grid: 'rgba(0, 0, 0, 0.08)', reference: '#000000', marker: 'rgba(0, 0, 0, 0.45)' },
  dark: { axis: '#D0D0D0', grid: 'rgba(255, 255, 255, 0.10)', reference: '#FFFFFF', marker: 'rgba(255, 255, 255, 0.5)' },
};

/**
 * `#RRGGBB` (or `#RGB`) with an alpha in [0, 1], as a CSS `rgba()` string; any other CSS colour is
 * returned unchanged (band fills use it, so a wrong input shows as an opaque band, not an error).
 */
export function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour)?.[1];
  if (hex === undefined) return colour;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const r = parseInt(full.slice(0, 2), 16);
  const g = parseInt(full.slice(2, 4), 16);
  const b = parseInt(full.slice(4, 6), 16);
  const a = Math.min(1, Math.max(0, alpha));
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}
