/**
 * An in-memory stand-in for main behind the contract's `Api`, for the renderer's unit tests: it
 * records every request, answers from in-memory runs and sweeps (or from a handler a test installs),
 * and lets tests emit events. Test-only: nothing in the app imports it, so it is never bundled.
 */
import type {
  Api,
  AppInfo,
  Channel,
  EventName,
  Events,
  RequestOf,
  ResponseOf,
  RunSummary,
  SweepPreview,
  SweepSpec,
  SweepSummary,
} from '../../../src-shared/contract.js';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../../../src-shared/run-config.js';
import { err, ok, type Result } from '../../../src-shared/result.js';
import { sweepLabel } from '../../../src-shared/sweep-label.js';

type Handler<C extends Channel> = (request: RequestOf<C>) => Result<ResponseOf<C>> | Promise<Result<ResponseOf<C>>>;
type HandlerMap = { [C in Channel]?: Handler<C> };

let nextRunNumber = 1;

/** A plausible finished run; override any field. */
export function makeRun(overrides: Partial<RunSummary> = {}): RunSummary {
  const n = nextRunNumber++;
  return {
    id: `run-${n}`,
    name: `run ${n}`,
    status: 'finished',
    reason: null,
    task: 'pattern-dense',
    preset: 'grpo',
    seed: 0,
    groupKey: 'g-default',
    optimizer: 'adamw',
    qkClip: false,
    tags: [],
    notes: '',
    sweepId: null,
    stepsDone: 200,
    totalSteps: 200,
    lastReward: 0.5,
    bestReward: 0.6,
    evalReward: null,
    backend: 'wasm',
    createdAt: 1_700_000_000_000 + n * 1000,
    startedAt: 1_700_000_000_000 + n * 1000,
    finishedAt: 1_700_000_100_000 + n * 1000,
    wallTime: 100,
    ...overrides,
  };
}

/** The cells of a sweep: the cartesian product of its axes (what main's preview reports). */
export function expandSweep(spec: SweepSpec): SweepPreview {
  let cells: { label: string; overrides: Record<string, unknown> }[] = [{ label: '', overrides: {} }];
  for (const axis of spec.axes) {
    cells = cells.flatMap((cell) =>
      axis.values.map((value, i) => ({
        label: [cell.label, axis.labels?.[i] ?? `${axis.path}=${JSON.stringify(value)}`].filter((s) => s !== '').join(' · '),
        overrides: { ...cell.overrides, [axis.path]: value },
      })),
    );
  }
  return { count: cells.length * spec.seeds.length, cells, seeds: spec.seeds };
}

export class FakeApi implements Api {
  /** Every request, in order. */
  readonly calls: { channel: Channel; request: unknown }[] = [];
  runs: RunSummary[] = [];
  sweeps: SweepSummary[] = [];
  readonly configs = new Map<string, RunConfig>();
  info: AppInfo = { version: '0.1.0', databasePath: '/home/ada/.config/hmpo-lab/hmpo-lab.db', concurrency: 4, mode: 'browser' };

  readonly #handlers: HandlerMap = {};
  readonly #listeners = new Map<EventName, Set<(payload: never) => void>>();
  #nextId = 1;

  /** Answers `channel` with `handler` instead of the built-in behaviour. */
  handle<C extends Channel>(channel: C, handler: Handler<C>): this {
    (this.#handlers as Record<Channel, unknown>)[channel] = handler;
    return this;
  }

  callsTo<C extends Channel>(channel: C): RequestOf<C>[] {
    return this.calls.filter((call) => call.channel === channel).map((call) => call.request as RequestOf<C>);
  }

  async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
    this.calls.push({ channel, request });
    const handler = this.#handlers[channel] as Handler<C> | undefined;
    if (handler) return handler(request);
    return this.#answer(channel, request) as Result<ResponseOf<C>>;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) (listener as (payload: Events[E]) => void)(payload);
  }

  listenerCount(event: EventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  #answer(channel: Channel, request: unknown): Result<unknown> {
    switch (channel) {
      case 'app:info':
        return ok(this.info);
      case 'runs:list':
        return ok([...this.runs]);
      case 'runs:get': {
        const { runId } = request as RequestOf<'runs:get'>;
        const summary = this.runs.find((run) => run.id === runId);
        if (!summary) return err('NOT_FOUND', `no run ${runId}`);
        return ok({ summary, config: this.configs.get(runId) ?? { ...DEFAULT_RUN_CONFIG, seed: summary.seed }, events: [] });
      }
      case 'runs:start': {
        const { config, seeds } = request as RequestOf<'runs:start'>;
        const valid = validateRunConfig(config);
        if (!valid.ok) return valid;
        const runIds = seeds.map((seed) => this.#addRun(valid.value, seed, null));
        return ok({ runIds });
      }
      case 'runs:stop': {
        const { runId } = request as RequestOf<'runs:stop'>;
        this.#update(runId, { status: 'stopped' });
        return ok(null);
      }
      case 'runs:delete': {
        const { runIds } = request as RequestOf<'runs:delete'>;
        this.runs = this.runs.filter((run) => !runIds.includes(run.id));
        this.emit('onDidRemoveRuns', { runIds });
        return ok(null);
      }
      case 'runs:setTags': {
        const { runId, tags } = request as RequestOf<'runs:setTags'>;
        this.#update(runId, { tags });
        return ok(null);
      }
      case 'runs:setNotes': {
        const { runId, notes } = request as RequestOf<'runs:setNotes'>;
        this.#update(runId, { notes });
        return ok(null);
      }
      case 'sweeps:preview':
        return ok(expandSweep(request as SweepSpec));
      case 'sweeps:start': {
        const spec = request as SweepSpec;
        const sweepId = String(this.#nextId++);
        const preview = expandSweep(spec);
        const runIds = preview.cells.flatMap(() => spec.seeds.map((seed) => this.#addRun({ ...DEFAULT_RUN_CONFIG, seed }, seed, sweepId)));
        const name = spec.name ?? '';
        this.sweeps.push({ id: sweepId, name, label: sweepLabel({ id: sweepId, name }), createdAt: Date.now(), runIds, axes: spec.axes, seeds: spec.seeds });
        return ok({ sweepId, runIds });
      }
      case 'sweeps:list':
        return ok([...this.sweeps]);
      case 'sweeps:rename': {
        const { sweepId, name } = request as RequestOf<'sweeps:rename'>;
        const index = this.sweeps.findIndex((s) => s.id === sweepId);
        if (index === -1) return err('SWEEP_NOT_FOUND', `no sweep with id ${sweepId}; it may have been deleted`);
        const sweep = { ...this.sweeps[index]!, name: name.trim(), label: sweepLabel({ id: sweepId, name }) };
        this.sweeps[index] = sweep;
        return ok(sweep);
      }
      case 'export:start':
        return ok({ exportId: `export-${this.#nextId++}` });
      case 'export:cancel':
        return ok(null);
      default:
        return err('NOT_IMPLEMENTED', `the fake Api does not answer ${channel}; install a handler with handle()`);
    }
  }

  #addRun(config: RunConfig, seed: number, sweepId: string | null): string {
    const run = makeRun({
      id: `new-${this.#nextId++}`,
      status: 'queued',
      seed,
      sweepId,
      task: config.task,
      preset: config.objective.preset,
      stepsDone: 0,
      totalSteps: config.totalSteps,
      lastReward: null,
      bestReward: null,
      startedAt: null,
      finishedAt: null,
      wallTime: null,
    });
    this.runs.push(run);
    this.configs.set(run.id, { ...config, seed });
    this.emit('onDidChangeRun', run);
    return run.id;
  }

  #update(runId: string, patch: Partial<RunSummary>): void {
    const index = this.runs.findIndex((run) => run.id === runId);
    if (index === -1) return;
    const run = { ...this.runs[index]!, ...patch };
    this.runs[index] = run;
    this.emit('onDidChangeRun', run);
  }
}
