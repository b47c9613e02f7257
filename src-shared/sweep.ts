/**
 * Expands a sweep (base config x the product of its axes x seeds) into validated run configs. The
 * same seeds go into every cell so comparisons between mean types are paired, and two cells that
 * would train the same thing are refused. Pure: the run manager records and launches what this
 * returns; the renderer previews it. The built-in plans live in plans/plans.ts.
 */
import type { SweepPreview, SweepSpec } from './contract.js';
import { err, ok, type Result } from './result.js';
import { validateRunConfig, type RunConfig } from './run-config.js';
import { trainingKey } from './plans/training-key.js';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep merge of plain objects (b wins); arrays and scalars are replaced. */
export function deepMerge(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Sets `value` at a dotted path ('' merges an object value into the root). */
function setPath(config: JsonObject, path: string, value: unknown): JsonObject {
  if (path === '') {
    if (!isObject(value)) throw new TypeError(`an axis with path '' needs partial-config objects as values, got ${JSON.stringify(value)}`);
    return deepMerge(config, value);
  }
  const [head, ...rest] = path.split('.');
  const key = head!;
  if (rest.length === 0) {
    const current = config[key];
    return { ...config, [key]: isObject(current) && isObject(value) && key !== 'objective' ? deepMerge(current, value) : value };
  }
  const child = isObject(config[key]) ? (config[key] as JsonObject) : {};
  return { ...config, [key]: setPath(child, rest.join('.'), value) };
}

function valueLabel(value: unknown): string {
  if (isObject(value)) {
    if (typeof value.preset === 'string') return Object.entries(value).map(([k, v]) => (k === 'preset' ? String(v) : `${k}=${JSON.stringify(v)}`)).join(' ');
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * The most runs (cells x seeds) one sweep may hold. The product of the axes grows fast: 3 axes of
 * 1000 values is 10^9 cells, which would exhaust memory long before anything could be refused, so
 * the size is computed from the axis lengths first and checked against this cap (one cap for the
 * preview, the launch from the UI or HTTP, and `hmpo-lab sweep`).
 */
export const MAX_SWEEP_RUNS = 5000;

/** A sweep over MAX_SWEEP_RUNS: refused before any cell is built. */
export class SweepTooLargeError extends Error {
  override readonly name = 'SweepTooLargeError';
  readonly code = 'SWEEP_TOO_LARGE';
}

/** Cells x seeds, from the axis lengths alone (a float: 8 axes of 1000 values still fit). */
export function sweepSize(spec: SweepSpec): number {
  return spec.axes.reduce((size, axis) => size * axis.values.length, spec.seeds.length);
}

/** Null when the sweep is within the cap, else one line that says how big it is and what to do. */
export function sweepSizeProblem(spec: SweepSpec): string | null {
  const size = sweepSize(spec);
  if (size <= MAX_SWEEP_RUNS) return null;
  const factors = [...spec.axes.map((a) => `${a.values.length}`), `${spec.seeds.length} seed(s)`].join(' x ');
  const shown = size < 1e15 ? size.toLocaleString('en-US') : size.toExponential(1);
  return `the sweep would hold ${shown} runs (${factors}), more than the ${MAX_SWEEP_RUNS.toLocaleString('en-US')} one sweep may hold; use fewer values per axis or fewer seeds`;
}

export interface SweepCell {
  readonly label: string;
  readonly overrides: JsonObject;
  readonly input: JsonObject;
}

/** The cells of the sweep's axis product, before seeds. */
export function sweepCells(spec: SweepSpec): SweepCell[] {
  const tooBig = sweepSizeProblem(spec);
  if (tooBig !== null) throw new SweepTooLargeError(tooBig);
  let cells: SweepCell[] = [{ label: '', overrides: {}, input: { ...(spec.base as JsonObject) } }];
  for (const axis of spec.axes) {
    const next: SweepCell[] = [];
    for (const cell of cells) {
      axis.values.forEach((value, i) => {
        const label = axis.labels?.[i] ?? (axis.path === '' || isObject(value) ? valueLabel(value) : `${axis.path.split('.').at(-1)}=${valueLabel(value)}`);
        next.push({
          label: cell.label === '' ? label : `${cell.label} · ${label}`,
          overrides: { ...cell.overrides, [axis.path === '' ? '(root)' : axis.path]: value },
          input: setPath(cell.input, axis.path, value),
        });
      });
    }
    cells = next;
  }
  return cells;
}

export function previewSweep(spec: SweepSpec): SweepPreview {
  const cells = sweepCells(spec);
  return { count: cells.length * spec.seeds.length, cells: cells.map(({ label, overrides }) => ({ label, overrides })), seeds: [...spec.seeds] };
}

export interface ExpandedRun {
  readonly name: string;
  readonly config: RunConfig;
  /** The run's name without the sweep's: its cell's label and seed (what the runs table shows; the sweep is a column of its own). */
  readonly runName: string;
}

/**
 * Every run of the sweep, validated. One invalid cell refuses the whole sweep with a message per
 * problem that names the cell, so nothing is half-launched. So do two cells that train the same
 * configuration (same config hash once the objective is resolved to its knobs, e.g. hmpo and
 * power p=-1): they would be one arm counted twice.
 */
export function expandSweep(spec: SweepSpec): Result<ExpandedRun[]> {
  let cells: SweepCell[];
  try {
    cells = sweepCells(spec);
  } catch (error) {
    return err(error instanceof SweepTooLargeError ? error.code : 'INVALID_SWEEP', (error as Error).message);
  }
  const runs: ExpandedRun[] = [];
  const problems: string[] = [];
  const cellByKey = new Map<string, { index: number; label: string }>();
  for (const [index, cell] of cells.entries()) {
    for (const seed of spec.seeds) {
      const result = validateRunConfig({ ...cell.input, seed });
      if (!result.ok) {
        problems.push(...result.error.message.split('\n').map((line) => `${cell.label || 'base'}: ${line}`));
        break; // the same problem would repeat for every seed
      }
      const label = cell.label || result.value.objective.preset;
      const key = trainingKey(result.value);
      const twin = cellByKey.get(key);
      if (twin !== undefined && twin.index !== index) {
        problems.push(`cells '${twin.label}' and '${label}' train the same configuration (same config hash once presets are resolved to their knobs); drop one of them`);
        break;
      }
      cellByKey.set(key, { index, label });
      runs.push({ name: `${spec.name ? `${spec.name} · ` : ''}${label} · seed ${seed}`, config: result.value, runName: `${label} · seed ${seed}` });
    }
  }
  return problems.length > 0 ? err('INVALID_SWEEP', [...new Set(problems)].join('\n')) : ok(runs);
}
