// Test projects. `node`: unit, numerics and CLI tests. `renderer`: the Svelte renderer's state
// classes and clients (src-renderer/**/*.test.ts), compiled by the Svelte plugin because runes in
// .svelte.ts need the Svelte compiler; they run in Node without a DOM (a fake Api stands in for main).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Unit, numerics and CLI tests. They sit beside their sources as *.test.ts (house style) and run
        // from TypeScript source; CLI tests spawn the built `dist/` (npm test builds first).
        test: {
          name: 'node',
          include: ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts', 'test-support/**/*.test.ts'],
          // tfjs native add-ons misbehave in worker threads (house style): run test files in processes.
          pool: 'forks',
          // Every test file gets its own app-data folder: nothing touches the user's real database.
          setupFiles: ['./test-support/isolated-app-data.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [svelte()],
        // Svelte's browser build, compiled for the client: the server build runs no effects.
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['src-renderer/**/*.test.ts'],
          environment: './src-renderer/lib/testing/svelte-client-environment.ts',
          // theme.css processed, so `theme.css?raw` is its text (palette-contrast.test.ts): with CSS
          // off, vitest blanks even ?raw CSS imports to "" (vitest-dev/vitest#10788).
          css: { include: [/theme\.css/] },
        },
      },
    ],
  },
});
