/**
 * The runs table's column arithmetic: column ids from URLs, every config key the runs have (varying
 * ones first), added columns' values (config defaults filled in, metric summaries), `key=value` /
 * `key>n` filter terms, and which columns fit a width (low priority hides first, order kept).
 */
import { describe, expect, it } from 'vitest';
import {
  columnSpecs,
  configKeysOf,
  extraCellValue,
  FIXED_WIDTH_REM,
  fitColumns,
  matchesTerm,
  nameColumnRem,
  NO_METRIC_CELLS,
  parseColumnId,
  parseColumnTerm,
  parseGroupBy,
  withMetricSummaries,
} from './run-columns.js';
import { makeRun } from './testing/fake-api.js';

describe('column ids', () => {
  it('accepts built-in, config-key and metric columns and refuses anything else', () => {
    expect(parseColumnId('lastReward')).toBe('lastReward');
    expect(parseColumnId('config:model.dModel')).toBe('config:model.dModel');
    expect(parseColumnId('metric:charts/reward_mean:max')).toBe('metric:charts/reward_mean:max');
    for (const bad of ['config:', 'config:model..x', 'config:1a', 'metric:charts/nope:last', 'metric:charts/reward_mean:median', 'bogus', '']) expect(parseColumnId(bad)).toBeNull();
    expect(parseGroupBy('seeds')).toBe('seeds');
    expect(parseGroupBy('config:objective.preset')).toBe('config:objective.preset');
    expect(parseGroupBy('metric:charts/reward_mean:last')).toBeNull();
  });
});

describe('config keys and cell values', () => {
  const runs = [
    makeRun({ id: 'a', config: { 'objective.preset': 'hmpo', 'model.dModel': 32 } }),
    makeRun({ id: 'b', config: { 'objective.preset': 'gspo', 'model.dModel': 32 } }),
    makeRun({ id: 'c', config: { 'objective.preset': 'gspo', 'model.dModel': 32, 'objective.p': -1 } }),
  ];

  it('lists every config key (defaults included), those that differ between runs first', () => {
    const keys = configKeysOf(runs);
    expect(keys.slice(0, 2)).toEqual([
      { key: 'objective.p', varies: true },
      { key: 'objective.preset', varies: true },
    ]);
    expect(keys).toContainEqual({ key: 'model.dModel', varies: false });
    expect(keys).toContainEqual({ key: 'optimizer.learningRate', varies: false });
    expect(keys.map((k) => k.key)).not.toContain('seed');
  });

  it('reads a config column from the run, else the default, and a metric column from the summaries', () => {
    expect(extraCellValue(runs[0]!, 'config:model.dModel', NO_METRIC_CELLS)).toBe(32);
    expect(extraCellValue(runs[0]!, 'config:model.nHeads', NO_METRIC_CELLS)).toBe(4);
    expect(extraCellValue(runs[0]!, 'config:objective.p', NO_METRIC_CELLS)).toBeNull();
    const cells = withMetricSummaries(NO_METRIC_CELLS, [{ runId: 'a', key: 'charts/reward_mean', last: 0.4, min: 0.1, max: 0.9 }]);
    expect(extraCellValue(runs[0]!, 'metric:charts/reward_mean:last', cells)).toBe(0.4);
    expect(extraCellValue(runs[0]!, 'metric:charts/reward_mean:max', cells)).toBe(0.9);
    expect(extraCellValue(runs[1]!, 'metric:charts/reward_mean:last', cells)).toBeNull();
    // A refetch for one run keeps the others' cells.
    const next = withMetricSummaries(cells, [{ runId: 'b', key: 'charts/reward_mean', last: 0.2, min: 0, max: 0.3 }]);
    expect(extraCellValue(runs[0]!, 'metric:charts/reward_mean:last', next)).toBe(0.4);
    expect(extraCellValue(runs[1]!, 'metric:charts/reward_mean:last', next)).toBe(0.2);
  });
});

describe('filter terms', () => {
  it('reads config keys, metric keys (last unless named) and built-in columns; other words are search terms', () => {
    expect(parseColumnTerm('model.dModel=64')).toEqual({ column: 'config:model.dModel', op: '=', value: '64' });
    expect(parseColumnTerm('charts/reward_mean>0.5')).toEqual({ column: 'metric:charts/reward_mean:last', op: '>', value: '0.5' });
    expect(parseColumnTerm('charts/reward_mean:max>=0.5')).toEqual({ column: 'metric:charts/reward_mean:max', op: '>=', value: '0.5' });
    expect(parseColumnTerm('seed!=0')).toEqual({ column: 'seed', op: '!=', value: '0' });
    expect(parseColumnTerm('hmpo')).toBeNull();
    expect(parseColumnTerm('nosuch.key=1')).toBeNull();
  });

  it('compares numbers as numbers and text without case; an empty cell passes only !=', () => {
    const term = (op: '=' | '>' | '<' | '!=', value: string) => ({ column: 'seed' as const, op, value });
    expect(matchesTerm(10, term('>', '9'))).toBe(true);
    expect(matchesTerm(10, term('<', '9'))).toBe(false);
    expect(matchesTerm('HMPO', term('=', 'hmpo'))).toBe(true);
    expect(matchesTerm(null, term('=', '1'))).toBe(false);
    expect(matchesTerm(null, term('!=', '1'))).toBe(true);
  });
});

describe('fitting the width', () => {
  const total = (specs: { widthRem: number }[]) => FIXED_WIDTH_REM + specs.reduce((sum, s) => sum + s.widthRem, 0);

  it('shows every column when there is room', () => {
    const specs = columnSpecs([]);
    expect(fitColumns(specs, total(specs)).hidden).toEqual([]);
  });

  it('at a 1280 px window (about 88.8 rem of table at the app\'s 14 px rem) hides only the start time', () => {
    expect(fitColumns(columnSpecs([]), 88.8).hidden.map((s) => s.id)).toEqual(['startedAt']);
  });

  it('hides the lowest priority first, keeps the order, never hides status or name, and fits what it shows', () => {
    const specs = columnSpecs(['config:model.dModel', 'metric:charts/reward_mean:last']);
    const { shown, hidden } = fitColumns(specs, 64); // a 1024 px window at 16 px per rem
    expect(total(shown)).toBeLessThanOrEqual(64);
    expect(hidden.map((s) => s.id)).toContain('startedAt');
    expect(hidden[0]!.id).toBe('task'); // the hidden ones in table order
    expect(shown.map((s) => s.id).slice(0, 2)).toEqual(['status', 'name']);
    // Added columns outrank built-ins: the user asked for them.
    expect(shown.map((s) => s.id)).toEqual(expect.arrayContaining(['config:model.dModel', 'metric:charts/reward_mean:last']));
    expect(shown.map((s) => s.id)).toEqual(specs.filter((s) => shown.includes(s)).map((s) => s.id));
    // However narrow, status and name stay.
    expect(fitColumns(specs, 10).shown.map((s) => s.id)).toEqual(['status', 'name']);
  });

  it('widens the name column to its longest group label, so lower-priority columns hide before a label clips', () => {
    // A 28 rem label ("hmpo · pattern-dense · adamw · learningRate=0.003" and its arrow) at a 1024 px window.
    const nameRem = nameColumnRem(28, 64);
    expect(nameRem).toBe(28);
    const { shown, hidden } = fitColumns(columnSpecs([], nameRem), 64);
    expect(shown.find((s) => s.id === 'name')!.widthRem).toBe(28);
    expect(total(shown)).toBeLessThanOrEqual(64);
    expect(hidden.length).toBeGreaterThan(fitColumns(columnSpecs([]), 64).hidden.length);
    // Short labels keep the usual width; a label wider than the window takes what is left beside status.
    expect(nameColumnRem(4, 64)).toBe(9);
    expect(nameColumnRem(0, Infinity)).toBe(9);
    expect(nameColumnRem(200, 64)).toBe(64 - FIXED_WIDTH_REM - 6);
    expect(total(fitColumns(columnSpecs([], nameColumnRem(200, 64)), 64).shown)).toBeLessThanOrEqual(64);
  });
});
