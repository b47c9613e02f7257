/**
 * UserFacingError: an error whose message is written for the user (what is wrong, what to do).
 * Handlers throw it; dispatch turns it into a Result with its code, the CLI into one line. It lives
 * apart from dispatch so the CLI can recognise it without loading the request schemas (zod).
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
