// The refusal to delete runs in use names each run and what it is doing, in the singular or plural.
import { describe, expect, it } from 'vitest';
import { runsInUseSentence } from './runs-in-use.js';

describe('runsInUseSentence', () => {
  it('names one run and its status, or each of several with theirs', () => {
    expect(runsInUseSentence([{ id: '2', status: 'running' }])).toBe('run 2 is still running; stop it first, then delete it');
    expect(runsInUseSentence([{ id: '2', status: 'running' }, { id: '5', status: 'queued' }], ' (hmpo-lab stop RUN)')).toBe(
      'runs 2 (running), 5 (queued) are still in use; stop them first (hmpo-lab stop RUN), then delete them',
    );
  });
});
