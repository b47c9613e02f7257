/** The terminal table helper: text padded left, numbers right. (Cells are never clipped: ls once showed "pid 25" for pid 25840.) */
import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it('pads text left and numbers right under one rule', () => {
    expect(formatTable(['id', 'name'], [['1', 'a'], ['10', 'bb']], new Set([0])).split('\n')).toEqual(['id  name', '--  ----', ' 1  a', '10  bb']);
  });
});
