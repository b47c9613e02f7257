/**
 * LaunchState: the launch form's values, live validation (validateRunConfig, the same validator
 * main runs again) with each message placed at the field it names, the "× N seeds" count, and
 * submission through `runs:start`. Main's refusal is kept as data and shown at the form. Clone &
 * edit prefills it from a run's config. The schema-to-form mapping lives in config-form.ts.
 */
import type { Api } from '../../src-shared/contract.js';
import type { ObjectivePreset } from '../../src-shared/objective-config.js';
import type { AppError } from '../../src-shared/result.js';
import { validateRunConfig, type RunConfigInput } from '../../src-shared/run-config.js';
import { configFromValues, DEFAULT_FORM_VALUES, NO_PROBLEMS, problemsFromMessage, valuesFromConfig, type FieldValue, type FormProblems, type FormValues } from './config-form.js';

/** Most seeds one launch may start (the contract allows 1000; a form typo should not). */
export const MAX_SEEDS_PER_LAUNCH = 100;

export type SeedPlan = { readonly ok: true; readonly seeds: readonly number[] } | { readonly ok: false; readonly message: string };

/** `count` consecutive seeds starting at the config's seed. */
export function seedPlan(countText: string, firstSeed: unknown): SeedPlan {
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1 || count > MAX_SEEDS_PER_LAUNCH) {
    return { ok: false, message: `seeds: enter a whole number of seeds from 1 to ${MAX_SEEDS_PER_LAUNCH} (got ${JSON.stringify(countText)})` };
  }
  const start = typeof firstSeed === 'number' && Number.isInteger(firstSeed) && firstSeed >= 0 ? firstSeed : 0;
  return { ok: true, seeds: Array.from({ length: count }, (_, i) => start + i) };
}

export class LaunchState {
  values = $state.raw<FormValues>(DEFAULT_FORM_VALUES);
  seedCount = $state('1');
  submitting = $state(false);
  /** Main's answer to the last submission, when it refused. */
  submitError = $state.raw<AppError | null>(null);
  /** Run ids of the last successful launch. */
  launched = $state.raw<readonly string[]>([]);
  /** Where the values came from, for the form's heading ("Clone of run X"). */
  origin = $state<string | null>(null);

  readonly preset = $derived(this.values['objective.preset'] as ObjectivePreset);
  readonly configInput: RunConfigInput = $derived(configFromValues(this.values));
  readonly validation = $derived(validateRunConfig(this.configInput));
  readonly seeds: SeedPlan = $derived(seedPlan(this.seedCount, this.validation.ok ? this.validation.value.seed : this.configInput.seed));
  /** Problems found in the browser, by field; refreshed as the user types. */
  readonly problems: FormProblems = $derived(this.validation.ok ? NO_PROBLEMS : problemsFromMessage(this.validation.error.message));
  /** Main's refusal, placed at fields the same way. */
  readonly submitProblems: FormProblems = $derived(this.submitError ? problemsFromMessage(this.submitError.message) : NO_PROBLEMS);
  readonly canSubmit = $derived(this.validation.ok && this.seeds.ok && !this.submitting);

  constructor(private readonly api: Api) {}

  set(path: string, value: FieldValue): void {
    this.values = { ...this.values, [path]: value };
    this.submitError = null;
  }

  /** Messages for one field or group: the live ones, else main's. */
  problemsAt(path: string): readonly string[] {
    return this.problems.byPath.get(path) ?? this.submitProblems.byPath.get(path) ?? [];
  }

  /** Fills the form from a config (clone & edit); `origin` names where it came from. */
  prefill(config: RunConfigInput, origin: string | null = null): void {
    this.values = valuesFromConfig(config);
    this.origin = origin;
    this.submitError = null;
    this.launched = [];
  }

  reset(): void {
    this.prefill({});
    this.seedCount = '1';
  }

  /** Starts one run per seed; returns their ids, or null when the form or main refused. */
  async submit(): Promise<readonly string[] | null> {
    if (!this.validation.ok || !this.seeds.ok || this.submitting) return null;
    this.submitting = true;
    this.submitError = null;
    const result = await this.api.invoke('runs:start', { config: this.configInput, seeds: [...this.seeds.seeds] });
    this.submitting = false;
    if (!result.ok) {
      this.submitError = result.error;
      return null;
    }
    this.launched = result.value.runIds;
    return result.value.runIds;
  }
}
