/**
 * Errors as values (house rule 3): every boundary (IPC, CLI, trainer process, validators) returns a
 * Result instead of throwing. `AppError.message` is written for the user: what is wrong, the value,
 * what to do. This file holds no error *classes*; those live where callers must catch them.
 */

/** A user-facing error: a stable machine code and a one-line message that says what to change. */
export interface AppError {
  readonly code: string;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: string, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}
