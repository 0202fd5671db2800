import { connect, type Socket } from 'node:net';

/** A peer playing the web server: writes raw bytes, records everything it receives. */
export class RawClient {
  readonly socket: Socket;
  readonly #chunks: Buffer[] = [];
  /** The server half-closed (FIN received). */
  gotEnd = false;
  /** The socket error seen, if any (ECONNRESET, EPIPE). */
  error: NodeJS.ErrnoException | undefined;
  /** Resolves when the connection is fully closed. */
  readonly closed: Promise<void>;

  constructor(target: number | string) {
    this.socket = typeof target === 'number' ? connect(target, '127.0.0.1') : connect(target);
    this.socket.on('data', (c: Buffer) => this.#chunks.push(c));
    this.socket.on('end', () => {
      this.gotEnd = true;
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err;
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  /** Everything received so far. */
  get received(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  send(...bufs: (Buffer | string)[]): void {
    for (const b of bufs) this.socket.write(b);
  }
}
