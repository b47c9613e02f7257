/** The terminal table helpers: a clipped cell says it was clipped (ls once showed "pid 25" for pid 25840). */
import { describe, expect, it } from 'vitest';
import { clip, formatTable } from './table.js';

describe('clip', () => {
  it('marks a cut text with an ellipsis so a cut number never reads as a whole one', () => {
    const reason = 'the process that queued this run (pid 25840) ended before it started';
    expect(clip(reason, 40)).toBe('the process that queued this run (pid 2…');
    expect(clip(reason, 40)).toHaveLength(40);
  });

  it('leaves a text that fits unchanged', () => {
    expect(clip('stopped before it started', 40)).toBe('stopped before it started');
    expect(clip('x'.repeat(40), 40)).toBe('x'.repeat(40));
  });
});

describe('formatTable', () => {
  it('pads text left and numbers right under one rule', () => {
    expect(formatTable(['id', 'name'], [['1', 'a'], ['10', 'bb']], new Set([0])).split('\n')).toEqual(['id  name', '--  ----', ' 1  a', '10  bb']);
  });
});
