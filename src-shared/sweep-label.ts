/**
 * A sweep's one display name, used by the CLI, the UI and exports alike: "sweep 3", or
 * "sweep 3 · lr grid" once it has a name of its own. The id makes every label unique; names the app
 * generated itself in earlier versions ("sweep 2026-12-02T19:17", "sweep of 9 runs") are not shown.
 * It does not validate names (contract-schemas.ts does).
 */

/** Names earlier versions filled in when the user gave none: they add nothing to "sweep N". */
const GENERATED_NAME = /^sweep(?: of \d+ runs| \d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?Z?)?)?$/;

/** The user's own name for a sweep, or '' when it has none. */
export function sweepOwnName(name: string): string {
  const trimmed = name.trim();
  return GENERATED_NAME.test(trimmed) ? '' : trimmed;
}

/** "sweep 3" or "sweep 3 · lr grid". */
export function sweepLabel(sweep: { readonly id: string | number; readonly name: string }): string {
  const own = sweepOwnName(sweep.name);
  return own === '' ? `sweep ${sweep.id}` : `sweep ${sweep.id} · ${own}`;
}
