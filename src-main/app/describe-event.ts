/**
 * The one-line text of each stored run event, as the Run view's event log and `hmpo-lab show` print
 * it. Text only: which events a run has is db/events-queries.ts.
 */
import { describeControlChanges } from '../../src-shared/controllers/closed-loop.js';
import type { RunEvent } from '../db/events-queries.js';

/** One line for the event log. */
export function describeEvent(event: RunEvent): string {
  switch (event.kind) {
    case 'status':
      return `${event.from ?? 'new'} -> ${event.to}${event.reason ? `: ${event.reason}` : ''}`;
    case 'error':
      return `${event.code}: ${event.message}`;
    case 'nonfinite-skip':
      return `skipped a step with a non-finite loss or gradient (${event.consecutive} in a row): ${event.detail}`;
    case 'qk-clip':
      return `QK-clip rescaled ${event.heads.length} head(s): ${event.heads.map((h) => `L${h.layer}H${h.head} S=${h.sMax.toFixed(2)} x${h.gamma.toFixed(3)}`).join(', ')}`;
    case 'warm-start':
      return `supervised warm start: ${event.steps} steps, final loss ${event.finalLoss.toFixed(4)}`;
    case 'eval':
      return `greedy evaluation: reward ${event.reward.toFixed(4)}, ${(event.successRate * 100).toFixed(1)}% solved`;
    case 'checkpoint':
      return 'checkpoint saved';
    case 'control':
      return `controller (${event.phase}, convergence rate ${event.convergenceRate.toFixed(4)}): ${describeControlChanges(event.changes, event.reason)}`;
  }
}
