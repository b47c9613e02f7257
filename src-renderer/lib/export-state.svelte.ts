/**
 * ExportState: the export dialog's choices (runs from the selection or from a sweep, format, output
 * folder), starting with `export:start`, progress from `onDidExportProgress` (events that arrive
 * before main has answered with the export id are kept), cancel with `export:cancel`, and the
 * outcome. Writing the files is main's work; this class only asks and listens.
 */
import type { Api, Events, ExportFormat, SweepSummary } from '../../src-shared/contract.js';
import type { AppError } from '../../src-shared/result.js';

export type ExportProgress = Events['onDidExportProgress'];

export const EXPORT_FORMATS: readonly { readonly value: ExportFormat; readonly label: string }[] = [
  { value: 'agm', label: 'AGM telemetry (what the AGM_Training controllers load)' },
  { value: 'csv', label: 'CSV (one row per run, step and metric)' },
  { value: 'jsonl', label: 'JSON Lines (one object per step)' },
];

/** `<folder of the database>/exports/export-YYYYMMDD-HHMM` (or `<exportRoot>/export-...` in browser mode), in the database path's own separator. */
export function defaultExportFolder(databasePath: string, now: Date, exportRoot?: string): string {
  const separator = databasePath.includes('\\') && !databasePath.includes('/') ? '\\' : '/';
  const cut = Math.max(databasePath.lastIndexOf('/'), databasePath.lastIndexOf('\\'));
  const folder = cut > 0 ? databasePath.slice(0, cut) : cut === 0 ? separator : '.';
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`;
  // Browser mode names its export root (serve --export-root): suggest a folder inside it.
  if (exportRoot) return `${exportRoot.replace(/[\\/]+$/, '')}${separator}export-${stamp}`;
  return `${folder === separator ? '' : folder}${separator}exports${separator}export-${stamp}`;
}

/**
 * The progress line every export shows, in the one unit main reports for every format (and the CLI
 * bar uses): runs. Messages are not repeated here; the dialog shows a failure's sentence once.
 */
export function progressLine(progress: ExportProgress): string {
  return `runs exported ${progress.done} / ${progress.total} · ${progress.state}`;
}

export class ExportState {
  source = $state<'selection' | 'sweep'>('selection');
  selectionIds = $state.raw<readonly string[]>([]);
  sweeps = $state.raw<readonly SweepSummary[]>([]);
  sweepId = $state('');
  format = $state<ExportFormat>('agm');
  outDir = $state('');

  exportId = $state<string | null>(null);
  progress = $state.raw<ExportProgress | null>(null);
  starting = $state(false);
  cancelling = $state(false);
  error = $state.raw<AppError | null>(null);

  readonly runIds: readonly string[] = $derived(this.source === 'selection' ? this.selectionIds : (this.sweeps.find((s) => s.id === this.sweepId)?.runIds ?? []));
  readonly running = $derived(this.starting || this.progress?.state === 'running');
  readonly fraction = $derived(this.progress && this.progress.total > 0 ? Math.min(1, this.progress.done / this.progress.total) : 0);
  readonly canStart = $derived(!this.running && this.runIds.length > 0 && this.outDir.trim() !== '');

  /** Progress of exports whose id main has not told us yet (events can beat the reply). */
  #early = new Map<string, ExportProgress>();

  constructor(private readonly api: Api) {}

  /** Prepares the dialog for `runIds`; keeps a running export's state. */
  open(runIds: readonly string[], suggestedFolder: string): void {
    if (this.running) return;
    this.selectionIds = runIds;
    this.source = runIds.length > 0 || this.sweeps.length === 0 ? 'selection' : 'sweep';
    if (this.outDir.trim() === '' || this.progress !== null) this.outDir = suggestedFolder;
    this.exportId = null;
    this.progress = null;
    this.error = null;
  }

  async loadSweeps(): Promise<void> {
    const result = await this.api.invoke('sweeps:list', null);
    if (!result.ok) {
      this.error = result.error;
      return;
    }
    this.sweeps = result.value;
    if (this.sweepId === '' && result.value.length > 0) this.sweepId = result.value[result.value.length - 1]!.id;
  }

  /** Follows export progress; returns the unsubscribe function. */
  connect(): () => void {
    return this.api.on('onDidExportProgress', (progress) => this.applyProgress(progress));
  }

  applyProgress(progress: ExportProgress): void {
    if (progress.exportId === this.exportId) {
      this.progress = progress;
      if (progress.state !== 'running') this.cancelling = false;
    } else if (this.exportId === null) {
      this.#early.set(progress.exportId, progress);
    }
  }

  async start(): Promise<void> {
    if (!this.canStart) return;
    this.starting = true;
    this.error = null;
    this.progress = null;
    // No id until main answers, so this export's events that beat the reply are kept (not dropped as another export's).
    this.exportId = null;
    this.#early.clear();
    const outDir = this.outDir.trim();
    const result = await this.api.invoke('export:start', { runIds: [...this.runIds], format: this.format, outDir });
    this.starting = false;
    if (!result.ok) {
      this.error = result.error;
      return;
    }
    this.exportId = result.value.exportId;
    this.progress = this.#early.get(result.value.exportId) ?? { exportId: result.value.exportId, done: 0, total: this.runIds.length, state: 'running', outDir };
    this.#early.clear();
  }

  async cancel(): Promise<void> {
    if (this.exportId === null || this.progress?.state !== 'running') return;
    this.cancelling = true;
    const result = await this.api.invoke('export:cancel', { exportId: this.exportId });
    if (!result.ok) {
      this.cancelling = false;
      this.error = result.error;
    }
  }
}
