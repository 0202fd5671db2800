import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { GatewayError, GatewayErrorDetails } from '../errors.js';
import { type ResponseHead, ResponseHeadDecoder } from '../response-head.js';
import { type ConnectFailure, connectUpstream, describeUpstream, type StreamUpstream } from './upstream-socket.js';

/**
 * One request over a connection of its own, answered with a CGI head or an HTTP status line and a
 * body that ends at connection close (or at the head's Content-Length): the exchange shape of
 * SCGI and uwsgi (protocols.md §2, §3.4). The protocol-specific part is only the request packet.
 */

/** A request body: bytes, or a stream read with backpressure. */
export type StreamBody = Uint8Array | AsyncIterable<Uint8Array | string>;

/** The client error codes this module reports (each protocol passes its own). */
export interface StreamErrorCodes {
  CONNECT_FAILED: string;
  CONNECT_TIMEOUT: string;
  FIRST_BYTE_TIMEOUT: string;
  NO_RESPONSE_HEAD: string;
  CONNECTION_CLOSED: string;
  ABORTED: string;
  BODY_SOURCE_FAILED: string;
}

/** How the protocol builds its typed errors. */
export interface StreamErrors {
  codes: StreamErrorCodes;
  create(code: string, message: string, details?: GatewayErrorDetails & { retryable?: boolean }): GatewayError;
}

/** How the request ended. */
export interface StreamRequestEnd {
  /** Response body bytes delivered (after the head, at most Content-Length). */
  bodyBytes: number;
}

/** A response, available once its head has arrived. */
export interface StreamResponse {
  status: number;
  statusText: string;
  /** Headers in wire order, names as sent; a CGI `Status` removed; repeated names kept. */
  headers: [name: string, value: string][];
  location: string | undefined;
  localRedirect: boolean;
  /** `'http'` when the app sent an HTTP status line (uWSGI does), `'cgi'` for `Status:` style. */
  headKind: 'cgi' | 'http';
  /** Body after the head; ends at connection close or after Content-Length bytes. Destroying it closes the connection. */
  body: Readable;
  /** Always empty: these protocols have no error stream (the app logs on its side). */
  readonly stderr: Readable;
  /** Resolves when the body is complete; rejects when the connection fails first. Rejections are marked handled. */
  ended: Promise<StreamRequestEnd>;
}

/** Everything one exchange needs. */
export interface StreamExchangeInput {
  upstream: StreamUpstream;
  /** The protocol's request packet (netstring, or uwsgi header + vars). */
  packet: Buffer;
  body: StreamBody | undefined;
  /** Exactly this many body bytes must be sent (CONTENT_LENGTH). */
  bodyLength: number;
  /** HEAD request: the response has no body whatever its Content-Length says. */
  headRequest: boolean;
  signal: AbortSignal | undefined;
  connectTimeout: number;
  firstByteTimeout: number;
  maxHeadBytes: number;
  highWaterMark: number;
  errors: StreamErrors;
}

const noop = (): void => {};

/** Bodies up to this size are copied next to the packet and sent in the same write. */
const SMALL_BODY = 64 * 1024;

/** Runs one exchange; resolves at the response head. */
export function runStreamExchange(input: StreamExchangeInput): Promise<StreamResponse> {
  return new StreamExchange(input).response;
}

class StreamExchange {
  readonly response: Promise<StreamResponse>;
  readonly #in: StreamExchangeInput;
  readonly #socket: Socket;
  readonly #decoder: ResponseHeadDecoder;
  #resolveHead: (response: StreamResponse) => void = noop;
  #rejectHead: (err: Error) => void = noop;
  #resolveEnd: (end: StreamRequestEnd) => void = noop;
  #rejectEnd: (err: Error) => void = noop;
  #body: Readable | null = null;
  /** Body bytes still expected when the head had a Content-Length; -1 = until close. */
  #remaining = -1;
  #bodyBytes = 0;
  #done = false;
  #timer: NodeJS.Timeout | null = null;
  #socketError: Error | undefined = undefined;
  #onAbort: (() => void) | null = null;

  constructor(input: StreamExchangeInput) {
    this.#in = input;
    this.#decoder = new ResponseHeadDecoder({ maxHeadBytes: input.maxHeadBytes, accept: 'either' });
    this.response = new Promise((resolve, reject) => {
      this.#resolveHead = resolve;
      this.#rejectHead = reject;
    });
    if (input.firstByteTimeout > 0) {
      this.#timer = setTimeout(() => this.#fail(this.#error('FIRST_BYTE_TIMEOUT', `no response head within ${input.firstByteTimeout} ms`)), input.firstByteTimeout);
    }
    this.#socket = connectUpstream(input.upstream, input.connectTimeout, (failure) => this.#connected(failure));
    this.#socket.on('error', (err) => {
      this.#socketError ??= err;
    });
    const signal = input.signal;
    if (signal !== undefined) {
      this.#onAbort = () => this.#fail(this.#error('ABORTED', 'request aborted by its signal', { cause: signal.reason }));
      if (signal.aborted) queueMicrotask(this.#onAbort);
      else signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #connected(failure: ConnectFailure | null): void {
    if (this.#done) return void this.#socket.destroy();
    if (failure !== null) {
      const where = describeUpstream(this.#in.upstream);
      return this.#fail(
        failure === 'timeout'
          ? this.#error('CONNECT_TIMEOUT', `connecting to ${where} timed out`)
          : this.#error('CONNECT_FAILED', `cannot connect to ${where}: ${failure.message}`, { cause: failure }),
      );
    }
    const socket = this.#socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#onClose());
    const body = this.#in.body;
    // A small body goes out with the packet in one write. No empty write either: an app that
    // answers and closes at once would turn it into EPIPE, and node drops a socket's unread
    // input (the response) when a write fails.
    if (body instanceof Uint8Array && body.length <= SMALL_BODY) {
      socket.write(body.length === 0 ? this.#in.packet : Buffer.concat([this.#in.packet, body]));
      return;
    }
    socket.write(this.#in.packet);
    void this.#sendBody();
  }

  async #sendBody(): Promise<void> {
    const { body, bodyLength } = this.#in;
    if (body === undefined) return;
    const socket = this.#socket;
    if (body instanceof Uint8Array) {
      socket.write(body);
      return;
    }
    let sent = 0;
    try {
      for await (const piece of body) {
        if (this.#done || socket.destroyed) return;
        const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
        sent += chunk.length;
        // The app reads exactly CONTENT_LENGTH bytes (SCGI spec; uWSGI): more would be read as garbage.
        if (sent > bodyLength) throw new Error(`body is longer than CONTENT_LENGTH ${bodyLength}`);
        if (!socket.write(chunk)) await new Promise<void>((resolve) => socket.once('drain', resolve).once('close', resolve));
      }
      if (sent < bodyLength) throw new Error(`body ended after ${sent} of CONTENT_LENGTH ${bodyLength} bytes`);
    } catch (err) {
      this.#fail(this.#error('BODY_SOURCE_FAILED', 'sending the request body failed', { cause: err }));
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#done) return;
    if (this.#body === null) {
      let decoded: ReturnType<ResponseHeadDecoder['push']>;
      try {
        decoded = this.#decoder.push(chunk);
      } catch (err) {
        return this.#fail(err as GatewayError);
      }
      if (decoded === undefined) return;
      this.#deliverHead(decoded.head);
      chunk = decoded.rest;
      if (this.#done) return;
    }
    this.#pushBody(chunk);
  }

  #deliverHead(head: ResponseHead): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const socket = this.#socket;
    this.#body = new Readable({
      highWaterMark: this.#in.highWaterMark,
      read: () => socket.resume(),
      destroy: (err, callback) => {
        if (!this.#done) this.#fail(this.#error('ABORTED', 'response body destroyed before it ended'));
        callback(err);
      },
    });
    const ended = new Promise<StreamRequestEnd>((resolve, reject) => {
      this.#resolveEnd = resolve;
      this.#rejectEnd = reject;
    });
    ended.catch(noop);
    this.#remaining = bodyLengthOf(head, this.#in.headRequest);
    let stderr: Readable | null = null;
    this.#resolveHead({
      status: head.status,
      statusText: head.statusText,
      headers: head.headers,
      location: head.location,
      localRedirect: head.localRedirect,
      headKind: head.kind,
      body: this.#body,
      get stderr(): Readable {
        stderr ??= Readable.from([]);
        return stderr;
      },
      ended,
    });
    if (this.#remaining === 0) this.#finish();
  }

  #pushBody(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#remaining >= 0) {
      // nginx honours the app's Content-Length: extra bytes are cut.
      if (chunk.length > this.#remaining) chunk = chunk.subarray(0, this.#remaining);
      this.#remaining -= chunk.length;
    }
    this.#bodyBytes += chunk.length;
    const body = this.#body as Readable;
    if (!body.push(chunk)) this.#socket.pause();
    if (this.#remaining === 0) this.#finish();
  }

  /** The body is complete: end it, resolve `ended`, close the connection (one request per connection). */
  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanup();
    this.#body?.push(null);
    this.#resolveEnd({ bodyBytes: this.#bodyBytes });
    this.#socket.destroy();
  }

  #onEnd(): void {
    if (this.#done) return;
    if (this.#body === null) {
      return this.#fail(this.#error('NO_RESPONSE_HEAD', 'the application closed the connection before a complete response head'));
    }
    if (this.#remaining > 0) {
      return this.#fail(this.#error('CONNECTION_CLOSED', `the connection closed ${this.#remaining} bytes before the response's Content-Length`));
    }
    this.#finish();
  }

  #onClose(): void {
    if (this.#done) return;
    this.#fail(this.#error('CONNECTION_CLOSED', 'the connection to the application failed', { cause: this.#socketError }));
  }

  #fail(err: GatewayError): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanup();
    this.#socket.destroy();
    const body = this.#body;
    if (body === null) return this.#rejectHead(err);
    if (!body.destroyed) {
      // Emit the error only to someone listening (pipeline, for await); `ended` carries it anyway.
      if (body.listenerCount('error') > 0) body.destroy(err);
      else body.destroy();
    }
    this.#rejectEnd(err);
  }

  #cleanup(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#onAbort !== null) this.#in.signal?.removeEventListener('abort', this.#onAbort);
    this.#onAbort = null;
  }

  #error(key: keyof StreamErrorCodes, message: string, details?: GatewayErrorDetails): GatewayError {
    return this.#in.errors.create(this.#in.errors.codes[key], message, details);
  }
}

/**
 * Body bytes to expect: 0 for a HEAD request and for 1xx/204/304 (RFC 9110 §6.4.1), the
 * Content-Length when it is a plain decimal, else -1 (until the connection closes).
 */
function bodyLengthOf(head: ResponseHead, headRequest: boolean): number {
  if (headRequest || head.status < 200 || head.status === 204 || head.status === 304) return 0;
  let length = -1;
  for (const [name, value] of head.headers) {
    if (name.length !== 14 || name.toLowerCase() !== 'content-length') continue;
    if (!/^[0-9]{1,15}$/.test(value)) return -1;
    length = Number(value);
  }
  return length;
}
