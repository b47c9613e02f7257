/**
 * One setting for how soon a dead worker is noticed, turned into BullMQ's lock and stalled-check
 * timings. A worker holds a lock on each job it trains and renews it every lockDuration/2; when a
 * worker dies (SIGKILL, machine gone) the lock expires after lockDuration, and the stalled checker
 * (run by every worker and by the app) finds the job on its next two passes. So a lost worker is
 * reported within about lockDuration + 2 x stalledInterval + the app's poll: lostAfterMs.
 * Training runs in a child process, so a busy trainer never delays the worker's lock renewals.
 */
export const DEFAULT_LOST_AFTER_MS = 30_000;

export interface LivenessTimings {
  readonly lockDuration: number;
  readonly stalledInterval: number;
  /** How often the app looks at a job's state. */
  readonly pollMs: number;
}

export function livenessTimings(lostAfterMs: number = DEFAULT_LOST_AFTER_MS): LivenessTimings {
  return { lockDuration: Math.round(lostAfterMs / 2), stalledInterval: Math.round(lostAfterMs / 5), pollMs: Math.max(100, Math.round(lostAfterMs / 20)) };
}

/** "30" (seconds) -> 30000 ms, or null when the text is not a positive number of seconds. */
export function parseLostAfter(text: string): number | null {
  const seconds = Number(text);
  return text.trim() !== '' && Number.isFinite(seconds) && seconds >= 0.5 && seconds <= 3600 ? Math.round(seconds * 1000) : null;
}
