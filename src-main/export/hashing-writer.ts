/**
 * An async file writer that buffers small writes into large chunks, respects stream backpressure
 * (memory stays flat however much is written) and computes the file's sha256 and size as it goes,
 * for the export manifest. It knows nothing about formats.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';

const CHUNK = 1 << 16;

export class HashingWriter {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  private pending: string[] = [];
  private pendingLength = 0;
  private bytes = 0;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'wx' });
    this.stream.on('error', (error) => (this.failure = error));
  }

  /** Queues text; resolves once it is buffered (waiting for the disk when the buffer is full). */
  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= CHUNK) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await this.drained();
  }

  /** Waits for 'drain' (or fails on 'error'), removing both listeners either way. */
  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        this.stream.off('drain', onDrain);
        reject(error);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  /** Flushes, closes and returns the file's sha256 (hex) and size in bytes. */
  async close(): Promise<{ sha256: string; bytes: number }> {
    await this.flush();
    this.stream.end();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('finish', () => resolve());
      this.stream.once('error', reject);
    });
    if (this.failure) throw this.failure;
    return { sha256: this.hash.digest('hex'), bytes: this.bytes };
  }

  /** Closes without caring about the result (after a failure or cancellation). */
  abandon(): void {
    this.stream.destroy();
  }
}
