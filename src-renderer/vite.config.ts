// Vite build of the Svelte renderer: `vite build --config src-renderer/vite.config.ts` writes
// dist/renderer/, which Electron loads from file:// (so every URL is relative: base './') and
// `hmpo-lab serve` serves over HTTP. This file runs in Node at build time; nothing here ships.
// eslint-disable-next-line no-restricted-imports -- build-time Node code, not renderer code
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

/**
 * The dev server injects CSS as <style> elements, which the page's strict CSP refuses; allow
 * inline styles while serving only. Built pages keep the strict policy of index.html.
 */
function allowInlineStylesInDev(): Plugin {
  return {
    name: 'hmpo-lab:allow-inline-styles-in-dev',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte(), allowInlineStylesInDev()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
  },
});
