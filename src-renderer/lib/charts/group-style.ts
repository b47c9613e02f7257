/**
 * How each compared group is drawn: colour is its mean type's palette colour (the same in every
 * view), dash says MuonClip off (solid) or on (dashed). Groups that would still look identical
 * (same preset and MuonClip setting, differing in some other config field) get further dashes.
 */
import type { ObjectivePreset } from '../../../src-shared/objective-config.js';
import { EXTRA_DASHES, MUONCLIP_DASH, SOLID, presetColour, type Theme } from '../palette.js';
import type { GroupStyle } from './group-curves.js';

export interface StyledGroup {
  readonly groupKey: string;
  readonly preset: ObjectivePreset;
}

/** groupKey -> style, in the groups' order; `muonClip(groupKey)` says whether QK-clip was on. */
export function assignGroupStyles(groups: readonly StyledGroup[], muonClip: (groupKey: string) => boolean, theme: Theme = 'light'): Map<string, GroupStyle> {
  const styles = new Map<string, GroupStyle>();
  const taken = new Set<string>();
  for (const group of groups) {
    if (styles.has(group.groupKey)) continue;
    const candidates = [muonClip(group.groupKey) ? MUONCLIP_DASH : SOLID, ...EXTRA_DASHES];
    const dash = candidates.find((d) => !taken.has(`${group.preset}:${d.join(',')}`)) ?? candidates[0]!;
    taken.add(`${group.preset}:${dash.join(',')}`);
    styles.set(group.groupKey, { colour: presetColour(group.preset, theme), dash });
  }
  return styles;
}
