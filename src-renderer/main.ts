/**
 * The renderer's entry: mounts App into index.html's #app. Everything else (the Api, the state
 * objects, contexts) is created by App itself, once.
 */
// First: src-shared's schemas parse at import time, and must not probe eval under the CSP.
import './lib/zod-jitless.js';
import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount the renderer into');

mount(App, { target });
