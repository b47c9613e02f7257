/** optimizerLabel: MuonClip for Muon + QK-clip, "<optimizer> + QK-clip" otherwise when clipped. */
import { describe, expect, it } from 'vitest';
import { optimizerLabel } from './optimizer-label.js';

describe('optimizerLabel', () => {
  it('names Muon with QK-clip MuonClip and spells out QK-clip on anything else', () => {
    expect(optimizerLabel('muon', true)).toBe('MuonClip');
    expect(optimizerLabel('adamw', true)).toBe('adamw + QK-clip');
    expect(optimizerLabel('muon', false)).toBe('muon');
    expect(optimizerLabel('adamw', false)).toBe('adamw');
  });
});
