/** Plain-text tables for the terminal: left-aligned text, right-aligned numbers, one header row. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fixed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
