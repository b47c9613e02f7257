/**
 * Whether a process exists, probed with signal 0. Lives with the run manager (the layer that owns
 * processes); the store's reconciliation takes it as a parameter instead of probing on its own.
 */

/** True if a process with this id exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
