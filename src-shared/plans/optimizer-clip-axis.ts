/**
 * The MuonClip axis, with the optimizer and the clip separated: AdamW, AdamW + QK-clip, Muon,
 * Muon + QK-clip, all four with the same tau. A tau that never fires makes the "+ QK-clip" arms
 * copies of the others, so the tau is an argument: measure it with `hmpo-lab calibrate-tau`
 * (tau-calibration.ts) at the model size in use. Pure data.
 */
import type { SweepSpec } from '../contract.js';

export type SweepAxis = SweepSpec['axes'][number];

/** Kimi K2's tau; at this app's model sizes max QK logits stay far below it (see tau-calibration.ts). */
export const KIMI_K2_TAU = 100;

/** Root-merged (path '') so each arm sets the optimizer and the clip together. */
export function optimizerClipAxis(tau: number): SweepAxis {
  const clip = { enabled: true, tau };
  return {
    path: '',
    values: [
      { optimizer: { name: 'adamw' }, qkClip: { enabled: false } },
      { optimizer: { name: 'adamw' }, qkClip: clip },
      { optimizer: { name: 'muon' }, qkClip: { enabled: false } },
      { optimizer: { name: 'muon' }, qkClip: clip },
    ],
    labels: ['AdamW', `AdamW + QK-clip tau=${tau}`, 'Muon', `Muon + QK-clip tau=${tau}`],
  };
}
