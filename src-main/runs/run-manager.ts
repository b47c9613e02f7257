/**
 * The run manager: a queue of runs behind a concurrency limit, one trainer child process per run,
 * step records buffered and written in batched transactions by this process (the only database
 * writer). Write before show: the UI stream and the onStep callback (the CLI's --json and progress)
 * get a step only after it was committed, so a crash of this process never loses a step anyone saw.
 * Graceful stop with a forced kill after a grace period; a status taken from the child's outcome or
 * real death, never guessed; heartbeats and a periodic liveness check of other processes' runs.
 */
import { availableParallelism } from 'node:os';
import type { RunSummary } from '../../src-shared/contract.js';
import type { StepRecord, TrainEvent } from '../../src-shared/step-record.js';
import { forkLauncher, startTrainer, type ChildLauncher, type TrainerExit, type TrainerHandle } from '../trainer/trainer-host.js';
import type { NewRun, RunEnd, RunEventSink, RunStore } from './run-store.js';

export interface RunManagerOptions {
  readonly store: RunStore;
  readonly events?: RunEventSink;
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
   * than per-step writes; the buffer is also written when it fills, before a checkpoint and when the
   * run ends. Steps reach the UI and onStep only once written, so this is also the display latency,
   * and what a crash of this process can lose (steps trained but never shown).
   */
  readonly persistIntervalMs?: number;
  /** How often other processes' runs are checked for a dead owner (ms). */
  readonly reconcileIntervalMs?: number;
  /** How long a graceful stop may take before the trainer is killed (ms). */
  readonly stopGraceMs?: number;
  /** Called with each step once it is committed to the database (e.g. the CLI's --json printer). */
  readonly onStep?: (runId: string, record: StepRecord) => void;
}

interface LiveRun {
  readonly handle: TrainerHandle;
  /** Received from the trainer, not yet committed (never shown). */
  steps: StepRecord[];
  events: TrainEvent[];
  /** Committed, not yet sent to the UI. */
  unsentSteps: StepRecord[];
  stopRequested: boolean;
  /** Set when this process ended the trainer itself: after the grace period, or at once on the user's word. */
  forced?: 'grace' | 'user';
  killTimer?: NodeJS.Timeout;
  readonly ended: Promise<RunEnd | null>;
}

const MAX_BUFFERED_STEPS = 256;
const DEFAULT_STOP_GRACE_MS = 10_000;

export class RunManager {
  private readonly queue: string[] = [];
  private readonly live = new Map<string, LiveRun>();
  /** Runs picked up again after a restart (adopt): already running elsewhere, so not checked as queued ones are. */
  private readonly adopted = new Set<string>();
  private readonly concurrency: number;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly waiters = new Map<string, ((end: RunEnd | null) => void)[]>();
  private disposed = false;
  private lastHeartbeat = 0;
  private lastPersist = 0;
  private lastReconcile = Date.now();

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
      this.adopted.add(runId);
      this.queue.push(runId);
      this.emitSummary(runId);
    }
    this.schedule();
    return runs.map((r) => r.runId);
  }

  /**
   * Resolves when the run has ended: its end, or null for a run that is not live or queued here or
   * that another process deleted before it started.
   */
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
      run.killTimer = setTimeout(() => {
        run.forced = 'grace';
        run.handle.kill();
      }, this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    }
    return true;
  }

  /** Ends a live run's trainer at once (SIGKILL) on the user's word; the run ends as stopped. */
  kill(runId: string): boolean {
    const run = this.live.get(runId);
    if (!run) return false;
    run.forced ??= 'user';
    run.handle.kill();
    return true;
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
      const runId = this.queue.shift()!;
      try {
        this.launch(runId);
      } catch (error) {
        // Never an unhandled rejection (schedule also runs from a trainer's exit): the run fails, the queue goes on.
        console.error(`hmpo-lab: could not start run ${runId}:`, error);
        this.end(runId, { status: 'failed', reason: `could not start: ${(error as Error).message}`, exitCode: null, signal: null });
      }
    }
  }

  private launch(runId: string): void {
    const { store } = this.options;
    // Another process may have deleted the run, asked to stop it or ended it while it was queued here.
    // An adopted run is already running (on a remote worker): it only has to still exist.
    const check = this.adopted.delete(runId) ? (store.exists(runId) ? { ok: true as const, config: store.config(runId) } : { ok: false as const, why: 'deleted' as const }) : store.startable(runId);
    if (!check.ok) {
      if (check.why === 'stop-requested') this.end(runId, { status: 'stopped', reason: 'stopped before it started', exitCode: null, signal: null });
      else this.settleStanding(runId, null);
      return;
    }
    const config = check.config;
    let resolveEnded!: (end: RunEnd | null) => void;
    const ended = new Promise<RunEnd | null>((resolve) => (resolveEnded = resolve));
    const handle = startTrainer(
      config,
      {
        onStarted: (info) => store.markBackend(runId, info.backend),
        onStep: (record) => {
          const run = this.live.get(runId);
          if (!run) return;
          run.steps.push(record);
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
    try {
      store.markRunning(runId, { pid: handle.pid ?? null, ownerPid: process.pid });
    } catch (error) {
      handle.kill(); // deleted or ended by another process since the check: nothing to train for
      if (store.exists(runId)) throw error;
      this.settleStanding(runId, null);
      return;
    }
    this.live.set(runId, run);
    this.emitSummary(runId);
    void handle.exited.then((exit) => {
      if (run.killTimer) clearTimeout(run.killTimer);
      this.flush(runId, run);
      this.sendSteps(runId, run);
      this.live.delete(runId);
      resolveEnded(this.end(runId, this.describeExit(exit, run)));
      this.schedule();
    });
  }

  private describeExit(exit: TrainerExit, run: LiveRun): RunEnd {
    switch (exit.kind) {
      case 'outcome':
        if (exit.outcome.status === 'failed') return { status: 'failed', reason: exit.outcome.reason, exitCode: 1, signal: null };
        return { status: exit.outcome.status, reason: null, exitCode: 0, signal: null };
      case 'error':
        return { status: 'failed', reason: exit.error.message, exitCode: 1, signal: null };
      case 'protocol-error':
        return { status: 'failed', reason: exit.message, exitCode: 0, signal: null };
      case 'crashed': {
        const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.exitCode}`;
        // A kill this process made on the user's behalf is a stop; any other death is a crash.
        if (run.forced === 'grace') return { status: 'stopped', reason: `stopped by the user (forced: the trainer did not stop within ${Math.round((this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS) / 1000)} s)`, exitCode: exit.exitCode, signal: exit.signal };
        if (run.forced === 'user') return { status: 'stopped', reason: 'stopped by the user (ended at once)', exitCode: exit.exitCode, signal: exit.signal };
        return { status: 'crashed', reason: `the trainer process died (${how})`, exitCode: exit.exitCode, signal: exit.signal };
      }
    }
  }

  /** Records the run's end and tells its waiters; returns the end that stands. */
  private end(runId: string, end: RunEnd): RunEnd {
    if (this.options.store.markEnded(runId, end)) {
      this.emitSummary(runId);
      this.settle(runId, end);
      return end;
    }
    // Another process deleted or already ended the run (e.g. its liveness check took this process for
    // dead while it was suspended): its record stands, and waiters hear that, not this process's view.
    const standing = this.standingEnd(runId, end);
    this.settleStanding(runId, standing);
    return standing;
  }

  /** The end recorded in the database for a run another process ended; `fallback` if it was deleted. */
  private standingEnd(runId: string, fallback: RunEnd): RunEnd {
    if (!this.options.store.exists(runId)) return fallback;
    const { status, reason } = this.options.store.summary(runId);
    return status === 'queued' || status === 'running' ? fallback : { ...fallback, status, reason };
  }

  /**
   * Settles a run this process did not end itself (another process ended or deleted it), and tells
   * the listeners how it stands: its stored summary, or its removal. Without this the UI, and the
   * CLI waiting on these events, would never hear that it ended.
   */
  private settleStanding(runId: string, end: RunEnd | null): void {
    if (this.options.store.exists(runId)) this.emitSummary(runId);
    else this.options.events?.emit('onDidRemoveRuns', { runIds: [runId] });
    this.settle(runId, end);
  }

  /** Resolves whoever waits for this run. */
  private settle(runId: string, end: RunEnd | null): void {
    for (const resolve of this.waiters.get(runId) ?? []) resolve(end);
    this.waiters.delete(runId);
  }

  /**
   * Writes buffered steps and events of one run in one transaction each, then hands the steps to
   * onStep and the UI queue (write before show); true if steps were written.
   */
  private flush(runId: string, run: LiveRun): boolean {
    const written = run.steps;
    if (written.length > 0) {
      this.options.store.appendSteps(runId, written);
      run.steps = [];
      for (const record of written) this.options.onStep?.(runId, record);
      run.unsentSteps.push(...written);
    }
    if (run.events.length > 0) {
      this.options.store.appendEvents(runId, run.events);
      run.events = [];
    }
    return written.length > 0;
  }

  private sendSteps(runId: string, run: LiveRun): void {
    if (run.unsentSteps.length === 0) return;
    this.options.events?.emit('onDidRunStep', { runId, steps: run.unsentSteps.map((r) => ({ step: r.step, samples: r.samples, wallTime: r.wallTime, metrics: r.metrics })) });
    run.unsentSteps = [];
  }

  /**
   * Every UI interval: send committed steps to the UI; every persist interval: write batches; once a
   * second: heartbeat and stop requests from other processes; every reconcile interval: mark runs of
   * dead owners. A failing database never throws out of the timer (that would end this process).
   */
  private tick(): void {
    try {
      const now = Date.now();
      const persist = now - this.lastPersist >= (this.options.persistIntervalMs ?? 250);
      if (persist) this.lastPersist = now;
      for (const [runId, run] of this.live) {
        // The summary is read from the database, so it can only have changed after steps were written.
        if (persist && this.flush(runId, run)) this.emitSummary(runId);
        this.sendSteps(runId, run);
      }
      if (now - this.lastHeartbeat >= 1000 && this.live.size + this.queue.length > 0) {
        this.lastHeartbeat = now;
        for (const runId of this.options.store.heartbeat([...this.live.keys(), ...this.queue])) this.stop(runId);
      }
      if (now - this.lastReconcile >= (this.options.reconcileIntervalMs ?? 2000)) {
        this.lastReconcile = now;
        for (const runId of this.options.store.reconcile()) this.emitSummary(runId);
      }
    } catch (error) {
      console.error('hmpo-lab: the run manager could not write to the database:', error);
    }
  }

  private emitSummary(runId: string): void {
    if (!this.options.events || this.options.events.size === 0) return;
    const summary: RunSummary = this.options.store.summary(runId);
    this.options.events.emit('onDidChangeRun', summary);
  }
}
