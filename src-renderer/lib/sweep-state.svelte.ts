/**
 * SweepState: the sweep builder's inputs, the live run-count preview (`sweeps:preview`, answers to
 * stale requests dropped), starting (`sweeps:start`), and the progress of the started sweep read
 * from the runs table, with "stop the sweep" as runs:stop on its unfinished runs. The base config
 * is the launch form's; sweep-plan.ts turns the inputs into a SweepSpec.
 */
import type { Api, RunStatus, RunSummary, SweepPreview, SweepSpec } from '../../src-shared/contract.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import type { AppError } from '../../src-shared/result.js';
import type { RunConfigInput } from '../../src-shared/run-config.js';
import type { PlanName } from '../../src-shared/plans/plans.js';
import { draftSweep, planChoices, sweepSpec, type SweepChoices, type SweepDraft, type SweepInput } from './sweep-plan.js';

export interface SweepProgress {
  readonly total: number;
  readonly ended: number;
  readonly byStatus: Readonly<Partial<Record<RunStatus, number>>>;
}

const ENDED: ReadonlySet<RunStatus> = new Set(['finished', 'failed', 'stopped', 'crashed']);

export function sweepProgress(runIds: readonly string[], runs: ReadonlyMap<string, RunSummary>): SweepProgress {
  const byStatus: Partial<Record<RunStatus, number>> = {};
  let ended = 0;
  for (const id of runIds) {
    const run = runs.get(id);
    if (!run) continue;
    byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
    if (ENDED.has(run.status)) ended++;
  }
  return { total: runIds.length, ended, byStatus };
}

export class SweepState {
  name = $state('');
  presets = $state.raw<ReadonlySet<ObjectivePreset>>(new Set(['grpo', 'gspo', 'hmpo']));
  powerPs = $state('1, 0, -1');
  seedMode = $state<'count' | 'list'>('count');
  seedCount = $state('3');
  seedList = $state('0, 1, 2');
  muonClip = $state(false);
  extraPath = $state('');
  extraValues = $state('');
  /** The built-in plan in use (src-shared/plans), or null while the sweep is built by hand. */
  plan = $state<PlanName | null>(null);
  tau = $state('');

  preview = $state.raw<SweepPreview | null>(null);
  previewError = $state.raw<AppError | null>(null);
  previewing = $state(false);
  starting = $state(false);
  startError = $state.raw<AppError | null>(null);
  started = $state.raw<{ readonly sweepId: string; readonly runIds: readonly string[]; readonly name: string } | null>(null);
  stopping = $state(false);

  readonly choices: SweepChoices = $derived({
    name: this.name,
    presets: this.presets,
    powerPs: this.powerPs,
    seedMode: this.seedMode,
    seedCount: this.seedCount,
    seedList: this.seedList,
    muonClip: this.muonClip,
    extraPath: this.extraPath,
    extraValues: this.extraValues,
    plan: this.plan,
    tau: this.tau,
  });

  #previewRequest = 0;

  constructor(private readonly api: Api) {}

  draft(base: RunConfigInput): SweepDraft {
    return draftSweep(this.choices, base);
  }

  /** The spec to preview or start, or null while the inputs have problems. */
  specFor(base: RunConfigInput): SweepSpec | null {
    const draft = this.draft(base);
    return draft.ok ? sweepSpec(draft, base, this.name) : null;
  }

  problemsAt(base: RunConfigInput, input: SweepInput): string[] {
    const draft = this.draft(base);
    return draft.ok ? [] : draft.problems.filter((p) => p.input === input).map((p) => p.message);
  }

  togglePreset(preset: ObjectivePreset, on: boolean): void {
    const next = new Set(this.presets);
    if (on) next.add(preset);
    else next.delete(preset);
    this.presets = next;
  }

  /** Uses a built-in plan (the same as `hmpo-lab sweep --plan NAME`) over the form's config. */
  applyPlan(plan: PlanName): void {
    this.applyChoices(planChoices(plan, this.choices));
  }

  /** Back to building the sweep by hand. */
  clearPlan(): void {
    this.plan = null;
  }

  /** The seed experiment plan. */
  applySeedExperimentPlan(): void {
    this.applyPlan('seed');
  }

  applyChoices(choices: SweepChoices): void {
    this.name = choices.name;
    this.presets = new Set(choices.presets);
    this.powerPs = choices.powerPs;
    this.seedMode = choices.seedMode;
    this.seedCount = choices.seedCount;
    this.seedList = choices.seedList;
    this.muonClip = choices.muonClip;
    this.extraPath = choices.extraPath;
    this.extraValues = choices.extraValues;
    this.plan = choices.plan ?? null;
    this.tau = choices.tau ?? this.tau;
  }

  /** Asks main how many runs `spec` makes; only the newest request's answer is kept. */
  async refreshPreview(spec: SweepSpec | null): Promise<void> {
    const request = ++this.#previewRequest;
    if (spec === null) {
      this.preview = null;
      this.previewError = null;
      this.previewing = false;
      return;
    }
    this.previewing = true;
    const result = await this.api.invoke('sweeps:preview', spec);
    if (request !== this.#previewRequest) return;
    this.previewing = false;
    this.preview = result.ok ? result.value : null;
    this.previewError = result.ok ? null : result.error;
  }

  async start(base: RunConfigInput): Promise<boolean> {
    const spec = this.specFor(base);
    if (spec === null || this.starting) return false;
    this.starting = true;
    this.startError = null;
    const result = await this.api.invoke('sweeps:start', spec);
    this.starting = false;
    if (!result.ok) {
      this.startError = result.error;
      return false;
    }
    this.started = { ...result.value, name: spec.name ?? result.value.sweepId };
    return true;
  }

  /** Stops every queued or running run of the started sweep (a sweep is cancelled run by run). */
  async stopStarted(runs: ReadonlyMap<string, RunSummary>): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    const live = this.started.runIds.filter((id) => {
      const status = runs.get(id)?.status;
      return status === 'queued' || status === 'running';
    });
    const results = await Promise.all(live.map((runId) => this.api.invoke('runs:stop', { runId })));
    this.stopping = false;
    const failed = results.filter((r) => !r.ok);
    this.startError = failed.length === 0 ? null : { code: 'STOP_FAILED', message: `Could not stop ${failed.length} of ${live.length} runs: ${failed.map((r) => (r.ok ? '' : r.error.message)).join('; ')}` };
  }
}
