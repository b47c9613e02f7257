/**
 * Conformance of the TypeScript controller suite with AGM_Training's Python ControllerSuite: every
 * line of the fixtures (exported telemetry record + the decision Python returned for it, a fresh
 * suite per run) must give the same decision: the same keys, numbers within 1e-9 relative, strings
 * and booleans exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControllerSuite } from '../src-shared/controllers/controller-suite.js';
import type { BaseHyperparams } from '../src-shared/controllers/hyperparameter-adapter.js';
import { TelemetryRecordSchema } from '../src-shared/controllers/telemetry-record.js';
import { TrainingPhaseAdaptiveAGM } from '../src-shared/controllers/training-phase.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'agm-controllers');

interface FixtureLine {
  readonly source: string;
  /** ControllerSuite keyword arguments (branches.jsonl); absent: the defaults. */
  readonly options?: { enable_phase?: boolean; enable_hparams?: boolean; dwell_steps?: number; base_hyperparams?: BaseHyperparams };
  readonly telemetry: unknown;
  readonly decision: unknown;
}

/** Every difference between `actual` and `expected` (empty = conforming), with its path. */
export function decisionDifferences(actual: unknown, expected: unknown, path = 'decision'): string[] {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return [`${path}: expected number ${expected}, got ${JSON.stringify(actual)}`];
    const scale = Math.max(Math.abs(actual), Math.abs(expected));
    return actual === expected || Math.abs(actual - expected) <= 1e-9 * scale ? [] : [`${path}: expected ${expected}, got ${actual}`];
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])];
    return keys.flatMap((k) => (!(k in a) ? [`${path}.${k}: missing`] : !(k in e) ? [`${path}.${k}: unexpected`] : decisionDifferences(a[k], e[k], `${path}.${k}`)));
  }
  return actual === expected ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

const PHASE_FIXTURE = 'phase-detector.jsonl';
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl') && f !== PHASE_FIXTURE).sort();
const readLines = <T>(file: string) => readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

describe('the controller suite reproduces every fixture decision of the Python suite', () => {
  it('has fixtures to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s', (file) => {
    const lines = readLines<FixtureLine>(file);
    expect(lines.length).toBeGreaterThan(0);
    let suite: ControllerSuite | undefined;
    let source: string | undefined;
    const differences: string[] = [];
    for (const [i, line] of lines.entries()) {
      if (line.source !== source) {
        const o = line.options ?? {};
        suite = new ControllerSuite({ enablePhase: o.enable_phase, enableHyperparams: o.enable_hparams, dwellSteps: o.dwell_steps, baseHyperparams: o.base_hyperparams });
        source = line.source;
      }
      const record = TelemetryRecordSchema.parse(line.telemetry);
      // Through JSON, as the CLI prints it.
      const decision = JSON.parse(JSON.stringify(suite!.update(record))) as unknown;
      differences.push(...decisionDifferences(decision, line.decision, `line ${i + 1} (${line.source} step ${record.step})`));
    }
    expect(differences.slice(0, 20)).toEqual([]);
  });
});

describe('the phase selector reproduces the Python one on explicit loss histories', () => {
  it('every line of phase-detector.jsonl', () => {
    const lines = readLines<{ loss_history: number[]; convergence_rate: number; phase: string; strategy: string; config: Record<string, number> }>(PHASE_FIXTURE);
    expect(new Set(lines.map((l) => l.phase))).toEqual(new Set(['exploration', 'exploitation', 'instability', 'plateau']));
    const differences = lines.flatMap((line, i) => {
      const selector = new TrainingPhaseAdaptiveAGM();
      const { strategy, config } = selector.selectAdaptiveStrategy(line.loss_history, line.convergence_rate);
      return decisionDifferences({ phase: selector.strategyHistory[0]![0], strategy, config }, { phase: line.phase, strategy: line.strategy, config: line.config }, `line ${i + 1}`);
    });
    expect(differences).toEqual([]);
  });
});

describe('decisionDifferences can fail', () => {
  it('flags numbers beyond 1e-9 relative, changed strings and booleans, missing keys', () => {
    expect(decisionDifferences({ x: 1 + 2e-9 }, { x: 1 })).toHaveLength(1);
    expect(decisionDifferences({ x: 1 + 5e-10 }, { x: 1 })).toEqual([]);
    expect(decisionDifferences({ s: 'a', b: true }, { s: 'b', b: false })).toHaveLength(2);
    expect(decisionDifferences({}, { k: 0 })).toEqual(['decision.k: missing']);
  });
});
