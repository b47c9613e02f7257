/**
 * Builds a run-config input from a config file plus command-line overrides: `--set a.b=value`
 * (dotted paths, repeatable) and shorthand flags (--task, --objective, --seed, --steps). Values
 * parse as JSON when they can (numbers, booleans, null, arrays) and as plain strings otherwise.
 * It builds the input only; validateRunConfig judges it.
 */
import { jsonShapeProblem } from '../../src-shared/json-shape.js';
import { CliError } from './cli-errors.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type ConfigInput = { [key: string]: Json };

/** "0.1" -> 0.1, "true" -> true, "null" -> null, "[1,2]" -> [1, 2], "hmpo" -> "hmpo". */
export function parseOverrideValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** Parses one `key.path=value` override. */
export function parseOverride(text: string): { path: string[]; value: Json } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`--set '${text}': expected key=value, e.g. --set optimizer.learningRate=0.001`);
  const path = text.slice(0, eq).split('.');
  if (path.some((part) => part.trim() === '')) throw new CliError(`--set '${text}': the key '${text.slice(0, eq)}' has an empty part; use dotted names like model.dModel`);
  const value = parseOverrideValue(text.slice(eq + 1));
  const problem = jsonShapeProblem(value);
  if (problem !== null) throw new CliError(`--set '${text}': ${problem.replace(/^\(root\): /, '')}`);
  return { path, value };
}

/** Sets `value` at `path` in a copy of `config`, creating nested objects as needed. */
export function setAtPath(config: ConfigInput, path: readonly string[], value: Json): ConfigInput {
  const [head, ...rest] = path;
  if (head === undefined) return config;
  if (rest.length === 0) return { ...config, [head]: value };
  const child = config[head];
  if (child !== undefined && (typeof child !== 'object' || child === null || Array.isArray(child))) {
    throw new CliError(`--set ${path.join('.')}: '${head}' is not a group of settings, so it has no '${rest[0]}'`);
  }
  return { ...config, [head]: setAtPath((child as ConfigInput | undefined) ?? {}, rest, value) };
}

export interface ShorthandFlags {
  task?: string;
  objective?: string;
  seed?: number;
  steps?: number;
}

/** Applies the shorthand flags, then every --set in order (later ones win). */
export function applyOverrides(base: unknown, flags: ShorthandFlags, sets: readonly string[]): ConfigInput {
  if (base !== undefined && (typeof base !== 'object' || base === null || Array.isArray(base))) {
    throw new CliError('the config file must hold one JSON object of settings');
  }
  let config: ConfigInput = { ...((base as ConfigInput | undefined) ?? {}) };
  if (flags.task !== undefined) config = setAtPath(config, ['task'], flags.task);
  if (flags.objective !== undefined) config = setAtPath(config, ['objective', 'preset'], flags.objective);
  if (flags.seed !== undefined) config = setAtPath(config, ['seed'], flags.seed);
  if (flags.steps !== undefined) config = setAtPath(config, ['totalSteps'], flags.steps);
  for (const text of sets) {
    const { path, value } = parseOverride(text);
    config = setAtPath(config, path, value);
  }
  return config;
}
