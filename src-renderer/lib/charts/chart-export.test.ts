import { describe, expect, it } from 'vitest';
import { exportFileName, modelToCsv } from './chart-export.js';

describe('chart export', () => {
  it('writes the legend lines as CSV columns, blank where a line has no point', () => {
    const csv = modelToCsv(
      {
        x: [0, 1, 2],
        bands: [{ label: 'hmpo', colour: '#000', lower: [0, 0, 0], upper: [1, 1, 1] }],
        lines: [
          { label: 'hmpo', colour: '#000', values: [0.1, null, 0.3] },
          { label: 'gspo, MuonClip', colour: '#111', values: [0.2, 0.25, undefined] },
          { label: 'seed 0', colour: '#222', values: [1, 1, 1], hideInLegend: true },
        ],
      },
      'step',
    );
    expect(csv).toBe('step,hmpo,"gspo, MuonClip"\n0,0.1,0.2\n1,,0.25\n2,0.3,\n');
  });

  it('names files after the chart', () => {
    expect(exportFileName('Reward mean', 'csv')).toBe('reward-mean.csv');
    expect(exportFileName('AM–GM gap', 'png')).toBe('am-gm-gap.png');
  });
});
