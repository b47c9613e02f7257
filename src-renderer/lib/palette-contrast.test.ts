/**
 * The palette against the app's real theme colours, read from theme.css (their one home; no copy
 * here): every series colour reaches WCAG's 3:1 for graphical objects against the chart background
 * (the page --bg, and --surface where a chart sits on a panel) in light and dark, axis ink reaches
 * 4.5:1 (its tick labels are text), and every band fill as the Compare chart draws it stands out from
 * the background by at least 1.3:1 (the dark grpo band used to all but vanish).
 */
import { describe, expect, it } from 'vitest';
import themeCss from '../theme.css?raw';
import type { CompareGroup } from '../../src-shared/contract.js';
import { OBJECTIVE_PRESETS } from '../../src-shared/objective-config.js';
import { groupCurvesModel } from './charts/group-curves.js';
import { uplotOptions } from './charts/uplot-options.js';
import { CHART_INK, presetColour, seriesColours, type Theme } from './palette.js';

type Rgb = readonly [number, number, number];

/** `#rgb`, `#rrggbb` or `rgba(r, g, b, a)` composited over `under` (CSS colours as the app writes them). */
function parseColour(text: string, under: Rgb = [255, 255, 255]): Rgb {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim())?.[1];
  if (hex !== undefined) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as unknown as Rgb;
  }
  const rgba = /^rgba?\(\s*([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\s*\)$/.exec(text.trim());
  if (rgba === null) throw new Error(`not a colour this test reads: ${text}`);
  const alpha = rgba[4] === undefined ? 1 : Number(rgba[4]);
  return [1, 2, 3].map((i, k) => Number(rgba[i]) * alpha + under[k]! * (1 - alpha)) as unknown as Rgb;
}

/** WCAG 2.x relative luminance and contrast ratio. */
function luminance([r, g, b]: Rgb): number {
  const channel = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}
function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The custom properties of each theme in theme.css: light from the `:root` rule, dark from the rule
 * that forces `data-theme='dark'` on top of it; `light-dark(a, b)` values resolve per theme.
 */
function themeVariables(css: string): Record<Theme, Map<string, string>> {
  const themes = { light: new Map<string, string>(), dark: new Map<string, string>() };
  const rules = css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{([^{}]*)\}/g);
  for (const [, selectorText, body] of rules) {
    const selectors = selectorText!.split(',').map((s) => s.trim());
    const targets: Theme[] = selectors.includes(':root') ? ['light', 'dark'] : selectors.some((s) => /^:root\[data-theme=['"]?dark['"]?\]$/.test(s)) ? ['dark'] : [];
    for (const [, name, value] of body!.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) {
      const both = /^light-dark\(\s*([^,]+),\s*([^)]+)\)$/.exec(value!.trim());
      for (const theme of targets) themes[theme].set(name!, both ? both[theme === 'light' ? 1 : 2]!.trim() : value!.trim());
    }
  }
  return themes;
}

const THEMES: readonly Theme[] = ['light', 'dark'];
const variables = themeVariables(themeCss);
const backgrounds = (theme: Theme): [string, Rgb][] => ['--bg', '--surface'].map((name) => [name, parseColour(variables[theme].get(name) ?? `missing ${name}`)]);

function compareGroup(preset: (typeof OBJECTIVE_PRESETS)[number]): CompareGroup {
  return { groupKey: preset, label: preset, preset, qkClip: false, runIds: ['a', 'b'], x: [0, 1], mean: [0.5, 0.5], lower: [0, 0], upper: [1, 1], n: [2, 2], seeds: [] };
}

describe('palette contrast against the theme (theme.css)', () => {
  it('reads each theme’s backgrounds from theme.css, and they differ between the themes', () => {
    for (const theme of THEMES) for (const [name, rgb] of backgrounds(theme)) expect(rgb.every(Number.isFinite), `${theme} ${name}`).toBe(true);
    expect(luminance(backgrounds('light')[0]![1])).toBeGreaterThan(0.5);
    expect(luminance(backgrounds('dark')[0]![1])).toBeLessThan(0.1);
  });

  it('gives every series colour at least 3:1 against the chart background in both themes', () => {
    for (const theme of THEMES) {
      const colours = new Set([...OBJECTIVE_PRESETS.map((p) => presetColour(p, theme)), ...seriesColours(theme)]);
      for (const colour of colours) {
        for (const [name, background] of backgrounds(theme)) {
          expect(contrast(parseColour(colour), background), `${colour} on ${theme} ${name}`).toBeGreaterThanOrEqual(3);
        }
      }
    }
  });

  it('gives the axis ink (tick labels) at least 4.5:1 in both themes', () => {
    for (const theme of THEMES) for (const [name, background] of backgrounds(theme)) expect(contrast(parseColour(CHART_INK[theme].axis), background), `${theme} ${name}`).toBeGreaterThanOrEqual(4.5);
  });

  it('keeps every Compare band visible: its fill, as drawn, stands out by at least 1.3:1 in both themes', () => {
    for (const theme of THEMES) {
      for (const preset of OBJECTIVE_PRESETS) {
        const model = groupCurvesModel([{ groups: [compareGroup(preset)] }], () => ({ colour: presetColour(preset, theme), dash: [] }));
        const options = uplotOptions(model, { width: 100, height: 100, logY: false, xLabel: 'step', theme, annotations: () => ({ referenceLines: [], markers: [] }) });
        const fill = String(options.bands![0]!.fill);
        for (const [name, background] of backgrounds(theme)) {
          expect(contrast(parseColour(fill, background), background), `${preset} band ${fill} on ${theme} ${name}`).toBeGreaterThanOrEqual(1.3);
        }
      }
    }
  });
});
