/**
 * The runs table's columns as data: the built-in ones, the ones a user adds from config keys
 * ("config:model.dModel") and metric summaries ("metric:charts/reward_mean:last"), their values per
 * run, `key=value` / `key>0.5` filter terms over any of them, and which columns fit a width (low
 * priority hides first). Pure: RunsState and the table components use it; it holds no state.
 */
import { configCellOf, DEFAULT_CONFIG_CELLS } from '../../src-shared/config-cells.js';
import type { ConfigCell, RunMetricSummary, RunSummary } from '../../src-shared/contract.js';
import { isMetricKey, type MetricKey } from '../../src-shared/metrics.js';

export const RUN_COLUMNS = ['status', 'name', 'task', 'preset', 'seed', 'sweep', 'lastReward', 'bestReward', 'progress', 'wallTime', 'startedAt'] as const;
export type RunColumn = (typeof RUN_COLUMNS)[number];

/** Which summary of a metric a column shows. */
export const METRIC_STATS = ['last', 'min', 'max'] as const;
export type MetricStat = (typeof METRIC_STATS)[number];

export type ConfigColumn = `config:${string}`;
export type MetricColumn = `metric:${MetricKey}:${MetricStat}`;
/** A column the user added. */
export type ExtraColumn = ConfigColumn | MetricColumn;
export type ColumnId = RunColumn | ExtraColumn;
/** How rows are grouped: seeds of one config, or runs sharing a config key's value. */
export type GroupBy = 'seeds' | ConfigColumn;

/** Metric summaries per run id, by `${key}:${stat}` (what metric columns read). */
export type MetricCells = ReadonlyMap<string, ReadonlyMap<string, number | null>>;
export const NO_METRIC_CELLS: MetricCells = new Map();

/**
 * Natural text order ("run 2" before "run 10"), as `localeCompare(b, undefined, { numeric: true })`
 * orders but from one collator: that call builds a collator each time, ~25x slower, which made
 * sorting 10,000 runs by a text column take ~300 ms (on every live update).
 */
export const naturalCompare: (a: string, b: string) => number = new Intl.Collator(undefined, { numeric: true }).compare;

const CONFIG_KEY = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

export const configColumn = (key: string): ConfigColumn => `config:${key}`;
export const metricColumn = (key: MetricKey, stat: MetricStat): MetricColumn => `metric:${key}:${stat}`;
export const isConfigColumn = (id: string): id is ConfigColumn => id.startsWith('config:') && CONFIG_KEY.test(id.slice(7));

export function isMetricColumn(id: string): id is MetricColumn {
  if (!id.startsWith('metric:')) return false;
  const colon = id.lastIndexOf(':');
  return colon > 7 && isMetricKey(id.slice(7, colon)) && (METRIC_STATS as readonly string[]).includes(id.slice(colon + 1));
}

/** The metric key and statistic of a metric column. */
export function metricOf(id: MetricColumn): { key: MetricKey; stat: MetricStat } {
  const colon = id.lastIndexOf(':');
  return { key: id.slice(7, colon) as MetricKey, stat: id.slice(colon + 1) as MetricStat };
}

/** A column id from a URL or a caller; null when it names no column. */
export function parseColumnId(text: string): ColumnId | null {
  if ((RUN_COLUMNS as readonly string[]).includes(text)) return text as RunColumn;
  return isConfigColumn(text) || isMetricColumn(text) ? text : null;
}

export function parseGroupBy(text: string | null): GroupBy | null {
  if (text === 'seeds') return 'seeds';
  return text !== null && isConfigColumn(text) ? text : null;
}

const BUILT_IN_LABELS: Readonly<Record<RunColumn, string>> = {
  status: 'Status',
  name: 'Name',
  task: 'Task',
  preset: 'Mean type',
  seed: 'Seed',
  sweep: 'Sweep',
  lastReward: 'Last reward',
  bestReward: 'Best reward',
  progress: 'Steps',
  wallTime: 'Wall time',
  startedAt: 'Started',
};

export function columnLabel(id: ColumnId): string {
  if (isConfigColumn(id)) return id.slice(7);
  if (isMetricColumn(id)) {
    const { key, stat } = metricOf(id);
    return `${key} (${stat})`;
  }
  return BUILT_IN_LABELS[id as RunColumn];
}

/** The value of an added column for a run: a config leaf (the default's when the run kept it) or a metric summary. */
export function extraCellValue(run: RunSummary, column: ExtraColumn, metrics: MetricCells): ConfigCell {
  return extraCellReader(column, metrics)(run);
}

/** extraCellValue with the column read once, for a pass over 10,000 runs (sorting, grouping, filtering). */
export function extraCellReader(column: ExtraColumn, metrics: MetricCells): (run: RunSummary) => ConfigCell {
  const key = column.slice(7);
  if (column.startsWith('config:')) return (run) => configCellOf(run.config, key) ?? null;
  return (run) => metrics.get(run.id)?.get(key) ?? null;
}

/** Adds main's metric summaries to `cells` (a new map; runs not in `values` keep what they had). */
export function withMetricSummaries(cells: MetricCells, values: readonly RunMetricSummary[]): MetricCells {
  const next = new Map(cells) as Map<string, ReadonlyMap<string, number | null>>;
  const touched = new Map<string, Map<string, number | null>>();
  for (const v of values) {
    let row = touched.get(v.runId);
    if (row === undefined) touched.set(v.runId, (row = new Map(next.get(v.runId) ?? [])));
    row.set(`${v.key}:last`, v.last);
    row.set(`${v.key}:min`, v.min);
    row.set(`${v.key}:max`, v.max);
  }
  for (const [runId, row] of touched) next.set(runId, row);
  return next;
}

/**
 * Every config key the runs have, those whose value differs between runs first, each part
 * alphabetical. One pass over the sparse cells: a key some runs set and others leave at the
 * default varies, as does one set to different values.
 */
export function configKeysOf(runs: readonly RunSummary[]): { key: string; varies: boolean }[] {
  const seen = new Map<string, { count: number; first: ConfigCell; differs: boolean }>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.config ?? {})) {
      const entry = seen.get(key);
      if (entry === undefined) seen.set(key, { count: 1, first: value, differs: false });
      else {
        entry.count++;
        if (entry.first !== value) entry.differs = true;
      }
    }
  }
  const keys = new Set([...Object.keys(DEFAULT_CONFIG_CELLS), ...seen.keys()]);
  const varies = (key: string) => {
    const entry = seen.get(key);
    return entry !== undefined && (entry.differs || entry.count < runs.length);
  };
  return [...keys].map((key) => ({ key, varies: varies(key) })).sort((a, b) => Number(b.varies) - Number(a.varies) || a.key.localeCompare(b.key));
}

/** A cell as text: numbers to four significant digits (config values as written), nothing as '—'. */
export function formatCell(value: ConfigCell | undefined, column: ExtraColumn): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && isMetricColumn(column)) return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : '—';
  return String(value);
}

// ---- filter terms: `model.dModel=64`, `charts/reward_mean>0.5`, `seed!=0` ----

export type TermOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export interface ColumnTerm {
  readonly column: ColumnId;
  readonly op: TermOperator;
  readonly value: string;
}

const TERM = /^([A-Za-z][\w./:-]*?)(<=|>=|!=|=|<|>)(.+)$/;

/**
 * A text-filter term that tests a column: the left side is a built-in column ("seed"), a config
 * key ("model.dModel"), or a metric key with an optional statistic ("charts/reward_mean",
 * "charts/reward_mean:max"; last when left out). Null: an ordinary search term.
 */
export function parseColumnTerm(term: string, configKeys: ReadonlySet<string> = new Set(Object.keys(DEFAULT_CONFIG_CELLS))): ColumnTerm | null {
  const match = TERM.exec(term);
  if (!match) return null;
  const [, left, op, value] = match as unknown as [string, string, TermOperator, string];
  if ((RUN_COLUMNS as readonly string[]).includes(left)) return { column: left as RunColumn, op, value };
  if (configKeys.has(left)) return { column: configColumn(left), op, value };
  if (isMetricKey(left)) return { column: metricColumn(left, 'last'), op, value };
  const full = `metric:${left}`;
  if (isMetricColumn(full)) return { column: full, op, value };
  return null;
}

/** Whether a cell passes a term: numbers compare as numbers, anything else as case-insensitive text; an empty cell passes only `!=`. */
export function matchesTerm(cell: string | number | boolean | null, term: ColumnTerm): boolean {
  if (cell === null) return term.op === '!=';
  const wanted = Number(term.value);
  const numeric = typeof cell === 'number' && term.value.trim() !== '' && Number.isFinite(wanted);
  // The sign of the cell against the wanted value (NaN for a NaN cell, which passes only !=).
  const order = numeric ? (cell as number) - wanted : naturalCompare(String(cell).toLowerCase(), term.value.toLowerCase());
  switch (term.op) {
    case '=': return order === 0;
    case '!=': return order !== 0;
    case '<': return order < 0;
    case '<=': return order <= 0;
    case '>': return order > 0;
    case '>=': return order >= 0;
  }
}

// ---- fitting the width ----

export interface ColumnSpec {
  readonly id: ColumnId;
  readonly label: string;
  /** Width in rem the cells are laid out at (the name column takes any slack on top of its own). */
  readonly widthRem: number;
  /** Higher stays longer; status and name never hide. */
  readonly priority: number;
  readonly numeric: boolean;
}

/** The select box and the row buttons: always there, never hidden. */
export const FIXED_WIDTH_REM = 2.4 + 10.5;

// Widths are what the longest usual content needs (a "pattern-dense" task, a "0.063 ± 0.010" group
// mean, Stop and Actions… side by side); at the default 1280 px window (14 px rem) all but the
// start time fits.
const BUILT_IN_SPECS: Readonly<Record<RunColumn, Omit<ColumnSpec, 'id' | 'label'>>> = {
  status: { widthRem: 6, priority: Infinity, numeric: false },
  name: { widthRem: 9, priority: Infinity, numeric: false },
  task: { widthRem: 7.5, priority: 50, numeric: false },
  preset: { widthRem: 7.5, priority: 80, numeric: false },
  seed: { widthRem: 4, priority: 60, numeric: true },
  sweep: { widthRem: 7, priority: 35, numeric: false },
  lastReward: { widthRem: 9, priority: 90, numeric: true },
  bestReward: { widthRem: 9, priority: 70, numeric: true },
  progress: { widthRem: 8.5, priority: 40, numeric: false },
  wallTime: { widthRem: 5, priority: 30, numeric: true },
  startedAt: { widthRem: 8.5, priority: 10, numeric: false },
};

/**
 * The table's columns in order: built-ins, with the added ones after the seed. Added columns rank
 * above every built-in but status and name (the user asked for them), earlier ones above later.
 * `nameWidthRem` widens the name column (nameColumnRem) so group labels show whole.
 */
export function columnSpecs(extras: readonly ExtraColumn[], nameWidthRem: number = BUILT_IN_SPECS.name.widthRem): ColumnSpec[] {
  const spec = (id: RunColumn): ColumnSpec => ({ id, label: BUILT_IN_LABELS[id], ...BUILT_IN_SPECS[id], ...(id === 'name' ? { widthRem: nameWidthRem } : {}) });
  const added = extras.map((id, i): ColumnSpec => ({ id, label: columnLabel(id), widthRem: isMetricColumn(id) ? 9 : 8, priority: 1000 - i, numeric: isMetricColumn(id) }));
  const seedAt = RUN_COLUMNS.indexOf('seed') + 1;
  return [...RUN_COLUMNS.slice(0, seedAt).map(spec), ...added, ...RUN_COLUMNS.slice(seedAt).map(spec)];
}

/** The columns that fit `availableRem` (fixed cells included), lowest priority hidden first; order kept. */
export function fitColumns(specs: readonly ColumnSpec[], availableRem: number): { shown: ColumnSpec[]; hidden: ColumnSpec[] } {
  let total = FIXED_WIDTH_REM + specs.reduce((sum, s) => sum + s.widthRem, 0);
  const hidden = new Set<ColumnSpec>();
  const byPriority = [...specs].filter((s) => Number.isFinite(s.priority)).sort((a, b) => a.priority - b.priority);
  for (const spec of byPriority) {
    if (total <= availableRem) break;
    hidden.add(spec);
    total -= spec.widthRem;
  }
  return { shown: specs.filter((s) => !hidden.has(s)), hidden: specs.filter((s) => hidden.has(s)) };
}

/**
 * The name column's width for labels `labelRem` wide (the longest group label): all of it, so
 * other columns hide before a label is clipped, but no more than the window leaves beside the
 * status column and the fixed cells (the table never scrolls sideways); never under its usual width.
 */
export function nameColumnRem(labelRem: number, availableRem: number): number {
  const room = availableRem - FIXED_WIDTH_REM - BUILT_IN_SPECS.status.widthRem;
  return Math.max(BUILT_IN_SPECS.name.widthRem, Math.min(labelRem, room));
}
