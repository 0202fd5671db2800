// Shared by the SCGI and uwsgi application servers (one request per connection).
import type { Socket } from 'node:net';
import type { RequestSink } from '../exchange.js';
import type { ParamList } from '../param-list.js';

/** What a request needs from its connection; the connection implements it. */
export interface ResponseChannel {
  readonly socket: Socket;
  /** Body bytes delivered so far. */
  readonly bodyBytes: number;
  writeResponse(chunks: Buffer[], end: boolean): boolean;
  abortResponse(error: Error | undefined): void;
  resumeBody(): void;
}

/**
 * The request of a protocol that carries exactly one request per connection (SCGI, uwsgi), and
 * the sink its adapter writes the response to (the `RequestSink` contract of `@gw/core`).
 *
 * Response bytes go to the socket as they are: no framing, the connection's end is the
 * response's end. `write` returns false while the socket holds `outputHighWaterMark` bytes or
 * more; the exchange's `drain()` is called once they are flushed.
 */
export abstract class SingleRequest implements RequestSink {
  /** `'cgi'` (a `Status:` line first) or `'http'` (an HTTP/1.x status line first). */
  abstract readonly headFormat: 'cgi' | 'http';
  /** The CGI variables the web server sent; views into socket chunks (`params.detach()` to keep them). */
  readonly params: ParamList;
  /** CONTENT_LENGTH: the exact number of body bytes that follow the head. */
  readonly contentLength: number;
  readonly #channel: ResponseChannel;

  constructor(channel: ResponseChannel, params: ParamList, contentLength: number) {
    this.#channel = channel;
    this.params = params;
    this.contentLength = contentLength;
  }

  /** The connection from the web server (its address is the web server's, not the client's). */
  get socket(): Socket {
    return this.#channel.socket;
  }

  /** Body bytes received and handed to the exchange so far. */
  get bodyBytes(): number {
    return this.#channel.bodyBytes;
  }

  /**
   * Writes response bytes (the head first, as `headFormat` says), raw. `end` ends the response:
   * the connection is half-closed, so the web server sees the end of the response.
   * Ignored (returns true) after the end, an abort, or the connection's close.
   */
  write(chunks: Buffer[], end: boolean): boolean {
    return this.#channel.writeResponse(chunks, end);
  }

  /** Gives up on the response: the connection is destroyed, so the web server sees it truncated. */
  abort(error: Error | undefined): void {
    this.#channel.abortResponse(error);
  }

  /** The body consumer wants more after `pushBody` returned false: reading resumes. */
  resumeBody(): void {
    this.#channel.resumeBody();
  }
}
