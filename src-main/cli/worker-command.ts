/**
 * `hmpo-lab worker --redis URL`: turns this machine into a training worker for apps that queue runs
 * on the same Redis (README "Workers"). It trains each job in its own trainer child, as the app
 * would locally, and sends everything back through Redis; it never opens a database and listens on
 * no port. Ctrl-C stops its runs after their current step and leaves.
 */
import { Option, type Command } from 'commander';
import { BACKENDS, type BackendChoice } from '../../src-shared/run-config.js';
import { lostAfterMs } from '../workers/remote-cli-options.js';
import { checkRedis, parseRedisUrl, RedisSetupError } from '../workers/redis-connection.js';
import { RemoteWorker } from '../workers/remote-worker.js';
import { CliError, runCommand } from './cli-errors.js';

interface WorkerOptions {
  redis: string;
  concurrency: string;
  backend?: BackendChoice;
  name?: string;
  lostAfter: string;
}

async function work(options: WorkerOptions): Promise<void> {
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError(`--concurrency must be a whole number >= 1, got '${options.concurrency}'`);
  if (options.name !== undefined && !/^[\w.@-]{1,64}$/.test(options.name)) throw new CliError(`--name '${options.name}': use 1 to 64 letters, digits, '.', '-', '_' or '@'`);
  const lostAfter = lostAfterMs(options.lostAfter);
  let target;
  try {
    target = parseRedisUrl(options.redis);
    await checkRedis(target);
  } catch (error) {
    if (error instanceof RedisSetupError) throw new CliError(error.message);
    throw error;
  }
  const worker = new RemoteWorker({
    target,
    concurrency,
    ...(options.name ? { name: options.name } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(lostAfter === undefined ? {} : { lostAfterMs: lostAfter }),
  });
  process.stderr.write(`hmpo-lab worker: ${worker.name} waiting for runs on ${target.label} (${concurrency} at a time, backend ${options.backend ?? 'as each run asks'})\n`);
  await new Promise<void>((resolve) => {
    const quit = () => {
      process.stderr.write(`hmpo-lab worker: ${worker.name} stopping its runs after their current step\n`);
      void worker.close().then(resolve);
    };
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
  });
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('train runs queued by an app on the same Redis (see README "Workers")')
    .requiredOption('--redis <url>', 'redis://[:password@]host:port, or rediss:// for TLS')
    .option('--concurrency <n>', 'runs training at once on this machine', '1')
    .addOption(new Option('--backend <name>', "tfjs backend for every run here (default: each run's own)").choices(BACKENDS))
    .option('--name <name>', 'name shown in the app (default: host-pid)')
    .option('--lost-after <seconds>', 'the app marks a run crashed when this worker stops responding for about this long', '30')
    .action(runCommand('worker', (options: WorkerOptions) => work(options)));
}
