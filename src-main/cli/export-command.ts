/**
 * `hmpo-lab export RUNS | --sweep ID | --all --format agm|csv|jsonl [--out DIR]`: streams the runs to
 * a folder in the AGM_Training telemetry format or the full-resolution long format, with a progress
 * bar on a terminal. Refuses a folder that already holds an export or cannot be written.
 */
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FolderCreationError, makeFolder } from '../fs/make-folder.js';
import type { ExportFormat } from '../../src-shared/contract.js';
import { runExport } from '../app/export-jobs.js';
import { existingRunIds, openAppForCli, sweepRunIds } from './app-for-cli.js';
import { CliError, EXIT_FAILURE, runCommand } from './cli-errors.js';

/**
 * Refuses an output folder that exists with files in it, is not a folder, or cannot be written;
 * creates a missing one with a bounded mkdir (a recursive one hangs forever on /proc/x).
 */
export function checkOutputFolder(outDir: string): void {
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new CliError(`the output ${outDir} is a file, not a folder; choose a new folder with --out`);
    if (readdirSync(outDir).length > 0) throw new CliError(`the output folder ${outDir} is not empty; choose a new folder with --out`);
    try {
      accessSync(outDir, constants.W_OK);
    } catch {
      throw new CliError(`cannot write to ${outDir}; choose a folder you can write to with --out`);
    }
    return;
  }
  try {
    makeFolder(outDir);
  } catch (error) {
    if (error instanceof FolderCreationError) throw new CliError(`${error.message}; choose another with --out`);
    throw error;
  }
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export runs: agm (AGM_Training telemetry: manifest, run.json, telemetry.jsonl, steps.csv), csv or jsonl (every metric value, long format)')
    .argument('[runs...]', 'run ids')
    .option('--sweep <id>', 'export every run of this sweep')
    .option('--all', 'export every run in the database')
    .addOption(new Option('-f, --format <format>', 'export format').choices(['agm', 'csv', 'jsonl']).default('agm'))
    .option('--out <dir>', 'output folder (default: ./hmpo-lab-export-<time>)')
    .action(
      runCommand('export', async (runTexts: string[], options: { sweep?: string; all?: boolean; format: ExportFormat; out?: string }, command: Command) => {
        const app = await openAppForCli(command);
        try {
          let ids = await existingRunIds(app, runTexts);
          if (options.sweep !== undefined) {
            ids = [...ids, ...(await sweepRunIds(app, options.sweep))];
          }
          if (options.all) ids = (await app.handlers['runs:list'](null)).map((r) => Number(r.id));
          ids = [...new Set(ids)];
          if (ids.length === 0) throw new CliError('name the runs to export (hmpo-lab export 3 4), a sweep (--sweep ID) or --all');
          const outDir = resolve(options.out ?? `hmpo-lab-export-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
          checkOutputFolder(outDir);
          const bar = process.stderr.isTTY ? new SingleBar({ format: ' {bar} {value}/{total} runs exported | {percentage}% | ETA {eta_formatted}', stream: process.stderr, hideCursor: true }) : undefined;
          let started = false;
          const t0 = Date.now();
          try {
            await runExport(
              { databasePath: app.info.databasePath, runIds: ids, format: options.format, outDir, appVersion: app.info.version },
              {
                onProgress: (done, total) => {
                  if (!started) bar?.start(total, 0);
                  started = true;
                  bar?.update(done);
                },
              },
            );
          } catch (error) {
            bar?.stop();
            throw new CliError(`export failed: ${(error as Error).message}`, EXIT_FAILURE);
          }
          bar?.stop();
          process.stderr.write(`hmpo-lab export: ${ids.length} run(s) as ${options.format} in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
          process.stdout.write(`${outDir}\n`);
        } finally {
          void app.close();
        }
      }),
    );
}
