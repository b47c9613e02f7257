/** A frame clock a test advances by hand (a Scheduler for RunsState and the coalescers): what was scheduled runs on `frame()`. Not a timer. */
export function manualFrames() {
  let queued: (() => void)[] = [];
  const schedule = (run: () => void) => {
    queued.push(run);
    return () => (queued = queued.filter((r) => r !== run));
  };
  const frame = () => {
    const due = queued;
    queued = [];
    for (const run of due) run();
  };
  return {
    schedule,
    frame,
    get scheduled() {
      return queued.length;
    },
  };
}
