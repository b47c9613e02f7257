/**
 * How every `hmpo-lab` command fails: a one-line message on stderr that names the problem, a
 * non-zero exit code, never a stack trace for a user's mistake. Bugs (anything unexpected) still
 * print their stack, since hiding those helps nobody. Exit codes: 2 bad input, 1 failure.
 */
import { StoreError } from '../db/store-errors.js';

export const EXIT_BAD_INPUT = 2;
export const EXIT_FAILURE = 1;

/** An error whose message is meant for the user as it stands. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD_INPUT,
  ) {
    super(message);
  }
}

/** Named error classes from lower layers whose messages are already written for users. */
const USER_FACING = new Set(['NonPositiveRewardError', 'InvalidRewardsError', 'MissingReferenceLogProbsError', 'BackendUnavailableError']);

/** Several problems (validators report one per line) folded into one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .filter(Boolean)
    .map((part, i, parts) => (i < parts.length - 1 ? part.replace(/\.$/, '') : part))
    .join('; ');
}

/**
 * Wraps a command action: user-facing errors become `hmpo-lab <command>: message` and an exit code;
 * anything else is reported as an internal error with its stack.
 */
export function runCommand<A extends unknown[]>(command: string, action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof CliError || error instanceof StoreError || (error instanceof Error && USER_FACING.has(error.name))) {
        process.stderr.write(`hmpo-lab ${command}: ${oneLine(error.message)}\n`);
        process.exitCode = error instanceof CliError ? error.exitCode : EXIT_BAD_INPUT;
        return;
      }
      process.stderr.write(`hmpo-lab ${command}: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT_FAILURE;
    }
  };
}
