import type { Socket } from 'node:net';

// A response head's first line fits in this many bytes; more is not kept.
const KEEP = 256;

/**
 * Keeps the first bytes an SCGI or uwsgi server wrote on each of its connections (one response
 * per connection), without changing what it writes: tests check the response head format the
 * web server received — `Status: NNN …` (CGI, SCGI) or `HTTP/1.1 NNN …` (uwsgi, the only form
 * Apache mod_proxy_uwsgi accepts).
 */
export class ResponseHeadTap {
  /** Per connection, in accept order: copies of the first bytes written. */
  readonly #starts: Buffer[][] = [];

  /** Starts watching a connection's writes (call from the server's 'connection' event). */
  attach(socket: Socket): void {
    const kept: Buffer[] = [];
    this.#starts.push(kept);
    let bytes = 0;
    const write = socket.write;
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (bytes < KEEP && Buffer.isBuffer(chunk)) {
        const part = chunk.subarray(0, KEEP - bytes);
        kept.push(Buffer.from(part)); // a copy: the tap holds no view of the server's buffers
        bytes += part.length;
      }
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof socket.write;
  }

  /** First line of each connection's response so far, in accept order. */
  firstLines(): string[] {
    return this.#starts.map((parts) => {
      const text = Buffer.concat(parts).toString('latin1');
      const eol = text.indexOf('\r\n');
      return eol < 0 ? text : text.slice(0, eol);
    });
  }

  /** The first line of the most recent connection's response, or undefined before any. */
  lastFirstLine(): string | undefined {
    return this.firstLines().at(-1);
  }
}
