/**
 * The one sentence that refuses to delete runs still queued or running, the same from the app's
 * handler (UI, browser mode) and the CLI's `rm`. Only the wording; who counts as in use is decided
 * by the caller (the CLI is stricter about runs another process queued).
 */
import type { RunStatus } from './contract.js';

/** "run 2 is still running; stop it first, then delete it", or the plural naming each run's status. */
export function runsInUseSentence(runs: readonly { readonly id: string; readonly status: RunStatus }[], howToStop = ''): string {
  if (runs.length === 1) return `run ${runs[0]!.id} is still ${runs[0]!.status}; stop it first${howToStop}, then delete it`;
  return `runs ${runs.map((r) => `${r.id} (${r.status})`).join(', ')} are still in use; stop them first${howToStop}, then delete them`;
}
