import { describe, expect, it } from 'vitest';
import { sweepLabel, sweepOwnName } from './sweep-label.js';

describe('sweepLabel', () => {
  it('is "sweep N" without a name of its own, and adds the name when there is one', () => {
    expect(sweepLabel({ id: 3, name: '' })).toBe('sweep 3');
    expect(sweepLabel({ id: '3', name: '  lr grid ' })).toBe('sweep 3 · lr grid');
  });

  it('hides the names earlier versions generated, so the CLI and the UI say the same thing', () => {
    expect(sweepLabel({ id: 2, name: 'sweep 2026-12-02T19:17' })).toBe('sweep 2');
    expect(sweepLabel({ id: 2, name: 'sweep of 9 runs' })).toBe('sweep 2');
    expect(sweepOwnName('sweep of the week')).toBe('sweep of the week');
  });
});
