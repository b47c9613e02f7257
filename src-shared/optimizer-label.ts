/**
 * How a run's optimizer reads to people: Muon with QK-clip is "MuonClip" (Kimi K2's name), any other
 * optimizer with QK-clip is "<optimizer> + QK-clip". One spelling for the CLI, the compare groups and
 * the runs table. Pure strings, no formatting beyond that.
 */

export const MUONCLIP_LABEL = 'MuonClip';

export function optimizerLabel(optimizer: string, qkClip: boolean): string {
  if (optimizer === 'muon' && qkClip) return MUONCLIP_LABEL;
  return qkClip ? `${optimizer} + QK-clip` : optimizer;
}
