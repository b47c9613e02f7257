/**
 * The app's keyboard shortcuts as one pure mapping from a key press to an action: `/` focuses the
 * runs filter, `c` compares the selection, Esc closes the topmost dialog. Typing in a field never
 * triggers a letter shortcut (only Esc works there). App.svelte performs the actions.
 */

export type ShortcutAction = 'focusFilter' | 'compareSelection' | 'close';

/** The parts of a KeyboardEvent the mapping reads. */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly target: unknown;
}

/** Inputs that take no typing: a shortcut still works after clicking one (e.g. a row's checkbox). */
const NON_TEXT_INPUTS: ReadonlySet<string> = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/** True for text inputs, text areas, selects and contenteditable elements. */
export function isTypingTarget(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  const element = target as { tagName?: unknown; type?: unknown; isContentEditable?: unknown };
  if (element.isContentEditable === true) return true;
  if (typeof element.tagName !== 'string') return false;
  const tag = element.tagName.toUpperCase();
  if (tag === 'INPUT') return !(typeof element.type === 'string' && NON_TEXT_INPUTS.has(element.type.toLowerCase()));
  return tag === 'TEXTAREA' || tag === 'SELECT';
}

export function shortcutFor(press: KeyPress): ShortcutAction | null {
  if (press.key === 'Escape') return 'close';
  if (press.ctrlKey || press.metaKey || press.altKey || isTypingTarget(press.target)) return null;
  if (press.key === '/') return 'focusFilter';
  if (press.key === 'c') return 'compareSelection';
  return null;
}

/** The id of the runs filter input, which `/` focuses. */
export const RUNS_FILTER_ID = 'runs-filter';
