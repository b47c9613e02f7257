/**
 * Why an export could not write its files, as the one plain sentence the user reads (the export
 * dialog shows it once; no "ENOTDIR: … mkdir …"). Maps file-system error codes and the bounded
 * mkdir's FolderCreationError to sentences that name the path and what to do; anything else keeps
 * its message, as a sentence. It only words errors: export-jobs.ts decides when to report them.
 */
import { FolderCreationError } from '../fs/make-folder.js';

/** "cannot x." -> "Cannot x." (a sentence with one full stop). */
function sentence(text: string): string {
  const trimmed = text.trim().replace(/[.;:\s]+$/, '');
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.`;
}

/**
 * The sentence for `error`, thrown while exporting into `outDir`. `root`: the export root of browser
 * mode, named in the advice for folder problems.
 */
export function exportFailureSentence(error: unknown, outDir: string, root?: string): string {
  const choose = root ? ` Choose a folder inside the export root ${root}.` : ' Choose another folder.';
  if (error instanceof FolderCreationError) return sentence(`Cannot create the export folder: ${error.reason}`) + choose;
  const { code, path = outDir, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOTDIR':
      return sentence(`Cannot create the export folder: part of ${path} is a file, not a folder`) + choose;
    case 'EEXIST':
      return sentence(`The folder ${outDir} already holds an export (${path} exists); choose an empty or new folder`);
    case 'EISDIR':
      return sentence(`Cannot write the export file ${path}: a folder of that name is in the way`) + choose;
    case 'EACCES':
    case 'EPERM':
      return sentence(`Cannot write to ${outDir}: no permission`) + choose;
    case 'EROFS':
      return sentence(`Cannot write to ${outDir}: it is on a read-only file system`) + choose;
    case 'ENOSPC':
    case 'EDQUOT':
      return sentence(`The disk holding ${outDir} is full; the files written so far stay there`);
    case 'ENAMETOOLONG':
      return sentence(`The export folder's name is too long: ${outDir}`) + choose;
    case 'ENOENT':
      return sentence(`The export folder ${outDir} disappeared while the export was writing (${path})`);
    default:
      return sentence(code ? `The export could not write its files in ${outDir} (${code})` : `The export failed: ${message ?? String(error)}`);
  }
}
