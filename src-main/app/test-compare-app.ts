/**
 * Test-only fixture for the metrics:compare tests: one app (real SQLite file in a temporary
 * folder, CLI mode) for the whole calling file, holding one run per seed (seeds 0 and 1 hmpo, the
 * rest gspo) with `steps` step records each, closed and removed after the file. Nothing in the app
 * imports it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { insertStepRecords } from '../db/metrics-queries.js';
import { addRun, stepRecord, temporaryFolder } from '../db/test-fixtures.js';
import { createApp, type App } from './create-app.js';

/** Read `.app` and `.runIds` inside tests; `afterAdding` runs on each new run (e.g. to end it). */
export function useCompareApp(seeds: readonly number[], steps: number, afterAdding: (app: App, runId: number, seed: number) => void = () => undefined): { readonly app: App; readonly runIds: string[] } {
  let folder: ReturnType<typeof temporaryFolder> | undefined;
  let app: App | undefined;
  let runIds: string[] = [];
  beforeAll(() => {
    folder = temporaryFolder();
    const opened = createApp({ databasePath: join(folder.dir, 'lab.db'), mode: 'cli', concurrency: 1 });
    app = opened;
    runIds = seeds.map((seed) => {
      const id = addRun(opened.db, { objective: { preset: seed < 2 ? 'hmpo' : 'gspo' }, seed });
      insertStepRecords(opened.db, id, Array.from({ length: steps }, (_, step) => stepRecord(step)));
      afterAdding(opened, id, seed);
      return String(id);
    });
  });
  afterAll(async () => {
    await app?.close();
    folder?.remove();
  });
  return {
    get app() {
      if (!app) throw new Error('useCompareApp: the app is only there inside a test');
      return app;
    },
    get runIds() {
      return runIds;
    },
  };
}
