/**
 * The float64 test vectors of objectives.md section 8, copied into the project (tests must not
 * read ../shared). Used by the numerics tests and the CLI tests; nothing at run time imports it.
 */

/** The spec's batch of two unpadded sequences. */
export const SPEC_SEQUENCES = [
  { logpOld: [-1.0, -0.5, -2.0], logpNew: [-0.8, -0.6, -1.5], advantage: 1.0 },
  { logpOld: [-1.0, -0.8, -1.5, -2.0, -0.6], logpNew: [-1.2, -0.6, -1.7, -1.5, -1.1], advantage: -0.5 },
] as const;

export const EXPECTED = {
  grpo: {
    perToken: [[-1.2, -0.904837418, -1.2], [0.4093653765, 0.6107013791, 0.4093653765, 0.8243606354, 0.4]],
    seqMeanTokenMean: -0.2854269595885135,
    tokenMean: -0.08138058131597858,
    drGrpoMax5: -0.06510446505278286,
    seqMeanTokenSum: -0.32552232526391434,
    gradSeqMeanTokenMean: [[0, -0.1508062363, 0], [0.0409365377, 0.0610701379, 0.0409365377, 0.0824360635, 0]],
    clipFractions: { low: 0.125, high: 0.25, region: 0.375 },
    clipHigher028: -0.3023274192818751,
    twoSidedCap15: -0.29286302312351986,
    k3RefIsOld: 0.05341754179215215,
    withKl004: -0.2832902579168275,
  },
  gspo: {
    sequenceRatios: [1.2214027581601699, 0.9607894391523232],
    paperClipLoss: -0.250275,
    wideClipLoss: -0.3598026402119192,
    wideClipGradSeq1: 0.048039472,
  },
  gmpo: {
    z: [[0.2, -0.1, 0.4], [-0.2, 0.2, -0.2, 0.5, -0.4]],
    ratios: [1.1813604128656459, 0.9801986733067554],
    loss: -0.3456305381061341,
    grad: [[-0.1968934021, -0.1968934021, 0], [0.0490099337, 0.0490099337, 0.0490099337, 0.0490099337, 0]],
  },
  powerMeans: {
    p: [-1, 0, 0.5, 1],
    seq0: [1.1855681590082223, 1.2214027581601699, 1.239827139239462, 1.2583204822987526],
    seq1: [0.9063244443879899, 0.9607894391523232, 0.9910887232283789, 1.0228232389457792],
  },
  hmpoLoss: -0.3449944255711499,
  powerHalfLoss: -0.34512521862019524,
  continuitySeq1: { p1e3: 0.9608482434, p1e6: 0.9607894981 },
  ahm: { ratios: [1, 2, 9], sqrtAH: 2.7291529569, geometric: 2.6207413942 },
  advantages: {
    r1001: { group: 0.8660254038, groupDdof0: 1, none: 0.5 },
    r10x3_1000: { group: [-0.5, -0.5, -0.5, 1.5], none: [-247.5, -247.5, -247.5, 742.5], log: [-1.1512925465, -1.1512925465, -1.1512925465, 3.4538776395] },
    r1248: { group: [-0.8883301384, -0.5653009972, 0.0807572853, 1.3728738502], log: [-1.0397207708, -0.3465735903, 0.3465735903, 1.0397207708] },
  },
  newtonSchulz: {
    input: [[1, 2, 3], [4, 5, 6]],
    output: [[-0.5682901101, 0.0577419431, 0.6837739964], [0.5633546975, 0.405612831, 0.2478709646]],
  },
  qkClip: { tau: 100, alpha: 0.5, sMax: [50, 150, 400], factors: [1, 0.8164965809, 0.5], newSMax: [50, 100, 100] },
} as const;
