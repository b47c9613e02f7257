/**
 * Where the replay (`hmpo-lab controllers`) finds an exported run's settings: the run.json that
 * the AGM export writes beside each telemetry.jsonl (shared/spec/agm-telemetry.md layout). Only
 * the lookup; parsing and the settings themselves are src-shared/controllers/replay.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The run.json beside a telemetry file, when there is one; none for standard input ("-"). */
export function runJsonBeside(telemetryPath: string): string | undefined {
  if (telemetryPath === '-') return undefined;
  const path = join(dirname(telemetryPath), 'run.json');
  return existsSync(path) ? path : undefined;
}
