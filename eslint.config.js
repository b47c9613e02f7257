// Lint rules (.ts and .svelte), chiefly the layering of house rule 1: src-renderer -> src-shared <- src-main.
// tsconfig `types` already stops Node globals in src-shared; these rules stop the imports too,
// so a wrong-way import fails `npm test` instead of relying on review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'url', 'util', 'stream', 'worker_threads', 'process', 'events', 'http', 'https', 'net'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**/*.py', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // .svelte components (and .svelte.ts rune modules, which the plugin's parser also claims):
  // svelte-eslint-parser for the markup, typescript-eslint's parser for `<script lang="ts">`.
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser },
      globals: globals.browser,
    },
  },
  {
    files: ['**/*.svelte.ts'],
    // State classes hold read-only Sets/Maps in $state.raw and replace them whole (house rule 10); SvelteSet/SvelteMap are for mutation.
    rules: { 'svelte/prefer-svelte-reactivity': 'off' },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.{js,mjs}', 'eslint.config.js'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'src-shared is pure TypeScript: no Node built-ins (house rule 1).' },
          { group: ['electron', 'electron/*'], message: 'src-shared must not import Electron (house rule 1).' },
          { group: ['@tensorflow/*', 'better-sqlite3'], message: 'src-shared must not import main-process libraries (house rule 1).' },
          { group: ['**/src-main/**', '**/src-renderer/**', '../src-main/*', '../src-renderer/*'], message: 'src-shared imports nothing from src-main or src-renderer (house rule 1).' },
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'require', 'Buffer'],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/src-renderer/**', '../src-renderer/*', '../../src-renderer/*'], message: 'src-main never imports the renderer (house rule 1).' }],
      }],
    },
  },
  // src-main's own layers, one way (issue 15): db/ below runs/ below app/ (which composes them) below
  // cli/, server/, electron/. A later block replaces the rule's options, so each repeats the renderer pattern.
  {
    files: ['src-main/db/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/src-renderer/**', '../src-renderer/*', '../../src-renderer/*'], message: 'src-main never imports the renderer (house rule 1).' },
          { group: ['../app/*', '../runs/*', '../trainer/*', '../sweeps/*', '../cli/*', '../server/*', '../electron/*'], message: 'db/ is the bottom of src-main: it imports no layer above it (it probes no processes; callers pass what it needs).' },
        ],
      }],
    },
  },
  {
    files: ['src-main/runs/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/src-renderer/**', '../src-renderer/*', '../../src-renderer/*'], message: 'src-main never imports the renderer (house rule 1).' },
          { group: ['../app/*', '../cli/*', '../server/*', '../electron/*'], message: 'runs/ never imports the layers that compose it (app/, cli/, server/, electron/); declare what it needs in runs/run-store.ts.' },
        ],
      }],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'The renderer is DOM-only: no Node built-ins (house rule 1).' },
          { group: ['electron', 'electron/*'], message: 'The renderer talks to main only through window.api (house rule 2).' },
          { group: ['**/src-main/**', '../src-main/*', '../../src-main/*'], message: 'The renderer never imports src-main (house rule 1).' },
        ],
      }],
    },
  },
);
