/**
 * `hmpo-lab objective` and `hmpo-lab advantages` through the real binary: at least one spec vector
 * per preset (objectives.md section 8), and each class of bad input answered with one line, exit
 * code 2 and no stack trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPECTED, SPEC_SEQUENCES } from '../trainer/spec-vectors.js';
import { expectClose } from '../../test-support/numerics.js';
import { runCli } from '../../test-support/run-cli.js';

interface ObjectiveOutput {
  loss: number;
  grad: number[][];
  gradPhi?: number;
  metrics: Record<string, number>;
  logRatioHistogram: number[];
}

async function objective(input: unknown): Promise<ObjectiveOutput> {
  const run = await runCli(['objective', '--input', '-'], JSON.stringify(input));
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ObjectiveOutput;
}

const spec = (objectiveInput: Record<string, unknown>) => ({ objective: objectiveInput, sequences: SPEC_SEQUENCES });
const [s0, s1] = [EXPECTED.powerMeans.seq0, EXPECTED.powerMeans.seq1];

describe('hmpo-lab objective reproduces spec section 8 for every preset', () => {
  it('grpo: loss, gradient and clip fractions', async () => {
    const out = await objective(spec({ preset: 'grpo' }));
    expectClose(out.loss, EXPECTED.grpo.seqMeanTokenMean);
    out.grad.forEach((row, i) => expectClose(row, EXPECTED.grpo.gradSeqMeanTokenMean[i]!, 2e-6, 2e-7));
    expectClose(out.metrics['clip/token_region']!, EXPECTED.grpo.clipFractions.region);
    expect(out.grad.map((g) => g.length)).toEqual([3, 5]);
  });

  it('grpo with KL reads logpRef', async () => {
    const sequences = SPEC_SEQUENCES.map((s) => ({ ...s, logpRef: s.logpOld }));
    const out = await objective({ objective: { preset: 'grpo', klBeta: 0.04 }, sequences });
    expectClose(out.loss, EXPECTED.grpo.withKl004);
  });

  it('gspo: paper clip holds both sequences', async () => {
    const out = await objective(spec({ preset: 'gspo' }));
    expectClose(out.loss, EXPECTED.gspo.paperClipLoss);
    expect(out.grad.flat().every((g) => g === 0)).toBe(true);
  });

  it('gmpo', async () => {
    const out = await objective(spec({ preset: 'gmpo' }));
    expectClose(out.loss, EXPECTED.gmpo.loss);
    out.grad.forEach((row, i) => expectClose(row, EXPECTED.gmpo.grad[i]!, 2e-6, 2e-7));
  });

  it('hmpo', async () => {
    expectClose((await objective(spec({ preset: 'hmpo' }))).loss, EXPECTED.hmpoLoss);
  });

  it('amp without token clip: -mean(A * M_1)', async () => {
    const out = await objective(spec({ preset: 'amp', tokenClip: null }));
    expectClose(out.loss, -(1.0 * s0[3]! + -0.5 * s1[3]!) / 2);
  });

  it('power p = 0.5', async () => {
    const out = await objective(spec({ preset: 'power', p: 0.5 }));
    expectClose(out.loss, EXPECTED.powerHalfLoss);
    expect(out.metrics['objective/p']).toBe(0.5);
  });

  it('learnable starts at p = 0 (= gmpo) and reports d loss / d phi', async () => {
    const out = await objective(spec({ preset: 'learnable' }));
    expectClose(out.loss, EXPECTED.gmpo.loss);
    expect(typeof out.gradPhi).toBe('number');
    expect(out.gradPhi).not.toBe(0);
    expectClose(out.metrics['objective/p']!, 0);
  });

  it('agm converges to sqrt(A*H) on ratios [1, 2, 9]', async () => {
    const out = await objective({
      objective: { preset: 'agm', tokenClip: null, agmIterations: 20 },
      // Both shifted by -3 so every log-prob is <= 0 (a probability); the ratios stay [1, 2, 9].
      sequences: [{ logpOld: [-3, -3, -3], logpNew: EXPECTED.ahm.ratios.map((r) => Math.log(r) - 3), advantage: 1 }],
    });
    expectClose(out.loss, -EXPECTED.ahm.sqrtAH, 1e-6);
  });
});

describe('hmpo-lab advantages', () => {
  it('reproduces the spec vectors', async () => {
    const run = await runCli(['advantages', '-i', '-'], JSON.stringify({ mode: 'group', groups: [[1, 2, 4, 8], [1, 0, 0, 1]], epsilon: 0 }));
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { advantages: number[][] };
    expectClose(out.advantages[0]!, EXPECTED.advantages.r1248.group, 1e-9);
    expectClose(out.advantages[1]!, [1, -1, -1, 1].map((s) => s * EXPECTED.advantages.r1001.group), 1e-9);
  });
});

describe('bad input: one line naming the problem, exit code 2, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-cli-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const cases: Array<[string, string[], string | undefined, RegExp]> = [
    ['missing file', ['objective', '-i', join(dir, 'absent.json')], undefined, /cannot read input file .*absent\.json.*no such file/],
    ['invalid JSON', ['objective', '-i', file('bad.json', '{"objective": ')], undefined, /bad\.json' is not valid JSON/],
    ['empty input', ['objective', '-i', '-'], '', /standard input is empty/],
    ['unknown preset', ['objective', '-i', '-'], JSON.stringify(spec({ preset: 'hmp' })), /objective\.preset: "hmp" is not one of grpo/],
    ['unknown key', ['objective', '-i', '-'], JSON.stringify(spec({ preset: 'gmpo', tokenclip: 0.3 })), /objective\.tokenclip: unknown key; did you mean 'tokenClip'/],
    ['knob of another preset', ['objective', '-i', '-'], JSON.stringify(spec({ preset: 'hmpo', aggregation: 'token-mean' })), /aggregation applies only to the token-level preset grpo/],
    ['empty sequences', ['objective', '-i', '-'], JSON.stringify({ objective: { preset: 'grpo' }, sequences: [] }), /sequences: must hold at least one sequence/],
    ['empty log-probs', ['objective', '-i', '-'], JSON.stringify({ objective: { preset: 'grpo' }, sequences: [{ logpOld: [], logpNew: [], advantage: 1 }] }), /sequences\.0\.logpOld: must hold at least one log-prob/],
    ['ragged sequence', ['objective', '-i', '-'], JSON.stringify({ objective: { preset: 'grpo' }, sequences: [{ logpOld: [-1], logpNew: [-1, -2], advantage: 1 }] }), /sequences\.0: logpNew has 2 values but logpOld has 1/],
    ['klBeta without logpRef', ['objective', '-i', '-'], JSON.stringify(spec({ preset: 'grpo', klBeta: 0.1 })), /klBeta > 0 needs logpRef/],
    ['non-positive reward with log', ['advantages', '-i', '-'], JSON.stringify({ mode: 'log', groups: [[1, 2], [3, -1]] }), /group 1, member 1: reward -1 is <= 0/],
    ['non-numeric reward', ['advantages', '-i', '-'], JSON.stringify({ mode: 'group', groups: [[1, 'x']] }), /groups\.0\.1: expected number, got "x"/],
  ];
  it.each(cases)('%s', async (_name, args, stdin, message) => {
    const run = await runCli(args, stdin);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
