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
import { TelemetryRecordSchema } from '../src-shared/controllers/telemetry-record.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'agm-controllers');

interface FixtureLine {
  readonly source: string;
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

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).sort();

describe('the controller suite reproduces every fixture decision of the Python suite', () => {
  it('has fixtures to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s', (file) => {
    const lines = readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FixtureLine);
    expect(lines.length).toBeGreaterThan(0);
    let suite: ControllerSuite | undefined;
    let source: string | undefined;
    const differences: string[] = [];
    for (const [i, line] of lines.entries()) {
      if (line.source !== source) {
        suite = new ControllerSuite();
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

describe('decisionDifferences can fail', () => {
  it('flags numbers beyond 1e-9 relative, changed strings and booleans, missing keys', () => {
    expect(decisionDifferences({ x: 1 + 2e-9 }, { x: 1 })).toHaveLength(1);
    expect(decisionDifferences({ x: 1 + 5e-10 }, { x: 1 })).toEqual([]);
    expect(decisionDifferences({ s: 'a', b: true }, { s: 'b', b: false })).toHaveLength(2);
    expect(decisionDifferences({}, { k: 0 })).toEqual(['decision.k: missing']);
  });
});
