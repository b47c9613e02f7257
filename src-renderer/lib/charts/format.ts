/**
 * Number formatting shared by chart legends, the summary table and the config views: a fixed
 * number of significant digits, an interval as "mean [lower, upper]", shares as percentages and
 * any config value as short text. Missing values print as an en dash, never as "NaN" or "null".
 */

export const MISSING = '–';

/** `value` with `digits` significant digits (exponent form when very large or small). */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(Math.max(0, digits - 1));
  return Number(value.toPrecision(digits)).toString();
}

/** "0.812 [0.79, 0.83]"; the bracket is left out when either bound is missing. */
export function formatInterval(mean: number | null | undefined, lower: number | null | undefined, upper: number | null | undefined, digits = 3): string {
  const centre = formatNumber(mean, digits);
  if (lower === null || lower === undefined || upper === null || upper === undefined || !Number.isFinite(lower) || !Number.isFinite(upper)) return centre;
  return `${centre} [${formatNumber(lower, digits)}, ${formatNumber(upper, digits)}]`;
}

/** A share in [0, 1] as "12.5%". */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return MISSING;
  return `${(share * 100).toFixed(digits)}%`;
}

/** A config value for a table cell: strings bare, everything else as compact JSON. */
export function formatConfigValue(value: unknown): string {
  if (value === undefined) return MISSING;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}
