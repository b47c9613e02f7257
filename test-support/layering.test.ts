/**
 * House rule 1 is enforced by lint, not review: these tests lint wrong-way imports placed in each
 * layer and expect the layering rule to reject them (and a right-way import to pass).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('layering: src-renderer -> src-shared <- src-main', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", /no Node built-ins/],
    ["import path from 'path';", /no Node built-ins/],
    ["import { app } from 'electron';", /must not import Electron/],
    ["import * as tf from '@tensorflow/tfjs';", /main-process libraries/],
    ["import { x } from '../src-main/cli.js';", /imports nothing from src-main/],
  ])('src-shared refuses %s', async (code, message) => {
    const errors = await layeringErrors('src-shared/example.ts', `${code}\nexport const y = 1;\n`);
    expect(errors.join('\n')).toMatch(message);
  });

  it('src-shared refuses Node and DOM globals', async () => {
    expect(await layeringErrors('src-shared/example.ts', 'export const cwd = process.cwd();\n')).toHaveLength(1);
    expect(await layeringErrors('src-shared/example.ts', 'export const w = window.innerWidth;\n')).toHaveLength(1);
  });

  it('src-main may import src-shared but not the renderer', async () => {
    expect(await layeringErrors('src-main/example.ts', "import { ok } from '../src-shared/result.js';\nexport const y = ok(1);\n")).toEqual([]);
    expect((await layeringErrors('src-main/example.ts', "import { x } from '../src-renderer/lib/api.js';\nexport const y = x;\n")).join()).toMatch(/never imports the renderer/);
  });

  it('src-renderer refuses Node, Electron and src-main', async () => {
    expect((await layeringErrors('src-renderer/lib/example.ts', "import fs from 'fs';\nexport const y = fs;\n")).join()).toMatch(/DOM-only/);
    expect((await layeringErrors('src-renderer/lib/example.ts', "import { ipcRenderer } from 'electron';\nexport const y = ipcRenderer;\n")).join()).toMatch(/window\.api/);
    expect((await layeringErrors('src-renderer/lib/example.ts', "import { x } from '../../src-main/cli.js';\nexport const y = x;\n")).join()).toMatch(/never imports src-main/);
  });

  it('src-renderer components (.svelte) refuse src-main and Node like its .ts files', async () => {
    const component = (imports: string) => `<script lang="ts">\n  ${imports}\n  const y: unknown = x;\n</script>\n<p>{String(y)}</p>\n`;
    const path = 'src-renderer/components/shared/Example.svelte';
    expect(await layeringErrors(path, component("import { x } from '../../../src-shared/result.js';"))).toEqual([]);
    expect((await layeringErrors(path, component("import { x } from '../../../src-main/cli.js';"))).join()).toMatch(/never imports src-main/);
    expect((await layeringErrors(path, component("import x from 'node:fs';"))).join()).toMatch(/DOM-only/);
  });

  it("src-main's own layers import one way: db/ nothing above it, runs/ not the app that composes it", async () => {
    expect((await layeringErrors('src-main/db/example.ts', "import { isProcessAlive } from '../runs/process-alive.js';\nexport const y = isProcessAlive;\n")).join()).toMatch(/bottom of src-main/);
    expect((await layeringErrors('src-main/runs/example.ts', "import type { EventHub } from '../app/event-hub.js';\nexport type Y = EventHub;\n")).join()).toMatch(/never imports the layers that compose it/);
    expect(await layeringErrors('src-main/runs/example.ts', "import { getRun } from '../db/runs-queries.js';\nexport const y = getRun;\n")).toEqual([]);
    expect((await layeringErrors('src-main/db/example.ts', "import { x } from '../../src-renderer/lib/api.js';\nexport const y = x;\n")).join()).toMatch(/never imports the renderer/);
  });
});
