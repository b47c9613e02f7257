/**
 * Per-chart export: the drawn series as CSV (x, then one column per legend line, empty where a line
 * has no point; per-seed lines and band edges left out, as in the legend) and a file name from the
 * chart's title. Pure; MetricChart turns the text or the canvas into a download.
 */
import type { ChartModel } from './chart-model.js';

const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** "x,line 1,line 2\n0,0.1,0.2\n…" for the lines the legend shows. */
export function modelToCsv(model: ChartModel, xLabel: string): string {
  const lines = model.lines.filter((line) => !line.hideInLegend);
  const header = [xLabel, ...lines.map((line) => line.label)].map(quote).join(',');
  const rows = model.x.map((x, i) => [x, ...lines.map((line) => line.values[i])].map((v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '')).join(','));
  return [header, ...rows].join('\n') + '\n';
}

/** "Reward mean" -> "reward-mean.csv". */
export function exportFileName(title: string, extension: 'csv' | 'png'): string {
  const base = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
  return `${base}.${extension}`;
}
