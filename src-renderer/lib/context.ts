/**
 * Typed Svelte contexts for what App.svelte creates once: the Api and the state objects. Call the
 * getters during component initialisation (Svelte's context rule). The compare and run views use
 * `getApiContext()` for their own queries and `getRunsContext()` for run summaries.
 */
import { createContext } from 'svelte';
import type { Api } from '../../src-shared/contract.js';
import type { AppState } from './app-state.svelte.js';
import type { NavigationState } from './navigation-state.svelte.js';
import type { RunsState } from './runs-state.svelte.js';

const [getApiContext, setApiContext] = createContext<Api>();
const [getAppContext, setAppContext] = createContext<AppState>();
const [getRunsContext, setRunsContext] = createContext<RunsState>();
const [getNavigationContext, setNavigationContext] = createContext<NavigationState>();

export { getApiContext, getAppContext, getNavigationContext, getRunsContext };

/** Provides the Api and every state object of `app` to the component tree below the caller. */
export function provideAppContext(app: AppState): void {
  setApiContext(app.api);
  setAppContext(app);
  setRunsContext(app.runs);
  setNavigationContext(app.navigation);
}
