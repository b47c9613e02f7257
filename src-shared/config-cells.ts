/**
 * A run config as table cells: its leaves as dotted keys ("model.dModel", "objective.preset"), and
 * the sparse form runs:list carries per run (only the leaves that differ from DEFAULT_RUN_CONFIG,
 * so 10,000 runs stay a small answer). Seed and name are left out: they are columns of their own
 * and the only fields seeds of one config differ in. Main builds the cells; the renderer reads them.
 */
import { CONFIG_HASH_EXCLUDED_FIELDS } from './canonical-json.js';
import type { ConfigCell } from './contract.js';
import { DEFAULT_RUN_CONFIG } from './run-config.js';

const EXCLUDED: ReadonlySet<string> = new Set(CONFIG_HASH_EXCLUDED_FIELDS);

/** Every leaf of `value` under its dotted path; arrays are one leaf (as JSON text). */
export function flattenConfig(value: unknown, prefix = '', out: Record<string, ConfigCell> = {}): Record<string, ConfigCell> {
  if (value === null || typeof value !== 'object') {
    if (prefix !== '') out[prefix] = value === undefined ? null : (value as ConfigCell);
    return out;
  }
  if (Array.isArray(value)) {
    out[prefix] = JSON.stringify(value);
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (prefix === '' && EXCLUDED.has(key)) continue;
    flattenConfig(child, path, out);
  }
  return out;
}

/** The default config's cells: what a key absent from a run's sparse cells means. */
export const DEFAULT_CONFIG_CELLS: Readonly<Record<string, ConfigCell>> = flattenConfig(DEFAULT_RUN_CONFIG);

/** How a run's config becomes its sparse cells; main gets it injected so apps that never show a table (the CLI) need not load the schema (zod). */
export type ConfigCellsOf = (config: unknown) => Readonly<Record<string, ConfigCell>>;

/** The cells of `config` that differ from the default's (what runs:list sends). */
export const sparseConfigCells: ConfigCellsOf = (config) => {
  const cells = flattenConfig(config);
  const sparse: Record<string, ConfigCell> = {};
  for (const [key, value] of Object.entries(cells)) if (!(key in DEFAULT_CONFIG_CELLS) || DEFAULT_CONFIG_CELLS[key] !== value) sparse[key] = value;
  return sparse;
};

/** A run's value for a config key: its own cell, else the default's; undefined when neither has it. */
export function configCellOf(cells: Readonly<Record<string, ConfigCell>> | undefined, key: string): ConfigCell | undefined {
  if (cells !== undefined && Object.hasOwn(cells, key)) return cells[key];
  return DEFAULT_CONFIG_CELLS[key];
}

/** Cells back into a nested config ("model.dModel" -> {model: {dModel}}); arrays stay JSON text. For diffing and describing, not for training. */
export function nestCells(cells: Readonly<Record<string, ConfigCell>>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cells)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const child = node[part];
      node = (typeof child === 'object' && child !== null ? child : (node[part] = {})) as Record<string, unknown>;
    }
    node[parts.at(-1)!] = value;
  }
  return root;
}

/** The whole config a run's sparse cells stand for (the defaults filled in), nested. */
export function configOfCells(cells: Readonly<Record<string, ConfigCell>> | undefined): Record<string, unknown> {
  return nestCells({ ...DEFAULT_CONFIG_CELLS, ...cells });
}
