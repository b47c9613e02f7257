/**
 * Preferences kept in the browser's storage (per app, not per database): the theme (follow the OS,
 * or force light/dark via <html data-theme>, which theme.css and the charts read) and saved named
 * views (a name and the URL hash of url-state.ts). Storage that fails or holds junk is ignored:
 * preferences are a convenience, never a reason not to start.
 */
export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemePreference = (typeof THEMES)[number];

export interface SavedView {
  readonly name: string;
  /** The URL hash (url-state.ts) that reproduces the view. */
  readonly hash: string;
}

/** The part of localStorage used here (tests pass a Map-backed one). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const THEME_KEY = 'hmpo-lab.theme';
const VIEWS_KEY = 'hmpo-lab.saved-views';

function read<T>(store: KeyValueStore | null, key: string, valid: (value: unknown) => value is T, fallback: T): T {
  try {
    const text = store?.getItem(key);
    if (text === null || text === undefined) return fallback;
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

const isTheme = (v: unknown): v is ThemePreference => typeof v === 'string' && (THEMES as readonly string[]).includes(v);
const isViews = (v: unknown): v is SavedView[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && typeof (x as SavedView).name === 'string' && typeof (x as SavedView).hash === 'string');

export class PreferencesState {
  theme = $state<ThemePreference>('system');
  savedViews = $state.raw<readonly SavedView[]>([]);

  readonly #store: KeyValueStore | null;
  readonly #applyTheme: (theme: ThemePreference) => void;

  constructor(store: KeyValueStore | null, applyTheme: (theme: ThemePreference) => void) {
    this.#store = store;
    this.#applyTheme = applyTheme;
    this.theme = read(store, THEME_KEY, isTheme, 'system');
    this.savedViews = read(store, VIEWS_KEY, isViews, []);
    applyTheme(this.theme);
  }

  /** system -> light -> dark -> system. */
  cycleTheme(): void {
    this.setTheme(THEMES[(THEMES.indexOf(this.theme) + 1) % THEMES.length]!);
  }

  setTheme(theme: ThemePreference): void {
    this.theme = theme;
    this.#write(THEME_KEY, theme);
    this.#applyTheme(theme);
  }

  /** Saves (or replaces, by name) a view; an empty name is refused with a sentence saying so. */
  saveView(name: string, hash: string): string | null {
    const trimmed = name.trim();
    if (trimmed === '') return 'Give the view a name.';
    this.savedViews = [...this.savedViews.filter((v) => v.name !== trimmed), { name: trimmed, hash }].sort((a, b) => a.name.localeCompare(b.name));
    this.#write(VIEWS_KEY, this.savedViews);
    return null;
  }

  deleteView(name: string): void {
    this.savedViews = this.savedViews.filter((v) => v.name !== name);
    this.#write(VIEWS_KEY, this.savedViews);
  }

  #write(key: string, value: unknown): void {
    try {
      this.#store?.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or disabled: the preference holds for this session only.
    }
  }
}

/** Sets <html data-theme> ('system' removes it, so the OS decides). */
export function applyThemeToDocument(theme: ThemePreference): void {
  if (typeof document === 'undefined') return;
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

/** localStorage where the page may use it, else null. */
export function browserStore(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
