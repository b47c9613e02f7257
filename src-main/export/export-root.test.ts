/**
 * The browser-mode export root on real folders: relative names land inside it, anything outside it
 * (absolute, `..`, a symlink that leads out) is refused before a folder is made, and creating a
 * folder is bounded: /proc/x fails at once with a reason instead of looping forever.
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderCreationError, makeFolder } from '../fs/make-folder.js';
import { defaultExportRoot, ExportOutsideRootError, ExportRoot } from './export-root.js';

const dir = mkdtempSync(join(tmpdir(), 'hmpo-export-root-'));

describe('ExportRoot', () => {
  const root = new ExportRoot(join(dir, 'exports'));
  root.ensure();
  mkdirSync(join(dir, 'elsewhere'));
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'exports', 'out-link'));
  symlinkSync(join(dir, 'exports'), join(dir, 'root-link'));

  it('defaults to exports/ beside the database', () => {
    expect(defaultExportRoot('/data/lab/hmpo-lab.db')).toBe('/data/lab/exports');
  });

  it('puts relative names inside the root and accepts absolute paths inside it', () => {
    expect(root.resolve('run-7')).toBe(join(dir, 'exports', 'run-7'));
    expect(root.resolve(join(dir, 'exports', 'a', 'b'))).toBe(join(dir, 'exports', 'a', 'b'));
    expect(root.resolve(join(dir, 'root-link', 'c'))).toBe(join(dir, 'root-link', 'c')); // a link into the root is inside
    expect(root.resolve('a/../b')).toBe(join(dir, 'exports', 'b'));
  });

  it('prepare makes the folder inside the root, or refuses without making one', () => {
    expect(root.prepare('made/here')).toBe(join(dir, 'exports', 'made', 'here'));
    expect(existsSync(join(dir, 'exports', 'made', 'here'))).toBe(true);
    expect(() => root.prepare('out-link/y')).toThrow(ExportOutsideRootError);
    expect(existsSync(join(dir, 'elsewhere', 'y'))).toBe(false);
  });

  it.each([
    ['an absolute path elsewhere', () => join(dir, 'elsewhere', 'x')],
    ['a relative path with ..', () => '../escaped'],
    ['a symlink inside the root that leads out', () => 'out-link/x'],
    ['the server working folder', () => process.cwd()],
    ['/proc/x', () => '/proc/x'],
  ])('refuses %s, creating nothing', (_name, requested) => {
    expect(() => root.resolve(requested())).toThrow(ExportOutsideRootError);
    expect(() => root.resolve(requested())).toThrow(/go inside the export root .*exports/);
    expect(existsSync(join(dir, 'escaped'))).toBe(false);
    expect(existsSync(join(dir, 'elsewhere', 'x'))).toBe(false);
  });
});

describe('makeFolder', () => {
  it('creates missing parents one by one', () => {
    makeFolder(join(dir, 'made', 'a', 'b'));
    expect(existsSync(join(dir, 'made', 'a', 'b'))).toBe(true);
    makeFolder(join(dir, 'made', 'a', 'b')); // existing: fine
  });

  it('says which parent is a file', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => makeFolder(join(dir, 'plain', 'sub', 'x'))).toThrow(`cannot create the folder ${join(dir, 'plain', 'sub', 'x')}: ${join(dir, 'plain')} is a file, not a folder`);
  });

  it.skipIf(!existsSync('/proc'))('fails at once on /proc/x, where a recursive mkdir loops forever', () => {
    expect(() => makeFolder('/proc/hmpo-make-folder/x')).toThrow(FolderCreationError);
    expect(() => makeFolder('/proc/hmpo-make-folder/x')).toThrow(/\/proc does not accept new folders/);
  });
});
