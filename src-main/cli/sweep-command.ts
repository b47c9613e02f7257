/**
 * `hmpo-lab sweep`: a base config x objectives (the first axis) x optional MuonClip off/on x any
 * extra axes x seeds (the same seeds in every cell), recorded as a sweep and trained behind the
 * concurrency limit with one progress bar. `--plan NAME` is a built-in plan (src-shared/plans);
 * `--until-resolved` adds seeds in rounds until every pairwise verdict is resolved (sweeps/until-resolved.ts).
 */
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { SweepSpec } from '../../src-shared/contract.js';
import { OBJECTIVE_PRESETS } from '../../src-shared/objective-config.js';
import { optimizerClipAxis } from '../../src-shared/plans/optimizer-clip-axis.js';
import { isPlanName, planSpec, PLAN_INFO, PLAN_NAMES, PlanNeedsTauError, type PlanName } from '../../src-shared/plans/plans.js';
import type { RunConfigInput } from '../../src-shared/run-config.js';
import type { App } from '../app/create-app.js';
import { OUTCOMES } from '../sweeps/run-outcome.js';
import { calibrateTau, describeCalibration } from './calibrate-tau-command.js';
import { runUntilResolvedCommand, type UntilResolvedFlags } from './until-resolved.js';
import { sweepLabel } from '../../src-shared/sweep-label.js';
import { openAppForCli, viaHandler } from './app-for-cli.js';
import { CliError, runCommand } from './cli-errors.js';
import { applyOverrides, parseOverrideValue } from './config-overrides.js';
import { readJsonInput } from './read-json-input.js';
import { stopRun, untilRunEnds } from './run-control.js';
import { connectRemote, lostAfterOption, redisOption, type RedisOptions } from '../workers/remote-cli-options.js';

interface SweepOptions extends RedisOptions {
  config?: string;
  objectives?: string;
  seeds?: string;
  muonclip?: boolean;
  axis: string[];
  set: string[];
  plan?: string | boolean;
  tau?: string;
  name?: string;
  concurrency?: string;
}

/** "hmpo" -> {preset: 'hmpo'}; "power:0.5" -> {preset: 'power', p: 0.5}. */
export function parseObjective(text: string): { preset: string; p?: number } {
  const [preset, p] = text.split(':');
  if (!OBJECTIVE_PRESETS.includes(preset as never)) throw new CliError(`--objectives: '${preset}' is not one of ${OBJECTIVE_PRESETS.join(', ')}`);
  if (p === undefined) return { preset: preset! };
  const value = Number(p);
  if (p.trim() === '' || !Number.isFinite(value)) throw new CliError(`--objectives: '${text}' needs a number after the colon, e.g. power:0.5`);
  return { preset: preset!, p: value };
}

/** "3" -> [0, 1, 2]; "7,8,9" -> [7, 8, 9]. */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isInteger(n) || n < 0)) throw new CliError(`--seeds '${text}': give a count (e.g. 3) or a list of whole numbers (e.g. 0,1,2)`);
  return parts.length === 1 ? Array.from({ length: numbers[0]! }, (_, i) => i) : numbers;
}

/** `--plan` alone is the seed experiment plan (as before plans had names). */
function planNameOf(plan: string | boolean): PlanName {
  const name = plan === true ? 'seed' : String(plan);
  if (!isPlanName(name)) throw new CliError(`--plan: '${name}' is not a plan; choose one of ${PLAN_NAMES.join(', ')}`);
  return name;
}

/** --tau: a number, or 'auto' to measure it with a calibration run first (needs the app). */
async function tauFor(options: SweepOptions, base: RunConfigInput, openApp: () => Promise<App>): Promise<number | undefined> {
  if (options.tau === undefined) return undefined;
  if (options.tau !== 'auto') {
    const tau = Number(options.tau);
    if (!(tau > 0) || !Number.isFinite(tau)) throw new CliError(`--tau must be a number > 0 or 'auto', got '${options.tau}'`);
    return tau;
  }
  const calibration = await calibrateTau(await openApp(), base);
  process.stderr.write(`hmpo-lab sweep: ${describeCalibration(calibration)}\n`);
  return calibration.tau;
}

async function buildSpec(options: SweepOptions, openApp: () => Promise<App>): Promise<SweepSpec> {
  const base = applyOverrides(options.config === undefined ? undefined : await readJsonInput(options.config), {}, options.set);
  const seeds = parseSeeds(options.seeds ?? '3');
  if (options.plan) {
    const name = planNameOf(options.plan);
    if (options.objectives || options.muonclip || options.axis.length > 0) throw new CliError(`--plan ${name} sets the axes itself; drop --objectives, --muonclip and --axis, or drop --plan`);
    try {
      const spec = planSpec(name, { base, seeds, ...(PLAN_INFO[name].needsTau ? { tau: await tauFor(options, base as RunConfigInput, openApp) } : {}) });
      // --set wins over a plan's own settings (the stress regime's, e.g. totalSteps).
      return { ...spec, base: applyOverrides(spec.base, {}, options.set), ...(options.name ? { name: options.name } : {}) };
    } catch (error) {
      if (error instanceof PlanNeedsTauError) throw new CliError(`${error.message}, or pass --tau auto`);
      throw error;
    }
  }
  const axes: SweepSpec['axes'][number][] = [];
  if (options.objectives) axes.push({ path: 'objective', values: options.objectives.split(',').map((o) => parseObjective(o.trim())) });
  if (options.muonclip) {
    const tau = await tauFor(options, base as RunConfigInput, openApp);
    if (tau === undefined) throw new CliError('--muonclip needs a tau that fires at this model size: --tau <number> (see hmpo-lab calibrate-tau) or --tau auto');
    axes.push(optimizerClipAxis(tau));
  }
  for (const text of options.axis) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new CliError(`--axis '${text}': expected path=value1,value2, e.g. --axis optimizer.learningRate=0.001,0.003`);
    axes.push({ path: text.slice(0, eq), values: text.slice(eq + 1).split(',').map((v) => parseOverrideValue(v.trim())) });
  }
  if (axes.length === 0) throw new CliError('a sweep needs at least one axis: --objectives, --muonclip, --axis, or --plan');
  return { ...(options.name === undefined ? {} : { name: options.name }), base, axes, seeds };
}

/** The options that only --until-resolved reads (option key, flag). */
const UNTIL_RESOLVED_FLAGS = [
  ['outcome', '--outcome'],
  ['budgetRuns', '--budget-runs'],
  ['budgetMinutes', '--budget-minutes'],
  ['roundSeeds', '--round-seeds'],
  ['margin', '--margin'],
  ['alpha', '--alpha'],
] as const;

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('launch a sweep: objectives x [MuonClip off/on] x [axes] x seeds (same seeds in every cell)')
    .option('-c, --config <file>', 'base run config as JSON')
    .option('-o, --objectives <list>', 'comma-separated presets, power with its p: gspo,hmpo,power:1,power:0,power:-1,learnable,agm')
    .option('-s, --seeds <n|list>', 'seed count or list', '3')
    .option('--muonclip', 'add an axis AdamW / AdamW + QK-clip / Muon / Muon + QK-clip (needs --tau)')
    .option('--axis <path=v1,v2>', 'another axis over any config field (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--set <key=value>', 'override a base config field (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--plan [name]', `a built-in plan (alone: seed): ${PLAN_NAMES.map((n) => `${n}: ${PLAN_INFO[n].doc}`).join('; ')}`)
    .option('--tau <number|auto>', 'QK-clip tau for plans and axes with QK-clip arms; auto measures it first (hmpo-lab calibrate-tau)')
    .option('--until-resolved', 'add seeds in rounds (paired across arms) until every pairwise verdict is resolved or the budget is spent')
    .option('--outcome <name>', `outcome the verdicts compare (with --until-resolved): ${OUTCOMES.join(', ')}`, 'final-reward')
    .option('--budget-runs <n>', 'with --until-resolved: most runs in all rounds together')
    .option('--budget-minutes <m>', 'with --until-resolved: start no round that would end after this many minutes')
    .option('--round-seeds <n>', 'with --until-resolved: new seeds per cell in each later round', '2')
    .option('--margin <x>', 'with --until-resolved: a pair whose difference is surely within +-x (outcome units) is resolved as equivalent')
    .option('--alpha <a>', 'with --until-resolved: family-wise error rate over all pairs and looks', '0.05')
    .option('--name <name>', 'sweep name')
    .option('--concurrency <n>', 'runs training at once (default: the number of cores)')
    .addOption(redisOption())
    .addOption(lostAfterOption())
    .action(
      runCommand('sweep', async (options: SweepOptions & UntilResolvedFlags, command: Command) => {
        const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
        if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new CliError(`--concurrency must be a whole number >= 1, got '${options.concurrency}'`);
        if (options.untilResolved) return runUntilResolvedCommand(options, command, (openApp) => buildSpec(options, openApp));
        // A budget or margin given without --until-resolved would otherwise be ignored without a word.
        const stray = UNTIL_RESOLVED_FLAGS.find(([key]) => command.getOptionValueSource(key) === 'cli');
        if (stray) throw new CliError(`${stray[1]} only applies with --until-resolved; add --until-resolved or drop ${stray[1]}`);
        let calibrationApp: Promise<App> | undefined;
        const spec = await buildSpec(options, () => (calibrationApp ??= openAppForCli(command, { concurrency: 1 }))).finally(async () => (await calibrationApp)?.close());
        const bar = process.stderr.isTTY ? new SingleBar({ format: ' {bar} {value}/{total} steps | {done}/{runs} runs done | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }) : undefined;
        let stepsDone = 0;
        const remote = await connectRemote(options);
        const app = await openAppForCli(command, { ...(concurrency ? { concurrency } : {}), ...(remote ? { remote } : {}), onStep: () => bar?.update(++stepsDone) });
        try {
          const { sweepId, runIds } = await viaHandler(() => app.handlers['sweeps:start'](spec));
          // The same label as the UI's Sweeps view and export dialog ("sweep 3 · lr grid").
          const label = sweepLabel({ id: sweepId, name: spec.name ?? '' });
          const ended = runIds.map((id) => untilRunEnds(app, id));
          const total = (await app.handlers['runs:list'](null)).filter((r) => runIds.includes(r.id)).reduce((n, r) => n + r.totalSteps, 0);
          process.stderr.write(`hmpo-lab sweep: ${label} with ${runIds.length} runs (${spec.seeds.length} seeds per cell), ${app.info.concurrency} at a time\n`);
          bar?.start(total, 0, { done: 0, runs: runIds.length });
          let done = 0;
          let interrupted = false;
          const onSigint = () => {
            if (interrupted) process.exit(130);
            interrupted = true;
            process.stderr.write('\nhmpo-lab sweep: stopping every run after its current step (Ctrl-C again to quit at once)\n');
            for (const id of runIds) void stopRun(app, id);
          };
          process.on('SIGINT', onSigint);
          const ends = await Promise.all(ended.map((end) => end.then((summary) => (bar?.update(stepsDone, { done: ++done }), summary))));
          process.off('SIGINT', onSigint);
          bar?.stop();
          const counts = new Map<string, number>();
          // null: another process deleted the run before it started.
          for (const end of ends) counts.set(end?.status ?? 'deleted', (counts.get(end?.status ?? 'deleted') ?? 0) + 1);
          process.stderr.write(`hmpo-lab sweep: ${label} ended: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}. Compare with: hmpo-lab compare --sweep ${sweepId}\n`);
          if (ends.some((e) => e?.status === 'failed' || e?.status === 'crashed')) process.exitCode = 1;
        } finally {
          await app.close();
        }
      }),
    );
}
