/**
 * The `--redis URL` and `--lost-after SECONDS` options shared by `run`, `sweep` and `serve`, and
 * turning them into a connected RemoteRuns (or nothing: the local path stays the default). Redis
 * problems become one-line CliErrors. HMPO_LAB_REDIS is the same setting for the desktop app.
 */
import { Option } from 'commander';
import { CliError } from '../cli/cli-errors.js';
import { parseLostAfter } from './liveness.js';
import { RedisSetupError } from './redis-connection.js';
import { RemoteRuns } from './remote-runs.js';

export interface RedisOptions {
  redis?: string;
  lostAfter?: string;
}

/** Add both to a command: `.addOption(redisOption()).addOption(lostAfterOption())`. */
export const redisOption = (): Option => new Option('--redis <url>', 'train on remote workers through this Redis (redis://[:password@]host:port, rediss:// for TLS; see README "Workers")');
export const lostAfterOption = (): Option => new Option('--lost-after <seconds>', 'with --redis: mark a run crashed when its worker stops responding for about this long').default('30');

export function lostAfterMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseLostAfter(text);
  if (ms === null) throw new CliError(`--lost-after must be a number of seconds from 0.5 to 3600, got '${text}'`);
  return ms;
}

/** Connects when --redis is given; undefined means train locally. `resume`: see RemoteRunsOptions. */
export async function connectRemote(options: RedisOptions, resume = false): Promise<RemoteRuns | undefined> {
  if (options.redis === undefined) return undefined;
  const lost = lostAfterMs(options.lostAfter);
  try {
    return await RemoteRuns.connect({ url: options.redis, resume, ...(lost === undefined ? {} : { lostAfterMs: lost }) });
  } catch (error) {
    if (error instanceof RedisSetupError) throw new CliError(error.message);
    throw error;
  }
}
