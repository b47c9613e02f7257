/**
 * The run-grouping key: sha256 of a run config's canonical JSON without the fields that do not change
 * what is trained (seed, the display name). Runs with the same hash are seeds of one experiment
 * (ux.md: group rows by "config minus seed"). Pure functions; nothing here touches the database.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, CONFIG_HASH_EXCLUDED_FIELDS } from '../../src-shared/canonical-json.js';
import type { RunConfig } from '../../src-shared/run-config.js';

// The encoding and the excluded fields live in src-shared so the sweep's duplicate-cell check uses the same ones.
export { canonicalJson, CONFIG_HASH_EXCLUDED_FIELDS };

/** Hex sha256 of the canonical config minus CONFIG_HASH_EXCLUDED_FIELDS. */
export function configHash(config: RunConfig): string {
  const rest: Record<string, unknown> = { ...config };
  for (const field of CONFIG_HASH_EXCLUDED_FIELDS) delete rest[field];
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}
