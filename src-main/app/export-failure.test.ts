// Export failures worded for the user: real file-system errors (a file where a folder should be, a
// file that already exists, the bounded mkdir's refusal) become one sentence naming the path and
// what to do, never the raw "ENOTDIR: not a directory, mkdir …".
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolder } from '../fs/make-folder.js';
import { exportFailureSentence } from './export-failure.js';

/** The error `action` throws. */
function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('exportFailureSentence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmpo-export-failure-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');

  it('words the bounded mkdir under a file as one sentence, with the export root when there is one', () => {
    const error = thrown(() => makeFolder(join(file, 'sub')));
    expect(exportFailureSentence(error, join(file, 'sub'))).toBe(`Cannot create the export folder: ${file} is a file, not a folder. Choose another folder.`);
    expect(exportFailureSentence(error, join(file, 'sub'), dir)).toBe(`Cannot create the export folder: ${file} is a file, not a folder. Choose a folder inside the export root ${dir}.`);
  });

  it('maps raw errno errors from Node (ENOTDIR, EEXIST) to sentences without their codes', () => {
    const notDir = thrown(() => mkdirSync(join(file, 'sub'), { recursive: true }));
    expect((notDir as Error).message).toMatch(/^ENOTDIR/);
    const text = exportFailureSentence(notDir, join(file, 'sub'));
    expect(text).toMatch(/^Cannot create the export folder: part of .* is a file, not a folder\. Choose another folder\.$/);
    expect(text).not.toMatch(/ENOTDIR|mkdir/);
    const exists = thrown(() => writeFileSync(file, 'y', { flag: 'wx' }));
    expect(exportFailureSentence(exists, dir)).toBe(`The folder ${dir} already holds an export (${file} exists); choose an empty or new folder.`);
  });

  it('keeps the message of anything that is not a file-system error, as a sentence', () => {
    expect(exportFailureSentence(new Error('database is locked'), dir)).toBe('The export failed: database is locked.');
  });
});
