/**
 * The URL hash format: every piece of view state survives a round trip, defaults are left out,
 * run id lists are compact, and a bad or hand-edited hash opens the app with defaults instead of failing.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW_STATE, decodeIds, encodeIds, formatHash, parseHash, parseZoom, pathOf, type ViewState } from './url-state.js';

describe('run id lists', () => {
  it('write runs of consecutive ids as ranges and read them back', () => {
    expect(encodeIds(['3', '1', '2', '7', '9', '10', '11', 'abc'])).toBe('1-3,7,9-11,abc');
    expect(encodeIds(['4', '5'])).toBe('4,5');
    expect(decodeIds('1-3,7,9-11,abc')).toEqual(['1', '2', '3', '7', '9', '10', '11', 'abc']);
    expect(decodeIds('5-1,1-999999999,<x>,2')).toEqual(['2']);
  });
});

describe('hash', () => {
  it('is short for the default view', () => {
    expect(formatHash(DEFAULT_VIEW_STATE)).toBe('#/runs');
    expect(parseHash('')).toEqual(DEFAULT_VIEW_STATE);
  });

  it('round-trips a comparison with every control, the selection, grouping, sort and filters', () => {
    const state: ViewState = {
      ...DEFAULT_VIEW_STATE,
      view: 'compare',
      compareRunIds: ['1', '2', '3', '8'],
      compare: { metric: 'losses/policy_loss', x: 'samples', smoothing: 0.6, band: 'minmax', target: '0.9', logY: true, showSeeds: true },
      selected: ['1', '2', '3', '8'],
      grouped: true,
      sort: { column: 'lastReward', direction: 'asc' },
      filter: { text: 'pattern dense', task: 'copy', preset: 'hmpo', status: 'finished', tag: 'grid', sweepId: '4' },
    };
    const hash = formatHash(state);
    expect(hash.startsWith('#/compare?runs=1-3,8&metric=losses/policy_loss&')).toBe(true);
    expect(parseHash(hash)).toEqual(state);
  });

  it('names an open run or sweep in the path, which decides what is a new history entry', () => {
    const run = { ...DEFAULT_VIEW_STATE, runId: '5' };
    expect(formatHash(run)).toBe('#/runs/5');
    expect(parseHash('#/runs/5')).toMatchObject({ view: 'runs', runId: '5' });
    expect(parseHash('#/sweeps/3')).toMatchObject({ view: 'sweeps', sweepId: '3', runId: null });
    expect(pathOf(run)).not.toBe(pathOf(DEFAULT_VIEW_STATE));
    const grouped: ViewState = { ...DEFAULT_VIEW_STATE, grouped: true };
    expect(pathOf(grouped)).toBe(pathOf(DEFAULT_VIEW_STATE));
  });

  it('keeps the compared runs while another view shows, so Back to Compare has them', () => {
    const hash = formatHash({ ...DEFAULT_VIEW_STATE, view: 'sweeps', compareRunIds: ['4', '5'] });
    expect(hash).toBe('#/sweeps?runs=4,5');
    expect(parseHash(hash).compareRunIds).toEqual(['4', '5']);
  });

  it('falls back to defaults for anything it cannot read', () => {
    const state = parseHash('#/nowhere/../x?metric=bogus&x=time&smooth=7&band=wide&sort=color:up&task=chess&status=zombie&sweep=;drop&target=high');
    expect(state).toEqual({ ...DEFAULT_VIEW_STATE, compare: { ...DEFAULT_VIEW_STATE.compare, smoothing: 0.99 } });
  });

  it('carries the charts\' x zoom of the Run and Compare views, and drops one it cannot read', () => {
    const zoomed: ViewState = { ...DEFAULT_VIEW_STATE, runId: '5', zoom: { min: 12, max: 23.5 } };
    expect(formatHash(zoomed)).toBe('#/runs/5?zoom=12,23.5');
    expect(parseHash('#/runs/5?zoom=12,23.5')).toEqual(zoomed);
    expect(parseHash('#/compare?runs=1,2&zoom=-3.5,1e3').zoom).toEqual({ min: -3.5, max: 1000 });
    for (const bad of ['5,5', '9,2', '1', '1,2,3', ',4', 'a,b', 'Infinity,1', null]) expect(parseZoom(bad)).toBeNull();
  });
});

describe('runs table columns and grouping in the hash', () => {
  it('round-trips added columns, a sort by one of them and grouping by a config key, readable', () => {
    const state: ViewState = {
      ...DEFAULT_VIEW_STATE,
      grouped: true,
      groupBy: 'config:objective.preset',
      columns: ['config:model.dModel', 'metric:charts/reward_mean:last'],
      sort: { column: 'metric:charts/reward_mean:last', direction: 'asc' },
    };
    const hash = formatHash(state);
    expect(hash).toBe('#/runs?group=config:objective.preset&cols=config:model.dModel,metric:charts/reward_mean:last&sort=metric:charts/reward_mean:last:asc');
    expect(parseHash(hash)).toEqual(state);
    expect(parseHash('#/runs?group=1')).toMatchObject({ grouped: true, groupBy: null });
  });

  it('drops columns and groupings it cannot read', () => {
    expect(parseHash('#/runs?cols=config:model.dModel,lastReward,metric:charts/nope:last,config:..,config:model.dModel&group=metric:charts/reward_mean:last')).toMatchObject({
      columns: ['config:model.dModel'],
      grouped: false,
      groupBy: null,
    });
  });
});
