/**
 * A throwaway redis-server for tests: a free loopback port, its own temp folder (append-only file
 * there, so a restart keeps the queue and streams), optionally a password. Test-only; skips are
 * decided by `redisServerPath` (null when redis-server is not installed).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const redisServerPath: string | null = (() => {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  return found === '' ? null : found;
})();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class TestRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly password: string | undefined,
    readonly tls: boolean,
  ) {}

  /** `tls`: TLS only, with a throwaway CA (`caFile`, for NODE_EXTRA_CA_CERTS) and a certificate for 127.0.0.1. */
  static async start(options: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), fs.mkdtempSync(path.join(os.tmpdir(), 'hmpo-redis-')), options.password, options.tls ?? false);
    if (redis.tls) redis.makeCertificates();
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  get caFile(): string {
    return path.join(this.dir, 'ca.pem');
  }

  private makeCertificates(): void {
    const run = (args: string[]) => {
      const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
    };
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=hmpo test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
    fs.writeFileSync(path.join(this.dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', 'server.pem']);
  }

  private async launch(): Promise<void> {
    const ports = this.tls ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', path.join(this.dir, 'server.pem'), '--tls-key-file', path.join(this.dir, 'server.key'), '--tls-ca-cert-file', this.caFile, '--tls-auth-clients', 'no'] : ['--port', String(this.port)];
    const args = [...ports, '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    if (this.password) args.push('--requirepass', this.password);
    const child = spawn(redisServerPath!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
  }

  /** Stops the server (SIGTERM: the append-only file is complete) and starts it again on the same port. */
  async restart(downMs = 200): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
