/**
 * The app's view state as a URL hash, both ways: the view and what it shows (#/runs, #/runs/5 for
 * a run, #/sweeps/3, #/launch, #/compare), the runs table's selection, grouping, sort and filters,
 * and the comparison's metric, x axis, smoothing, band, target, log y and seeds, and the charts' x
 * zoom (`zoom=min,max`, for the Run and Compare views). Defaults are left
 * out so links stay short; anything unparsable falls back to its default instead of failing, since
 * a hand-edited or old link should still open the app. Pure: url-sync.svelte.ts applies it.
 */
import type { BandKind, RunStatus, XAxis } from '../../src-shared/contract.js';
import { isXRange, type XRange } from './charts/chart-zoom.svelte.js';
import { DEFAULT_COMPARE_SETTINGS, parseTarget, type CompareSettings } from './compare-settings.js';
import { RUN_STATUSES } from '../../src-shared/contract.js';
import { isMetricKey } from '../../src-shared/metrics.js';
import { OBJECTIVE_PRESETS, type ObjectivePreset } from '../../src-shared/objective-config.js';
import { TASK_NAMES, type TaskName } from '../../src-shared/tasks.js';
import { VIEWS, type View } from './navigation-state.svelte.js';
import { EMPTY_FILTER, type RunFilter, type RunSort } from './run-table.js';
import { isConfigColumn, parseColumnId, type ConfigColumn, type ExtraColumn } from './run-columns.js';

export const DEFAULT_SORT: RunSort = { column: 'startedAt', direction: 'desc' };

export interface ViewState {
  readonly view: View;
  readonly runId: string | null;
  readonly sweepId: string | null;
  readonly compareRunIds: readonly string[];
  readonly compare: CompareSettings;
  readonly selected: readonly string[];
  readonly grouped: boolean;
  readonly sort: RunSort;
  readonly filter: RunFilter;
  /** The config key the runs table groups by; null with `grouped`: seeds of one config. */
  readonly groupBy: ConfigColumn | null;
  /** Columns added to the runs table, in order. */
  readonly columns: readonly ExtraColumn[];
  /** The x range the view's charts are zoomed to; null when unzoomed. */
  readonly zoom: XRange | null;
}

export const DEFAULT_VIEW_STATE: ViewState = {
  view: 'runs',
  runId: null,
  sweepId: null,
  compareRunIds: [],
  compare: DEFAULT_COMPARE_SETTINGS,
  selected: [],
  grouped: false,
  sort: DEFAULT_SORT,
  filter: EMPTY_FILTER,
  groupBy: null,
  columns: [],
  zoom: null,
};

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const BANDS: readonly BandKind[] = ['std', 'se', 'ci95', 'minmax'];
const X_AXES: readonly XAxis[] = ['step', 'samples', 'wallTime'];

/** "1,2,3,7,9,10,11" -> "1-3,7,9-11": numeric ids as ranges, others as they are. */
export function encodeIds(ids: readonly string[]): string {
  const numeric = ids.filter((id) => /^\d+$/.test(id)).map(Number).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < numeric.length; ) {
    let j = i;
    while (j + 1 < numeric.length && numeric[j + 1] === numeric[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${numeric[i]}-${numeric[j]}` : numeric.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return [...parts, ...ids.filter((id) => !/^\d+$/.test(id))].filter((p) => p !== '').join(',');
}

/** The inverse of encodeIds; bad parts are dropped, huge ranges refused. */
export function decodeIds(text: string | null): string[] {
  if (!text) return [];
  const ids: string[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to >= from && to - from <= 100_000) for (let n = from; n <= to; n++) ids.push(String(n));
    } else if (ID.test(part)) ids.push(part);
  }
  return [...new Set(ids)];
}

const oneOf = <T extends string>(values: readonly T[], text: string | null, fallback: T): T => (text !== null && (values as readonly string[]).includes(text) ? (text as T) : fallback);
const orNull = <T extends string>(values: readonly T[], text: string | null): T | null => (text !== null && (values as readonly string[]).includes(text) ? (text as T) : null);

/** "12,23.5" -> {min: 12, max: 23.5}; anything else (one number, min >= max, not finite) -> null. */
export function parseZoom(text: string | null): XRange | null {
  const parts = (text ?? '').split(',');
  if (parts.length !== 2 || parts.some((p) => p.trim() === '')) return null;
  const [min, max] = parts.map(Number) as [number, number];
  const range = { min, max };
  return isXRange(range) ? range : null;
}

/** A target as typed, or '' (the task default) when it is not a number: a bad link still draws the comparison. */
const targetOf = (text: string | null): string => {
  const target = (text ?? '').slice(0, 40);
  return parseTarget(target).error === null ? target : '';
};

/** Reads a hash ("#/compare?runs=1-3&smooth=0.6"); whatever is missing or bad takes its default. */
export function parseHash(hash: string): ViewState {
  const body = hash.replace(/^#/, '');
  const [pathText = '', queryText = ''] = body.split('?', 2) as [string?, string?];
  const [viewText, idText] = pathText.replace(/^\//, '').split('/');
  const q = new URLSearchParams(queryText);
  const view = oneOf(VIEWS, viewText ?? null, 'runs');
  const id = idText !== undefined && ID.test(idText) ? idText : null;
  const smoothing = Number(q.get('smooth') ?? 0);
  const metric = q.get('metric');
  const sortText = q.get('sort');
  // Added columns hold colons themselves ("metric:charts/reward_mean:last"): the direction is after the last.
  const sortColumn = sortText ? parseColumnId(sortText.slice(0, sortText.lastIndexOf(':') === -1 ? undefined : sortText.lastIndexOf(':'))) : null;
  const sortDirection = sortText?.slice(sortText.lastIndexOf(':') + 1);
  const groupText = q.get('group');
  const groupBy = groupText !== null && isConfigColumn(groupText) ? groupText : null;
  const columns = (q.get('cols') ?? '').split(',').map(parseColumnId).filter((c): c is ExtraColumn => c !== null && c.includes(':'));
  return {
    view,
    runId: view === 'runs' ? id : null,
    sweepId: view === 'sweeps' ? id : null,
    compareRunIds: decodeIds(q.get('runs')),
    compare: {
      metric: metric !== null && isMetricKey(metric) ? metric : DEFAULT_COMPARE_SETTINGS.metric,
      x: oneOf(X_AXES, q.get('x'), DEFAULT_COMPARE_SETTINGS.x),
      smoothing: Number.isFinite(smoothing) ? Math.min(0.99, Math.max(0, smoothing)) : 0,
      band: oneOf(BANDS, q.get('band'), DEFAULT_COMPARE_SETTINGS.band),
      target: targetOf(q.get('target')),
      logY: q.get('logy') === '1',
      showSeeds: q.get('seeds') === '1',
    },
    selected: decodeIds(q.get('sel')),
    grouped: groupText === '1' || groupBy !== null,
    groupBy,
    columns: [...new Set(columns)].slice(0, 64),
    sort: sortColumn ? { column: sortColumn, direction: sortDirection === 'asc' ? 'asc' : 'desc' } : DEFAULT_SORT,
    filter: {
      text: (q.get('q') ?? '').slice(0, 200),
      task: orNull<TaskName>(TASK_NAMES, q.get('task')),
      preset: orNull<ObjectivePreset>(OBJECTIVE_PRESETS, q.get('preset')),
      status: orNull<RunStatus>(RUN_STATUSES, q.get('status')),
      tag: q.get('tag'),
      sweepId: q.get('sweep') !== null && ID.test(q.get('sweep')!) ? q.get('sweep') : null,
    },
    zoom: parseZoom(q.get('zoom')),
  };
}

/** The path part only ("/runs/5"): a change of it is a new history entry, other changes replace the current one. */
export function pathOf(state: Pick<ViewState, 'view' | 'runId' | 'sweepId' | 'compareRunIds'>): string {
  if (state.view === 'runs' && state.runId !== null) return `/runs/${state.runId}`;
  if (state.view === 'sweeps' && state.sweepId !== null) return `/sweeps/${state.sweepId}`;
  if (state.view === 'compare') return `/compare?runs=${encodeIds(state.compareRunIds)}`;
  return `/${state.view}`;
}

/** Writes the state as a hash, leaving out every default. */
export function formatHash(state: ViewState): string {
  const q = new URLSearchParams();
  const c = state.compare;
  const d = DEFAULT_COMPARE_SETTINGS;
  if (state.view === 'compare' || state.compareRunIds.length > 0) {
    if (c.metric !== d.metric) q.set('metric', c.metric);
    if (c.x !== d.x) q.set('x', c.x);
    if (c.smoothing !== d.smoothing) q.set('smooth', String(c.smoothing));
    if (c.band !== d.band) q.set('band', c.band);
    if (c.target.trim() !== '') q.set('target', c.target.trim());
    if (c.logY) q.set('logy', '1');
    if (c.showSeeds) q.set('seeds', '1');
  }
  if (state.selected.length > 0) q.set('sel', encodeIds(state.selected));
  if (state.grouped) q.set('group', state.groupBy ?? '1');
  if (state.columns.length > 0) q.set('cols', state.columns.join(','));
  if (state.sort.column !== DEFAULT_SORT.column || state.sort.direction !== DEFAULT_SORT.direction) q.set('sort', `${state.sort.column}:${state.sort.direction}`);
  const f = state.filter;
  if (f.text !== '') q.set('q', f.text);
  if (f.task !== null) q.set('task', f.task);
  if (f.preset !== null) q.set('preset', f.preset);
  if (f.status !== null) q.set('status', f.status);
  if (f.tag !== null) q.set('tag', f.tag);
  if (f.sweepId !== null) q.set('sweep', f.sweepId);
  if (state.zoom !== null) q.set('zoom', `${state.zoom.min},${state.zoom.max}`);
  // Compare ids live in the path (a new comparison is a new history entry); elsewhere they ride along
  // so that Back to the comparison after leaving it restores the same runs.
  if (state.view !== 'compare' && state.compareRunIds.length > 0) q.set('runs', encodeIds(state.compareRunIds));
  const path = pathOf(state);
  const query = q.toString().replace(/%2F/g, '/').replace(/%2C/g, ',').replace(/%3A/g, ':');
  if (query === '') return `#${path}`;
  return `#${path}${path.includes('?') ? '&' : '?'}${query}`;
}
