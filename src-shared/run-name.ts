/**
 * The one rule for a run's name, used wherever a run is created (launch form and API, `hmpo-lab run`,
 * the store's fallback): the name given, else the config's own name, else "preset · task"; the seed
 * is appended when it is what tells the runs apart (several seeds launched together, or nothing
 * named the run). Sweeps name their cells themselves (sweep.ts).
 */
import type { RunConfig } from './run-config.js';

type NamedConfig = Pick<RunConfig, 'name' | 'task' | 'seed'> & { readonly objective: Pick<RunConfig['objective'], 'preset'> };

export function runName(config: NamedConfig, options: { readonly given?: string | undefined; readonly severalSeeds?: boolean } = {}): string {
  const named = options.given ?? (config.name === '' ? null : config.name);
  const label = named ?? `${config.objective.preset} · ${config.task}`;
  return options.severalSeeds || named === null ? `${label} · seed ${config.seed}` : label;
}
