/**
 * The trainer's side of the AGM controllers in the loop (RunConfig `controller`): builds each
 * step's telemetry record exactly as the AGM export does, feeds it to the closed-loop controller,
 * and hands the loop what to train with next (objective, learning rate) plus the control/* metrics
 * and the event for a step whose decision changed something. Holds no tensors; the loop applies.
 */
import { ClosedLoopController, controlledObjective, controllerActive } from '../../src-shared/controllers/closed-loop.js';
import { runBaseHyperparams } from '../../src-shared/controllers/run-suite-settings.js';
import { TelemetryRecordSchema } from '../../src-shared/controllers/telemetry-record.js';
import type { MetricValues } from '../../src-shared/metrics.js';
import type { ResolvedObjective } from '../../src-shared/objective-config.js';
import type { RunConfig } from '../../src-shared/run-config.js';
import type { TrainEvent } from '../../src-shared/step-record.js';
import { TelemetryLineBuilder } from '../export/agm-telemetry-line.js';
import type { ExportStep } from '../export/export-source.js';

export class TrainerControl {
  readonly #loop: ClosedLoopController;
  readonly #telemetry: TelemetryLineBuilder;

  private constructor(
    private readonly config: RunConfig,
    private readonly baseObjective: ResolvedObjective,
  ) {
    const m = baseObjective.mean;
    this.#loop = new ClosedLoopController(config.controller, baseObjective.level === 'sequence' && m.kind === 'power' ? m.p : null, runBaseHyperparams(config));
    this.#telemetry = new TelemetryLineBuilder(config);
  }

  /** A controller for the run, or undefined when every switch of `config.controller` is off. */
  static forRun(config: RunConfig, objective: ResolvedObjective): TrainerControl | undefined {
    // A config stored before RunConfig had `controller` (a run queued then) has none: not controlled.
    const settings = config.controller as RunConfig['controller'] | undefined;
    return settings !== undefined && controllerActive(settings) ? new TrainerControl(config, objective) : undefined;
  }

  /** The objective to train with: the run's own with the controlled clip scale and p. */
  get objective(): ResolvedObjective {
    return controlledObjective(this.baseObjective, this.#loop.knobs);
  }

  get learningRate(): number {
    return this.config.optimizer.learningRate * this.#loop.knobs.lrMultiplier;
  }

  /** True once the controller has stopped the run early. */
  get stopped(): boolean {
    return this.#loop.stopped;
  }

  /** The multipliers in force during the step about to be recorded. */
  metricsInForce(): MetricValues {
    const k = this.#loop.knobs;
    return { 'control/lr_multiplier': k.lrMultiplier, 'control/eps_multiplier': k.epsMultiplier };
  }

  /** Decides on a finished step's telemetry: metrics to add to it, and an event if anything changed. */
  afterStep(step: ExportStep): { metrics: MetricValues; event?: TrainEvent } {
    const record = TelemetryRecordSchema.parse(this.#telemetry.build(step));
    const { decision, changes, stopReason } = this.#loop.observe(record);
    const metrics: MetricValues = { 'control/convergence_rate': decision.convergence_rate, 'control/changes': changes.length };
    if (changes.length === 0) return { metrics };
    return { metrics, event: { kind: 'control', step: step.step, changes, phase: decision.phase, convergenceRate: decision.convergence_rate, ...(stopReason ? { reason: stopReason } : {}) } };
  }
}
