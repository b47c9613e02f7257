/**
 * Canonical JSON: object keys sorted at every depth, no whitespace, so equal values give equal
 * text whatever the key order. The one home of this encoding: the database's config hash
 * (src-main/db/config-hash.ts) and the sweep's duplicate-cell check both use it. Pure.
 */

/**
 * JSON with object keys sorted at every depth and no whitespace. Arrays keep their order. Throws on
 * values JSON cannot carry faithfully (non-finite numbers, functions): a config never holds those.
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

/** Fields left out of the grouping key: `seed` (that is what a group varies) and `name` (a label). */
export const CONFIG_HASH_EXCLUDED_FIELDS = ['seed', 'name'] as const;
