/**
 * Chart models for the comparison view: one band plus mean line per group of seeds (colour = mean
 * type, dash = MuonClip), optional faint per-seed lines, overlays (e.g. the half-variance
 * estimate over the AM-GM gap) and the steps-to-target survival curves. The band is drawn only
 * where at least two seeds contribute (n >= 2); main already sends nulls there, this makes sure.
 */
import { MIN_SEEDS_FOR_BAND } from '../../../src-shared/analysis/aggregate.js';
import type { CompareGroup, CompareResult } from '../../../src-shared/contract.js';
import type { BandSpec, ChartModel, ChartValue, LineSpec, XColumns } from './chart-model.js';
import { alignOnUnionX } from './chart-model.js';

export interface GroupStyle {
  readonly colour: string;
  readonly dash: readonly number[];
}


/** A band edge with gaps (null) wherever fewer than MIN_SEEDS_FOR_BAND seeds contribute. */
export function maskWhereFewSeeds(values: readonly (number | null)[], n: readonly number[]): (number | null)[] {
  return values.map((v, i) => ((n[i] ?? 0) >= MIN_SEEDS_FOR_BAND ? v : null));
}

/** One family of curves drawn for every group: e.g. the metric, or an overlay of another metric. */
export interface CurveLayer {
  readonly groups: readonly CompareGroup[];
  /** Added to the group label in the legend, e.g. " ½·Var(log r)". */
  readonly suffix?: string;
  /** Draw the lower-upper band (default true). */
  readonly band?: boolean;
  /** Draw each seed's curve faintly (default false). */
  readonly seeds?: boolean;
  /** Dash of this layer's mean lines instead of the group's own (e.g. dotted overlays). */
  readonly dash?: readonly number[];
  readonly width?: number;
}

const SEED_OPACITY = 0.3;

/**
 * All layers' groups on one union x. A group's own nulls (n < 2 for the band, no seed at all for
 * the mean) stay gaps; x values only other groups have are joined across.
 */
export function groupCurvesModel(layers: readonly CurveLayer[], styleOf: (group: CompareGroup) => GroupStyle, seedLabel: (runId: string) => string = (id) => id): ChartModel {
  const families: XColumns[] = [];
  for (const layer of layers) {
    for (const group of layer.groups) {
      const columns: (readonly ChartValue[])[] = [
        group.mean,
        maskWhereFewSeeds(group.lower, group.n),
        maskWhereFewSeeds(group.upper, group.n),
        ...(layer.seeds ? group.seeds.map((s) => s.y) : []),
      ];
      families.push({ x: group.x, columns });
    }
  }
  const aligned = alignOnUnionX(families);
  const bands: BandSpec[] = [];
  const seedLines: LineSpec[] = [];
  const meanLines: LineSpec[] = [];
  let familyIndex = 0;
  for (const layer of layers) {
    for (const group of layer.groups) {
      const [mean, lower, upper, ...seeds] = aligned.columns[familyIndex++]!;
      const style = styleOf(group);
      const label = group.label + (layer.suffix ?? '');
      if (layer.band !== false) {
        bands.push({ label: `${label} band`, colour: style.colour, lower: lower!, upper: upper! }); // the theme's band opacity (palette.ts)
      }
      seeds.forEach((values, i) => {
        const runId = group.seeds[i]?.runId ?? '';
        seedLines.push({ label: `${label} · ${seedLabel(runId)}`, colour: style.colour, values, width: 1, opacity: SEED_OPACITY, dash: style.dash, hideInLegend: true });
      });
      meanLines.push({ label, colour: style.colour, values: mean!, width: layer.width ?? 2, dash: layer.dash ?? style.dash });
    }
  }
  // Faint seeds first, so every mean line is drawn on top of them.
  return { x: aligned.x, bands, lines: [...seedLines, ...meanLines] };
}

/** Steps-to-target survival: fraction of each group's seeds not yet at target, as step functions. */
export function survivalModel(survival: CompareResult['survival'], styleOfKey: (groupKey: string) => GroupStyle): ChartModel {
  const aligned = alignOnUnionX(survival.map((s) => ({ x: s.steps, columns: [s.fractionUnsolved] })));
  const lines: LineSpec[] = survival.map((s, i) => {
    const style = styleOfKey(s.groupKey);
    return { label: s.label, colour: style.colour, dash: style.dash, values: aligned.columns[i]![0]!, width: 2, stepped: true, spanGaps: true };
  });
  return { x: aligned.x, bands: [], lines };
}
