/**
 * Where browser-mode exports may write: one export root folder (default: `exports` beside the
 * database; `hmpo-lab serve --export-root DIR`). A request's folder resolves against the root when
 * relative, and is refused unless it lies inside the root once `..` and symbolic links are resolved,
 * so a browser on the network cannot make the server write anywhere else. The desktop app and the
 * CLI, whose user picks any folder of their own, are not confined. Paths only; writing is export/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../fs/make-folder.js';

/** Folder name of the default export root, beside the database (the renderer suggests folders in it). */
export const DEFAULT_EXPORT_FOLDER = 'exports';

/** The export root when `serve` is not given one. */
export function defaultExportRoot(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), DEFAULT_EXPORT_FOLDER);
}

/** An export folder outside the export root (or one that cannot be resolved). */
export class ExportOutsideRootError extends Error {
  override readonly name = 'ExportOutsideRootError';
  readonly code = 'EXPORT_OUTSIDE_ROOT';
}

/** `target` is `root` or lies below it (both absolute, already free of symlinks). */
function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Whether anything (a dangling symlink included) is at `p`. */
function present(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The real path of `target`: its nearest present ancestor resolved through symlinks, plus the rest.
 * Throws when a link cannot be resolved (dangling), which callers treat as outside.
 */
function realPathOf(target: string): string {
  let existing = target;
  const rest: string[] = [];
  while (!present(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  return path.join(fs.realpathSync(existing), ...rest);
}

/** A confined export root: created (bounded) on first use, and its real path kept for the checks. */
export class ExportRoot {
  /** The root as given (absolute), for messages and the UI. */
  readonly path: string;
  private real: string | null = null;

  constructor(root: string) {
    this.path = path.resolve(root);
  }

  /** Creates the folder if needed; throws FolderCreationError when it cannot. */
  ensure(): void {
    if (this.real !== null) return;
    makeFolder(this.path);
    this.real = fs.realpathSync(this.path);
  }

  /** True when `folder` (existing or not) lies inside the root once symlinks are resolved. */
  contains(folder: string): boolean {
    this.ensure();
    try {
      return isInside(this.real!, realPathOf(path.resolve(this.path, folder)));
    } catch {
      return false;
    }
  }

  /**
   * The absolute folder to export into for `requested` (relative: inside the root). Throws
   * ExportOutsideRootError for anything that is not inside the root after resolving `..` and
   * symbolic links (a link inside the root that points out of it counts as outside).
   */
  resolve(requested: string): string {
    if (requested.includes('\0')) throw new ExportOutsideRootError('the export folder name contains a NUL character');
    const target = path.resolve(this.path, requested);
    const outside = () => new ExportOutsideRootError(`exports from the browser go inside the export root ${this.path}; ${requested} is outside it. Choose a folder in it (a relative name is put there), or restart \`hmpo-lab serve\` with --export-root`);
    if (!this.contains(target)) throw outside();
    return target;
  }

  /**
   * resolve(), then creates the folder (bounded) and checks it again now that every part of it
   * exists, so a symlink swapped in between the check and the mkdir is caught before any file is
   * written. Throws ExportOutsideRootError or FolderCreationError.
   */
  prepare(requested: string): string {
    const target = this.resolve(requested);
    makeFolder(target);
    if (!this.contains(target)) throw new ExportOutsideRootError(`exports from the browser go inside the export root ${this.path}; ${requested} leads outside it`);
    return target;
  }
}
