/**
 * AppState: the renderer's state objects, created once per page over one Api, plus what the header
 * shows (app:info). `start()` loads the first data and subscribes to main's events; it returns the
 * teardown. Components get these objects through lib/context.ts, never by constructing their own.
 */
import type { Api, AppInfo } from '../../src-shared/contract.js';
import type { AppError } from '../../src-shared/result.js';
import { defaultExportFolder, ExportState } from './export-state.svelte.js';
import { LaunchState } from './launch-state.svelte.js';
import { NavigationState } from './navigation-state.svelte.js';
import { RunActionsState } from './run-actions.svelte.js';
import { RunsState } from './runs-state.svelte.js';
import { SweepState } from './sweep-state.svelte.js';
import { SweepsState } from './sweeps-state.svelte.js';

export class AppState {
  info = $state.raw<AppInfo | null>(null);
  infoError = $state.raw<AppError | null>(null);

  readonly navigation = new NavigationState();
  readonly runs: RunsState;
  readonly actions: RunActionsState;
  readonly launch: LaunchState;
  readonly sweep: SweepState;
  readonly sweeps: SweepsState;
  readonly exports: ExportState;

  constructor(readonly api: Api) {
    this.runs = new RunsState(api);
    this.actions = new RunActionsState(api);
    this.launch = new LaunchState(api);
    this.sweep = new SweepState(api);
    this.sweeps = new SweepsState(api);
    this.exports = new ExportState(api);
  }

  /** Subscribes to events first (so none is missed), then loads; returns the teardown. */
  start(): () => void {
    const disconnectRuns = this.runs.connect();
    const disconnectExports = this.exports.connect();
    const disconnectSweeps = this.sweeps.connect();
    void this.runs.load();
    void this.sweeps.load();
    void this.loadInfo();
    return () => {
      disconnectRuns();
      disconnectExports();
      disconnectSweeps();
    };
  }

  async loadInfo(): Promise<void> {
    const result = await this.api.invoke('app:info', null);
    this.info = result.ok ? result.value : null;
    this.infoError = result.ok ? null : result.error;
  }

  /** Opens the export dialog for `runIds` with a fresh folder beside the database. */
  openExport(runIds: readonly string[]): void {
    const folder = defaultExportFolder(this.info?.databasePath ?? './hmpo-lab.db', new Date(), this.info?.exportRoot);
    this.exports.open(runIds, folder);
    void this.exports.loadSweeps();
    this.navigation.openExport(runIds);
  }

  /** Shows every run of the sweep in the runs table (the sweep filter, nothing else). */
  showSweepRuns(sweepId: string): void {
    this.runs.clearFilter();
    this.runs.setFilter({ sweepId });
    this.navigation.closeRun();
    this.navigation.show('runs');
  }

  /** Clone & edit: fetches the run's config into the launch form and shows it. */
  async cloneIntoLaunch(runId: string): Promise<boolean> {
    const config = await this.actions.config(runId);
    if (!config) return false;
    const name = this.runs.byId.get(runId)?.name ?? runId;
    this.launch.prefill(config, name);
    this.navigation.show('launch');
    return true;
  }
}
