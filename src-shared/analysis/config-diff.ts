/**
 * Config diff of the runs selected for comparison: only the dotted paths whose values differ, with
 * each config's value. Works on any nested JSON (stored run configs verbatim), not on the RunConfig
 * type, so configs from older app versions diff too. It does not validate or fill defaults: diff
 * configs as stored, or normalise them first (validateRunConfig) to hide default-vs-absent noise.
 */

/** One differing leaf: its dotted path and each config's value there (undefined where absent). */
export interface ConfigDifference {
  /** e.g. "objective.preset", "qkClip.tau"; keys that are not identifiers are written ["like.this"]. */
  readonly path: string;
  /** One entry per config, in input order; undefined where that config lacks the path. */
  readonly values: readonly unknown[];
}

/** Options of diffConfigs. */
export interface ConfigDiffOptions {
  /** Paths to leave out, with everything under them (e.g. ["seed"] when seeds are shown elsewhere). */
  readonly ignore?: readonly string[];
}

/**
 * The leaves at which the configs differ, in first-seen key order. Plain objects are descended
 * into; arrays, primitives, null and empty objects are leaves compared by deep equality (key order
 * does not matter). A path present in some configs and absent from others differs. Fewer than two
 * configs differ nowhere.
 */
export function diffConfigs(configs: readonly unknown[], options: ConfigDiffOptions = {}): ConfigDifference[] {
  if (configs.length < 2) return [];
  const ignore = options.ignore ?? [];
  const flat = configs.map(flattenConfig);
  const paths = new Set<string>();
  for (const leaves of flat) for (const path of leaves.keys()) paths.add(path);
  const differences: ConfigDifference[] = [];
  for (const path of paths) {
    if (ignore.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`))) continue;
    const values = flat.map((leaves) => leaves.get(path));
    const first = values[0];
    if (values.some((v) => !deepEqual(v, first))) differences.push({ path, values });
  }
  return differences;
}

/**
 * The leaves of a nested config by dotted path (see diffConfigs for what counts as a leaf).
 * Properties whose value is undefined are absent, as in JSON. A root that is not a plain object is
 * one leaf at path "".
 */
export function flattenConfig(config: unknown): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const visit = (value: unknown, path: string): void => {
    if (value === undefined) return;
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) visit(child, joinPath(path, key));
    } else {
      leaves.set(path, value);
    }
  };
  visit(config, '');
  return leaves;
}

function joinPath(parent: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    if (keys.length !== otherKeys.length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
