/**
 * `hmpo-lab serve`: browser mode. Serves the built renderer and the contract over HTTP + SSE on
 * 127.0.0.1 by default; any other --host needs an access token, printed in the URL. Runs train in
 * child processes of this server. Exports requested from the page are confined to the export root
 * (--export-root, default `exports` beside the database). Ctrl-C stops its runs gracefully and
 * closes the database.
 */
import type { Command } from 'commander';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startHttpServer, isLoopbackHost } from '../server/http-server.js';
import { defaultExportRoot, ExportRoot } from '../export/export-root.js';
import { FolderCreationError } from '../fs/make-folder.js';
import { databasePathOf, openAppForCli } from './app-for-cli.js';
import { CliError, runCommand } from './cli-errors.js';
import { connectRemote, lostAfterOption, redisOption, type RedisOptions } from '../workers/remote-cli-options.js';

const RENDERER_DIR = fileURLToPath(new URL('../../renderer', import.meta.url));

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('browser mode: serve the app on http://127.0.0.1:<port> (another --host needs the printed access token)')
    .option('-p, --port <port>', 'port (0 picks a free one)', '5175')
    .option('--host <address>', 'address to bind; anything but loopback requires an access token', '127.0.0.1')
    .option('--token <token>', 'access token to require (default: a random one for non-loopback hosts)')
    .option('--concurrency <n>', 'runs training at once (default: the number of cores)')
    .option('--export-root <dir>', "the folder exports from the page must go inside (default: 'exports' beside the database)")
    .addOption(redisOption())
    .addOption(lostAfterOption())
    .action(
      runCommand('serve', async (options: { port: string; host: string; token?: string; concurrency?: string; exportRoot?: string } & RedisOptions, command: Command) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a whole number from 0 to 65535, got '${options.port}'`);
        const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
        if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new CliError(`--concurrency must be a whole number >= 1, got '${options.concurrency}'`);
        if (options.token !== undefined && options.token.length < 16) throw new CliError('--token must be at least 16 characters');
        if (options.exportRoot !== undefined && options.exportRoot.trim() === '') throw new CliError('--export-root needs a folder path');
        const exportRoot = new ExportRoot(options.exportRoot ?? defaultExportRoot(databasePathOf(command)));
        const remote = await connectRemote(options, true);
        const { sparseConfigCells } = await import('../../src-shared/config-cells.js');
        const app = await openAppForCli(command, { configCellsOf: sparseConfigCells, exportRoot, ...(concurrency ? { concurrency } : {}), ...(remote ? { remote } : {}) });
        try {
          exportRoot.ensure(); // after the database opened: a bad --db must not leave a folder behind
        } catch (error) {
          await app.close();
          if (error instanceof FolderCreationError) throw new CliError(`--export-root: ${error.message}`);
          throw error;
        }
        const base = { ...app.info, mode: 'browser' as const, exportRoot: exportRoot.path };
        let server;
        try {
          server = await startHttpServer({
            host: options.host,
            port,
            token: options.token ?? null,
            staticDir: RENDERER_DIR,
            dispatch: (channel, request) => (channel === 'app:info' ? Promise.resolve({ ok: true, value: base }) : app.dispatch(channel, request)),
            events: app.events,
          });
        } catch (error) {
          await app.close();
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; pick another with --port (0 picks a free one)`);
          if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new CliError(`cannot listen on ${options.host}:${port} (${code})`);
          throw error;
        }
        if (app.reconciled.crashed.length > 0) process.stderr.write(`hmpo-lab serve: marked ${app.reconciled.crashed.length} run(s) crashed: their owning process died\n`);
        process.stdout.write(`HMPO Lab is serving ${app.info.databasePath}\n${server.url}\n`);
        process.stderr.write(`hmpo-lab serve: exports from the page go inside ${exportRoot.path}\n`);
        if (!isLoopbackHost(options.host)) {
          process.stderr.write('hmpo-lab serve: bound beyond loopback: open the URL above; requests without its token are refused\n');
          // The printed URL names localhost for a wildcard bind; from another machine, one of these works.
          for (const url of wildcardUrls(options.host, server.url)) process.stdout.write(`${url}\n`);
        }
        const shutdown = async () => {
          process.stderr.write('hmpo-lab serve: stopping runs and closing the database\n');
          await server.close();
          await app.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void shutdown());
        process.once('SIGTERM', () => void shutdown());
        await new Promise(() => {}); // serve until a signal
      }),
    );
}

/** For a wildcard bind (0.0.0.0, ::): the printed URL once per external IPv4 address of this machine. */
function wildcardUrls(host: string, url: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [];
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => a.family === 'IPv4' && !a.internal);
  return addresses.map((a) => url.replace('//localhost:', `//${a.address}:`));
}
