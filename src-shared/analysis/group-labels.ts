/**
 * Labels for groups of runs (config minus seed) that say what distinguishes them: a base label (in
 * Compare the mean type with p and MuonClip/Muon/QK-clip; in the runs table mean type, task and
 * optimizer) first, then, only where groups would otherwise share a label, the config values that
 * differ among those groups ("hmpo · totalSteps=300"). Never the same label twice: groups whose
 * configs differ only in ignored paths get "#2", "#3". Pure; callers pass the groups' configs
 * (verbatim as stored, or nested from table cells) and show `describeConfig` on hover. It does not
 * group runs or read the store.
 */
import { CONFIG_HASH_EXCLUDED_FIELDS } from '../canonical-json.js';
import { DEFAULT_CONFIG_CELLS, nestCells } from '../config-cells.js';
import type { ConfigCell } from '../contract.js';
import { diffConfigs, flattenConfig } from './config-diff.js';
import { resolveObjective, type ObjectiveInput, type ObjectivePreset } from '../objective-config.js';
import { MUONCLIP_LABEL } from '../optimizer-label.js';

/** The parts of a RunConfig the short label reads; the rest is only diffed. */
export interface LabelledConfig {
  readonly objective: ObjectiveInput;
  readonly optimizer: { readonly name: string };
  readonly qkClip: { readonly enabled: boolean };
  /** The AGM controllers in the loop (absent in configs stored before they existed). */
  readonly controller?: { readonly learningRate: boolean; readonly clipEpsilon: boolean; readonly powerP: boolean; readonly earlyStop: boolean };
}

/** Paths that never distinguish groups (a group is its configs minus these, as the config hash leaves them out). */
const IGNORED = CONFIG_HASH_EXCLUDED_FIELDS;
/** Paths the short label already shows. */
const IN_SHORT_LABEL = ['objective.preset', 'objective.p', 'optimizer.name', 'qkClip.enabled', 'controller.learningRate', 'controller.clipEpsilon', 'controller.powerP', 'controller.earlyStop'];

/** "hmpo", "power p=0 · MuonClip", "gspo · Muon", "hmpo · lr/clip controller". */
export function shortGroupLabel(config: LabelledConfig): string {
  const preset: ObjectivePreset = config.objective.preset;
  const objective = resolveObjective(config.objective);
  const mean = objective.mean.kind === 'power' && preset === 'power' ? ` p=${objective.mean.p}` : '';
  const clip = config.qkClip.enabled ? (config.optimizer.name === 'muon' ? ` · ${MUONCLIP_LABEL}` : ' · QK-clip') : config.optimizer.name === 'muon' ? ' · Muon' : '';
  return `${preset}${mean}${clip}${controllerLabel(config.controller)}`;
}

/** The controllers in the loop, so a controlled arm reads apart from the same arm fixed (the 'controllers' plan). */
function controllerLabel(controller: LabelledConfig['controller']): string {
  if (!controller) return '';
  const parts = [controller.learningRate && 'lr', controller.clipEpsilon && 'clip', controller.powerP && 'p', controller.earlyStop && 'early stop'].filter((part) => part !== false);
  return parts.length === 0 ? '' : ` · ${parts.join('/')} controller`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The last segment of a dotted path ("optimizer.learningRate" -> "learningRate"), or the path when that is ambiguous. */
function shortPath(path: string, all: readonly string[]): string {
  const last = path.split('.').at(-1)!;
  return all.filter((p) => p.split('.').at(-1) === last).length > 1 ? path : last;
}

/**
 * One label per group key, unique among `groups`. Groups with a unique short label keep it; the
 * others add `key=value` for each path that differs among the groups sharing that short label.
 */
export function distinguishingLabels(groups: readonly { readonly key: string; readonly config: LabelledConfig }[]): Map<string, string> {
  return labelsByDifference(
    groups.map((group) => ({ key: group.key, base: shortGroupLabel(group.config), config: group.config })),
    IN_SHORT_LABEL,
  );
}

/**
 * The one rule behind every group label (Compare's legend, the runs table's group rows): a group
 * whose `base` label no other group shares keeps it; groups sharing a base add `key=value` for each
 * config path that differs among them ("hmpo · learningRate=0.001"). Seed and name never count, nor
 * the `alsoIgnore` paths (those the base already shows). Never the same label twice: groups whose
 * configs are identical once those are left out get "#2", "#3".
 */
export function labelsByDifference(groups: readonly { readonly key: string; readonly base: string; readonly config: unknown }[], alsoIgnore: readonly string[] = []): Map<string, string> {
  const byBase = new Map<string, { key: string; config: unknown }[]>();
  for (const group of groups) byBase.set(group.base, [...(byBase.get(group.base) ?? []), group]);
  const labels = new Map<string, string>();
  for (const [base, members] of byBase) {
    if (members.length === 1) {
      labels.set(members[0]!.key, base);
      continue;
    }
    const differences = diffConfigs(members.map((m) => m.config), { ignore: [...IGNORED, ...alsoIgnore] });
    const paths = differences.map((d) => d.path);
    members.forEach((member, i) => {
      const parts = differences.map((d) => `${shortPath(d.path, paths)}=${formatValue(d.values[i])}`);
      labels.set(member.key, parts.length === 0 ? base : `${base} · ${parts.join(' · ')}`);
    });
  }
  // Configs that differ only in ignored paths (or in the base's own paths in ways it does not show)
  // could still collide: number them so no two groups ever read the same.
  const seen = new Map<string, number>();
  for (const group of groups) {
    const label = labels.get(group.key)!;
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    if (count > 1) labels.set(group.key, `${label} #${count}`);
  }
  return labels;
}

/** The whole config, one "path: value" per line (seed and name left out): the hover text of a group. */
export function describeConfig(config: unknown): string {
  return [...flattenConfig(config)]
    .filter(([path]) => !IGNORED.some((p) => path === p || path.startsWith(`${p}.`)))
    .map(([path, value]) => `${path}: ${formatValue(value)}`)
    .join('\n');
}

/**
 * A group's config from its runs-table cells (runs:list sends only what differs from the
 * defaults): the values it sets first, then the defaults, one "path: value" per line, as
 * `describeConfig` writes them. The whole config, one hover away, with what matters on top.
 */
export function describeCells(cells: Readonly<Record<string, ConfigCell>> | undefined): string {
  const set = cells ?? {};
  const defaults = Object.fromEntries(Object.entries(DEFAULT_CONFIG_CELLS).filter(([key]) => !Object.hasOwn(set, key)));
  const changed = Object.keys(set).length === 0 ? 'all defaults' : describeConfig(nestCells(set));
  return [changed, '— defaults —', describeConfig(nestCells(defaults))].join('\n');
}
