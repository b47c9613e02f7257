// Lint rules, chiefly the layering of house rule 1: src-renderer -> src-shared <- src-main.
// tsconfig `types` already stops Node globals in src-shared; these rules stop the imports too,
// so a wrong-way import fails `npm test` instead of relying on review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'url', 'util', 'stream', 'worker_threads', 'process', 'events', 'http', 'https', 'net'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**/*.py', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
  {
    files: ['src-renderer/**/*.ts'],
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
