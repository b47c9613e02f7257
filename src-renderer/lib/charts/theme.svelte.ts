/**
 * The colour theme the charts draw in, following the OS (prefers-color-scheme) unless the app
 * sets `data-theme="light|dark"` on <html>. Canvas charts cannot use CSS variables, so they read
 * this reactive value and rebuild when it changes. Outside a browser it stays 'light'.
 */
import type { Theme } from '../palette.js';

class ThemeState {
  current = $state<Theme>('light');

  constructor() {
    if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return;
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const read = () => {
      const forced = document.documentElement.dataset['theme'];
      this.current = forced === 'dark' || forced === 'light' ? forced : query.matches ? 'dark' : 'light';
    };
    read();
    // App-lifetime listeners: the theme is watched for as long as the renderer runs.
    query.addEventListener('change', read);
    new MutationObserver(read).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  }
}

/** The app-wide chart theme. */
export const chartTheme = new ThemeState();
