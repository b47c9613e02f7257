/**
 * What a run trains, as one string: the config's canonical JSON minus the seed and name (as the
 * database's config hash), with the objective resolved to the knobs the loss reads and its preset
 * name dropped. Two presets that train the same thing (hmpo and power p=-1 with the default token
 * clip) get the same key, which the plain config hash cannot see. Pure; used to refuse duplicate
 * sweep cells.
 */
import { canonicalJson, CONFIG_HASH_EXCLUDED_FIELDS } from '../canonical-json.js';
import { resolveObjective } from '../objective-config.js';
import type { RunConfig } from '../run-config.js';

export function trainingKey(config: RunConfig): string {
  const rest: Record<string, unknown> = { ...config };
  for (const field of CONFIG_HASH_EXCLUDED_FIELDS) delete rest[field];
  const { preset: _label, ...knobs } = resolveObjective(config.objective);
  return canonicalJson({ ...rest, objective: knobs });
}
