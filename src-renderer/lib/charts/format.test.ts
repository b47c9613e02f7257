// Number formatting of legends and the summary table: significant digits, intervals, shares and
// config values; missing values print as an en dash.
import { describe, expect, it } from 'vitest';
import { MISSING, formatConfigValue, formatInterval, formatNumber, formatPercent } from './format.js';

describe('format', () => {
  it('prints significant digits, exponents for extremes, a dash for missing', () => {
    expect(formatNumber(0.812345)).toBe('0.812');
    expect(formatNumber(1234.5)).toBe('1230');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(2.5e-5)).toBe('2.50e-5');
    expect(formatNumber(null)).toBe(MISSING);
    expect(formatNumber(Number.NaN)).toBe(MISSING);
  });

  it('prints an interval only when both bounds exist', () => {
    expect(formatInterval(0.8, 0.75, 0.85)).toBe('0.8 [0.75, 0.85]');
    expect(formatInterval(0.8, null, 0.85)).toBe('0.8');
    expect(formatInterval(null, null, null)).toBe(MISSING);
  });

  it('prints shares and config values', () => {
    expect(formatPercent(0.125)).toBe('12.5%');
    expect(formatPercent(undefined)).toBe(MISSING);
    expect(formatConfigValue('muon')).toBe('muon');
    expect(formatConfigValue({ enabled: true })).toBe('{"enabled":true}');
    expect(formatConfigValue(null)).toBe('null');
    expect(formatConfigValue(undefined)).toBe(MISSING);
  });
});
