/**
 * The run-grouping key: sha256 of a run config's canonical JSON without the fields that do not change
 * what is trained (seed, the display name). Runs with the same hash are seeds of one experiment
 * (ux.md: group rows by "config minus seed"). Pure functions; nothing here touches the database.
 */
import { createHash } from 'node:crypto';
import type { RunConfig } from '../../src-shared/run-config.js';

/** Fields left out of the grouping hash: `seed` (that is what a group varies) and `name` (a label). */
export const CONFIG_HASH_EXCLUDED_FIELDS = ['seed', 'name'] as const;

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values give equal text
 * whatever the key order. Arrays keep their order. Throws on values JSON cannot carry faithfully
 * (non-finite numbers, undefined inside arrays, functions): a config never holds those.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}

/** Hex sha256 of the canonical config minus CONFIG_HASH_EXCLUDED_FIELDS. */
export function configHash(config: RunConfig): string {
  const rest: Record<string, unknown> = { ...config };
  for (const field of CONFIG_HASH_EXCLUDED_FIELDS) delete rest[field];
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}
