/**
 * The contract's handlers: one function per channel, over the store, the run manager and the export
 * jobs. Arguments arrive validated (dispatch.ts); errors a user can act on are UserFacingErrors with
 * a message that says what to do. No transport and no SQL here beyond calling the query modules.
 *
 * Start-up: the handlers that validate configs, compare runs or describe events import what they
 * need (zod through run-config and the analysis modules, the controller suite) when first called, so
 * a command that only lists runs (`hmpo-lab ls`) does not load them: zod alone is ~100 ms.
 */
import type { Database } from 'better-sqlite3';
import type { AppInfo, CompareRequest, CompareResult, DownsampledSeries, RunEventRow, SweepSummary, WorkersStatus } from '../../src-shared/contract.js';
import { runName } from '../../src-shared/run-name.js';
import { listEvents } from '../db/events-queries.js';
import { downsampleSeries } from '../db/downsample-queries.js';
import { readLogRatioHistograms, readQkStats } from '../db/metric-readers.js';
import { requestStop } from '../db/run-control-queries.js';
import { deleteRunCheckpointFiles } from '../runs/checkpoint-files.js';
import { listMetricSummaries, listRunSummaries } from '../db/run-summaries-queries.js';
import { deleteRun, getRun, requireRun, setRunNotes, setRunTags, type RunRecord } from '../db/runs-queries.js';
import { createSweep, getSweep, listSweeps, renameSweep, type SweepRecord } from '../db/sweeps-queries.js';
import { runsInUseSentence } from '../../src-shared/runs-in-use.js';
import { sweepLabel } from '../../src-shared/sweep-label.js';
import type { RunManager } from '../runs/run-manager.js';
import { xMapper } from './x-axis.js';
import type { ContractHandlers } from './dispatch.js';
import { UserFacingError } from './user-facing-error.js';
import type { EventHub } from './event-hub.js';
import type { ExportJobs } from './export-jobs.js';
import { parseRunId, type SqliteRunStore } from './sqlite-run-store.js';

export interface HandlerDeps {
  readonly db: Database;
  readonly store: SqliteRunStore;
  readonly manager: RunManager;
  readonly events: EventHub;
  readonly exports: ExportJobs;
  readonly info: AppInfo;
  /** Remote workers, when the app queues runs on Redis (src-main/workers/remote-runs.ts). */
  readonly workers?: () => Promise<WorkersStatus>;
  /** Saves the desktop app's Redis setting (src-main/workers/remote-setting.ts). */
  readonly setRedis?: (url: string) => Promise<{ saved: string | null }>;
}

/** A stored sweep as the contract describes it, with its one display name. */
export function toSweepSummary(sweep: SweepRecord): SweepSummary {
  return {
    id: String(sweep.id),
    name: sweep.name,
    label: sweepLabel(sweep),
    createdAt: sweep.createdAt,
    runIds: sweep.runIds.map(String),
    axes: sweep.axes,
    seeds: sweep.seeds,
  };
}

export function createHandlers(deps: HandlerDeps): ContractHandlers {
  const { db, store, manager, events } = deps;
  const changed = (runId: number) => events.emit('onDidChangeRun', store.summary(String(runId)));
  const existingRecord = (runId: string): RunRecord => {
    const record = getRun(db, parseRunId(runId));
    if (!record) throw new UserFacingError('RUN_NOT_FOUND', `no run with id ${runId}; it may have been deleted`);
    return record;
  };
  const existing = (runId: string) => existingRecord(runId).id;
  const checkedIds = (runIds: readonly string[]) => runIds.map(existing);
  // The records themselves, for handlers that need more than the id (one read of each run).
  const checkedRecords = (runIds: readonly string[]) => runIds.map(existingRecord);
  // Made on the first compare (its analysis modules load then): it keeps series and per-run facts between compares.
  let compare: ((request: CompareRequest) => CompareResult) | undefined;

  return {
    'app:info': () => deps.info,
    'workers:list': () => deps.workers?.() ?? { redis: null, workers: [] },
    'workers:setRedis': ({ url }) => {
      if (!deps.setRedis) throw new UserFacingError('NOT_AVAILABLE', 'this app cannot save a Redis setting');
      return deps.setRedis(url);
    },
    'runs:list': () => listRunSummaries(db, store.configCellsOf),
    'runs:metricSummaries': ({ keys, runIds }) => listMetricSummaries(db, keys, runIds),
    'runs:get': async ({ runId }) => {
      const { describeEvent } = await import('./describe-event.js');
      const id = existing(runId);
      const events: RunEventRow[] = listEvents(db, id, { limit: 5000, newest: true }).map((e) => ({ at: e.createdAt, step: e.step, kind: e.event.kind, message: describeEvent(e.event) }));
      return { summary: store.summary(runId), config: requireRun(db, id).config, events };
    },
    'runs:start': async ({ config, seeds, name }) => {
      const { validateRunConfig } = await import('../../src-shared/run-config.js');
      const runs = seeds.map((seed) => {
        const result = validateRunConfig({ ...config, seed });
        if (!result.ok) throw new UserFacingError(result.error.code, result.error.message);
        return { config: result.value, name: runName(result.value, { given: name, severalSeeds: seeds.length > 1 }) };
      });
      return { runIds: manager.enqueue(runs) };
    },
    'runs:stop': ({ runId, now }) => {
      const id = existing(runId);
      if ((now === true && manager.kill(runId)) || manager.stop(runId)) return null;
      if (requestStop(db, id)) return null; // owned by another process: it stops the run on its next heartbeat
      throw new UserFacingError('RUN_NOT_ACTIVE', `run ${runId} is ${requireRun(db, id).status}; only queued or running runs can be stopped`);
    },
    'runs:delete': ({ runIds }) => {
      const ids = checkedIds(runIds);
      // Refused before anything is deleted: this app's live or queued runs, and runs another process is
      // training. (A run another process only queued may go: that process skips it when its turn comes.)
      const busy = runIds
        .map((id, i) => ({ id, status: requireRun(db, ids[i]!).status }))
        .filter(({ id, status }) => manager.liveRunIds.includes(id) || manager.queuedRunIds.includes(id) || status === 'running');
      if (busy.length > 0) throw new UserFacingError('RUN_ACTIVE', runsInUseSentence(busy));
      for (const id of ids) {
        deleteRun(db, id);
        deleteRunCheckpointFiles(db, id);
      }
      events.emit('onDidRemoveRuns', { runIds: [...runIds] });
      return null;
    },
    'runs:setTags': ({ runId, tags }) => {
      setRunTags(db, existing(runId), tags);
      changed(Number(runId));
      return null;
    },
    'runs:setNotes': ({ runId, notes }) => {
      setRunNotes(db, existing(runId), notes);
      changed(Number(runId));
      return null;
    },
    'sweeps:preview': async (spec) => {
      const { expandSweep, previewSweep } = await import('../../src-shared/sweep.js');
      const expanded = expandSweep(spec);
      if (!expanded.ok) throw new UserFacingError(expanded.error.code, expanded.error.message);
      return previewSweep(spec);
    },
    'sweeps:start': async (spec) => {
      const [{ expandSweep }, { validateRunConfig }] = await Promise.all([import('../../src-shared/sweep.js'), import('../../src-shared/run-config.js')]);
      const expanded = expandSweep(spec);
      if (!expanded.ok) throw new UserFacingError(expanded.error.code, expanded.error.message);
      const runs = expanded.value;
      const base = validateRunConfig(spec.base);
      const { sweep, runs: records } = createSweep(db, {
        // No generated name: the sweep is "sweep N" everywhere until the user names it.
        name: spec.name?.trim() ?? '',
        baseConfig: base.ok ? base.value : runs[0]!.config,
        axes: spec.axes.map((a) => ({ path: a.path, values: [...a.values], ...(a.labels ? { labels: [...a.labels] } : {}) })),
        seeds: [...spec.seeds],
        configs: runs.map((r) => r.config),
        names: runs.map((r) => r.runName),
        appVersion: deps.info.version,
      });
      const runIds = manager.adopt(records.map((r, i) => ({ runId: String(r.id), name: runs[i]!.name })));
      return { sweepId: String(sweep.id), runIds };
    },
    'sweeps:list': () => listSweeps(db).map(toSweepSummary),
    'sweeps:rename': ({ sweepId, name }) => {
      if (!renameSweep(db, Number(sweepId), name)) throw new UserFacingError('SWEEP_NOT_FOUND', `no sweep with id ${sweepId}; it may have been deleted`);
      return toSweepSummary(getSweep(db, Number(sweepId))!);
    },
    'metrics:series': ({ runIds, keys, x, buckets }) => {
      const ids = checkedIds(runIds);
      const series = downsampleSeries(db, { runIds: ids, keys, buckets });
      const mappers = new Map(ids.map((id) => [id, xMapper(db, id, x)]));
      return series.map((s): DownsampledSeries => ({ runId: String(s.runId), key: s.key, x: s.lastStep.map(mappers.get(s.runId)!), min: s.min, max: s.max, last: s.last }));
    },
    'metrics:compare': async (request) => {
      compare ??= (await import('./compare-handler.js')).createCompareHandler(db, store, checkedRecords);
      return compare(request);
    },
    'metrics:histograms': ({ runId, buckets }) => {
      const all = readLogRatioHistograms(db, existing(runId));
      const width = Math.max(1, Math.ceil(all.length / buckets));
      const steps: number[] = [];
      const counts: number[][] = [];
      for (let i = 0; i < all.length; i += width) {
        const chunk = all.slice(i, i + width);
        steps.push(chunk.at(-1)!.step);
        counts.push(chunk[0]!.counts.map((_, b) => chunk.reduce((sum, h) => sum + (h.counts[b] ?? 0), 0)));
      }
      return { runId, steps, counts };
    },
    'metrics:qk': ({ runId, buckets }) => {
      const id = existing(runId);
      const config = requireRun(db, id).config;
      const stats = readQkStats(db, id);
      const byStep = new Map<number, number[]>();
      const clipSteps = new Set<number>();
      for (const s of stats) {
        const layers = byStep.get(s.step) ?? [];
        layers[s.layer] = Math.max(layers[s.layer] ?? -Infinity, s.maxLogit);
        byStep.set(s.step, layers);
        if (s.clipped) clipSteps.add(s.step);
      }
      const allSteps = [...byStep.keys()];
      // Downsample by keeping each bucket's step with the largest logit, so spikes survive.
      const width = Math.max(1, Math.ceil(allSteps.length / buckets));
      const steps: number[] = [];
      for (let i = 0; i < allSteps.length; i += width) {
        const chunk = allSteps.slice(i, i + width);
        steps.push(chunk.reduce((best, s) => (Math.max(...byStep.get(s)!) > Math.max(...byStep.get(best)!) ? s : best)));
      }
      const layers = config.model.nLayers;
      return {
        runId,
        tau: config.qkClip.enabled ? config.qkClip.tau : null,
        steps,
        maxLogitPerLayer: Array.from({ length: layers }, (_, l) => steps.map((s) => byStep.get(s)![l] ?? NaN)),
        clipSteps: [...clipSteps],
      };
    },
    'export:start': ({ runIds, format, outDir }) => ({ exportId: deps.exports.start({ databasePath: deps.info.databasePath, runIds: checkedIds(runIds), format, outDir, appVersion: deps.info.version }) }),
    'export:cancel': ({ exportId }) => {
      if (!deps.exports.cancel(exportId)) throw new UserFacingError('EXPORT_NOT_FOUND', 'that export is not running (it may have finished already)');
      return null;
    },
  };
}

