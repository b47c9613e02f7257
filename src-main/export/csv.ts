/**
 * CSV cell encoding (RFC 4180): quotes cells that hold commas, quotes or newlines; numbers in their
 * exact round-trip form, with -0, NaN, Infinity and -Infinity by name. Nothing else.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return numberText(value);
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Exact text of a number: shortest round-trip form, and -0, NaN, Infinity, -Infinity by name (String(-0) is "0"). */
export function numberText(value: number): string {
  if (Object.is(value, -0)) return '-0';
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** Parses a number cell written by csvCell. */
export function parseCsvNumber(cell: string): number {
  if (cell === 'NaN') return NaN;
  if (cell === 'Infinity') return Infinity;
  if (cell === '-Infinity') return -Infinity;
  return Number(cell);
}
