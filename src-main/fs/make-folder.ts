/**
 * Creates a folder and its missing parents with a bounded number of plain (non-recursive) mkdir
 * calls, one per missing path segment. Node's `mkdir({recursive: true})` loops forever on paths
 * such as /proc/x (the kernel answers ENOENT for a parent that exists), burning a core while the
 * caller waits; this walks up to the nearest existing ancestor instead, checks that it is a folder,
 * and fails with one line naming the folder and why. It decides nothing about where folders may go.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A folder could not be created; `message` names the folder and the reason, for users. */
export class FolderCreationError extends Error {
  override readonly name = 'FolderCreationError';
  constructor(
    readonly folder: string,
    readonly reason: string,
  ) {
    super(`cannot create the folder ${folder}: ${reason}`);
  }
}

const errnoOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'unknown error';

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Makes `dir` (resolved against the cwd) exist as a folder. Throws FolderCreationError. */
export function makeFolder(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  // Walk up until something exists: at most one step per path segment, ending at the root.
  for (let current = target; ; ) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch (error) {
      const code = errnoOf(error);
      // ENOTDIR: an ancestor is a file; keep walking up to report which one.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new FolderCreationError(target, `${current} cannot be read (${code})`);
      const parent = path.dirname(current);
      if (parent === current) throw new FolderCreationError(target, `not even the root ${current} exists`);
      missing.unshift(current);
      current = parent;
      continue;
    }
    if (!stat.isDirectory()) throw new FolderCreationError(target, `${current} is a file, not a folder`);
    break;
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'EEXIST' && isFolder(folder)) continue; // made meanwhile by someone else
      if (code === 'EEXIST') throw new FolderCreationError(target, `${folder} exists and is not a folder (a dangling link?)`);
      const why = code === 'ENOENT' ? `${path.dirname(folder)} does not accept new folders (ENOENT: a virtual file system such as /proc?)` : code === 'EACCES' || code === 'EPERM' ? `no permission to create ${folder} (${code})` : code === 'EROFS' ? `${path.dirname(folder)} is on a read-only file system` : `${folder} (${code})`;
      throw new FolderCreationError(target, why);
    }
  }
}
