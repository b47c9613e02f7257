/**
 * The run manager: a queue of runs behind a concurrency limit, one trainer child process per run,
 * step records buffered and written in batched transactions by this process (the only database
 * writer), live events for the UI at most 10 per second per run, graceful stop with a forced kill
 * after a grace period, and a status taken from the child's real exit, never guessed.
 */
import { availableParallelism } from 'node:os';
import type { RunSummary } from '../../src-shared/contract.js';
import type { StepRecord, TrainEvent } from '../../src-shared/step-record.js';
import type { EventHub } from '../app/event-hub.js';
import { forkLauncher, startTrainer, type ChildLauncher, type TrainerExit, type TrainerHandle } from '../trainer/trainer-host.js';
import type { NewRun, RunEnd, RunStore } from './run-store.js';

export interface RunManagerOptions {
  readonly store: RunStore;
  readonly events?: EventHub;
  /** Runs training at once; default: the number of cores. */
  readonly concurrency?: number;
  readonly launcher?: ChildLauncher;
  /** A launcher chosen per run (remote workers: src-main/workers/remote-runs.ts); wins over `launcher`. */
  readonly launcherForRun?: (runId: string) => ChildLauncher;
  /** How often live steps go to the UI (ms); at most 10 updates per second per run by default. */
  readonly flushIntervalMs?: number;
  /**
   * How often buffered steps are written to the database (ms). Each commit rewrites about a page
   * per live series (metrics are keyed run, key, step), so larger, rarer batches cost far less disk
   * than per-step writes; the buffer is also written when it fills and when the run ends.
   */
  readonly persistIntervalMs?: number;
  /** How long a graceful stop may take before the trainer is killed (ms). */
  readonly stopGraceMs?: number;
  /** Called with each step as it arrives (e.g. the CLI's --json printer). */
  readonly onStep?: (runId: string, record: StepRecord) => void;
}

interface LiveRun {
  readonly handle: TrainerHandle;
  steps: StepRecord[];
  events: TrainEvent[];
  unsentSteps: StepRecord[];
  stopRequested: boolean;
  killTimer?: NodeJS.Timeout;
  readonly ended: Promise<RunEnd>;
}

const MAX_BUFFERED_STEPS = 256;

export class RunManager {
  private readonly queue: string[] = [];
  private readonly live = new Map<string, LiveRun>();
  private readonly concurrency: number;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly waiters = new Map<string, ((end: RunEnd) => void)[]>();
  private disposed = false;
  private lastHeartbeat = 0;
  private lastPersist = 0;

  constructor(private readonly options: RunManagerOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? availableParallelism());
    this.flushTimer = setInterval(() => this.tick(), options.flushIntervalMs ?? 100);
    this.flushTimer.unref();
  }

  /** Records queued runs and starts as many as the concurrency limit allows. */
  enqueue(runs: readonly NewRun[]): string[] {
    const ids = runs.map((run) => this.options.store.createRun(run));
    for (const id of ids) {
      this.queue.push(id);
      this.emitSummary(id);
    }
    this.schedule();
    return ids;
  }

  /** Queues runs whose rows already exist (a sweep's, created in one transaction with it). */
  adopt(runs: readonly { runId: string; name: string }[]): string[] {
    for (const { runId } of runs) {
      this.options.store.claim(runId, process.pid);
      this.queue.push(runId);
      this.emitSummary(runId);
    }
    this.schedule();
    return runs.map((r) => r.runId);
  }

  /** Resolves when the run has ended (immediately for a run that is not live or queued here). */
  waitForEnd(runId: string): Promise<RunEnd | null> {
    if (!this.live.has(runId) && !this.queue.includes(runId)) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), resolve]));
  }

  /** Graceful stop (queued runs just leave the queue); the trainer is killed if it does not stop in time. */
  stop(runId: string): boolean {
    const queued = this.queue.indexOf(runId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.end(runId, { status: 'stopped', reason: 'stopped before it started', exitCode: null, signal: null });
      return true;
    }
    const run = this.live.get(runId);
    if (!run) return false;
    if (!run.stopRequested) {
      run.stopRequested = true;
      run.handle.stop();
      run.killTimer = setTimeout(() => run.handle.kill(), this.options.stopGraceMs ?? 10_000);
    }
    return true;
  }

  /** Ends a live run's trainer at once (SIGKILL); the run ends as stopped when a stop was requested, else crashed. */
  kill(runId: string): boolean {
    const run = this.live.get(runId);
    run?.handle.kill();
    return run !== undefined;
  }

  /** Stops everything (e.g. on quit) and waits for the trainers to end. */
  async stopAll(): Promise<void> {
    for (const id of [...this.queue]) this.stop(id);
    const live = [...this.live.entries()];
    for (const [id] of live) this.stop(id);
    await Promise.all(live.map(([, run]) => run.ended));
  }

  get liveRunIds(): string[] {
    return [...this.live.keys()];
  }

  get queuedRunIds(): string[] {
    return [...this.queue];
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.flushTimer);
  }

  private schedule(): void {
    while (!this.disposed && this.live.size < this.concurrency && this.queue.length > 0) {
      this.launch(this.queue.shift()!);
    }
  }

  private launch(runId: string): void {
    const { store } = this.options;
    const config = store.config(runId);
    let resolveEnded!: (end: RunEnd) => void;
    const ended = new Promise<RunEnd>((resolve) => (resolveEnded = resolve));
    const handle = startTrainer(
      config,
      {
        onStarted: (info) => store.markBackend(runId, info.backend),
        onStep: (record) => {
          const run = this.live.get(runId);
          if (!run) return;
          run.steps.push(record);
          run.unsentSteps.push(record);
          this.options.onStep?.(runId, record);
          if (run.steps.length >= MAX_BUFFERED_STEPS) this.flush(runId, run);
        },
        onEvent: (event) => this.live.get(runId)?.events.push(event),
        onCheckpoint: (checkpoint) => {
          const run = this.live.get(runId);
          if (run) this.flush(runId, run); // the steps the weights belong to go first
          store.saveCheckpoint(runId, checkpoint);
        },
      },
      this.options.launcherForRun?.(runId) ?? this.options.launcher ?? forkLauncher,
    );
    const run: LiveRun = { handle, steps: [], events: [], unsentSteps: [], stopRequested: false, ended };
    this.live.set(runId, run);
    store.markRunning(runId, { pid: handle.pid ?? null, ownerPid: process.pid });
    this.emitSummary(runId);
    void handle.exited.then((exit) => {
      if (run.killTimer) clearTimeout(run.killTimer);
      this.flush(runId, run);
      this.live.delete(runId);
      const end = this.describeExit(exit, run.stopRequested);
      this.end(runId, end);
      resolveEnded(end);
      this.schedule();
    });
  }

  private describeExit(exit: TrainerExit, stopRequested: boolean): RunEnd {
    switch (exit.kind) {
      case 'outcome':
        if (exit.outcome.status === 'failed') return { status: 'failed', reason: exit.outcome.reason, exitCode: 1, signal: null };
        return { status: exit.outcome.status, reason: null, exitCode: 0, signal: null };
      case 'error':
        return { status: 'failed', reason: exit.error.message, exitCode: 1, signal: null };
      case 'crashed':
        // A kill we asked for after a stop request is still a stop, not a crash.
        if (stopRequested) return { status: 'stopped', reason: 'stopped by the user (forced after the grace period)', exitCode: exit.exitCode, signal: exit.signal };
        return { status: 'crashed', reason: `the trainer process died (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`})`, exitCode: exit.exitCode, signal: exit.signal };
    }
  }

  private end(runId: string, end: RunEnd): void {
    this.options.store.markEnded(runId, end);
    this.emitSummary(runId);
    for (const resolve of this.waiters.get(runId) ?? []) resolve(end);
    this.waiters.delete(runId);
  }

  /** Writes buffered steps and events of one run in one transaction each; true if steps were written. */
  private flush(runId: string, run: LiveRun): boolean {
    const wroteSteps = run.steps.length > 0;
    if (wroteSteps) {
      this.options.store.appendSteps(runId, run.steps);
      run.steps = [];
    }
    if (run.events.length > 0) {
      this.options.store.appendEvents(runId, run.events);
      run.events = [];
    }
    return wroteSteps;
  }

  /** Every UI interval: notify the UI; every persist interval: write batches, heartbeat, honour stop requests. */
  private tick(): void {
    if (this.live.size === 0) return;
    const persist = Date.now() - this.lastPersist >= (this.options.persistIntervalMs ?? 1000);
    if (persist) this.lastPersist = Date.now();
    for (const [runId, run] of this.live) {
      if (run.unsentSteps.length > 0) {
        this.options.events?.emit('onDidRunStep', { runId, steps: run.unsentSteps.map((r) => ({ step: r.step, samples: r.samples, wallTime: r.wallTime, metrics: r.metrics })) });
        run.unsentSteps = [];
      }
      // The summary is read from the database, so it can only have changed after steps were written.
      if (persist && this.flush(runId, run)) this.emitSummary(runId);
    }
    // Heartbeats (and stop requests from other processes) once a second are plenty.
    if (Date.now() - this.lastHeartbeat >= 1000) {
      this.lastHeartbeat = Date.now();
      for (const runId of this.options.store.heartbeat([...this.live.keys()])) this.stop(runId);
    }
  }

  private emitSummary(runId: string): void {
    if (!this.options.events || this.options.events.size === 0) return;
    const summary: RunSummary = this.options.store.summary(runId);
    this.options.events.emit('onDidChangeRun', summary);
  }
}
