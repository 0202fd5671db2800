import { connectionReset } from './aborted-error.js';
import type { ParamList } from '@gw/core';
import type { CgiRequest } from './cgi-request.js';
import { FetchRequestBody } from './fetch-body.js';
import { mayHaveBody, requestHeaders, requestHref } from './fetch-request.js';
import { encodeFetchHead, type ResponseOutput, writeFetchResponse } from './fetch-response.js';
import { cannedResponse } from './canned-responses.js';
import type { Exchange, HeadFormat, ResponseSink } from './sink.js';

/** The second argument a Fetch handler receives (Hono exposes it as `c.env`). */
export interface FetchContext {
  /** The CGI variables of the request (SCRIPT_FILENAME, DOCUMENT_ROOT, REMOTE_USER, …). */
  readonly cgiParams: ParamList;
  /** REMOTE_ADDR (undefined for Unix-socket peers). */
  readonly remoteAddress: string | undefined;
  /** REMOTE_PORT. */
  readonly remotePort: number | undefined;
  /** The gateway server's own object for this request (FastCGI role, requestId, stderr; uwsgi modifiers). */
  readonly gateway: ResponseSink;
}

/** A `{ fetch }` handler: Hono apps, itty-router, or any function from Request to Response. */
export interface FetchHandler {
  fetch(request: Request, context: FetchContext): Response | Promise<Response>;
}

/**
 * One request served by a Fetch handler. Builds the `Request` (body as a ReadableStream of the
 * pushed chunks, `duplex: 'half'`, a signal that aborts with the gateway request), calls the
 * handler, and writes the `Response` to the sink. Globals `Request`/`Response` are used as they
 * are, never replaced (style.md §8.2.14).
 */
export class FetchExchange implements Exchange, ResponseOutput {
  readonly headFormat: HeadFormat;
  readonly #sink: ResponseSink;
  readonly #body: FetchRequestBody | null;
  readonly #abort = new AbortController();
  #drainWaiter: (() => void) | null = null;
  #gone = false;
  #headSent = false;
  #ended = false;

  constructor(sink: ResponseSink, request: CgiRequest, bodyHighWaterMark: number) {
    this.headFormat = sink.headFormat;
    this.#sink = sink;
    this.#body = mayHaveBody(request.method) && request.contentLength !== 0 ? new FetchRequestBody(sink, bodyHighWaterMark) : null;
  }

  /** True once the gateway request was aborted (ResponseOutput). */
  get gone(): boolean {
    return this.#gone;
  }

  /**
   * Builds the Request, runs the handler and writes its Response; never rejects. Errors before
   * the head went out become a 500 (a Request the Fetch standard refuses, e.g. an invalid host,
   * a 400) and are reported to `onError`; later ones abort the sink.
   */
  async run(handler: FetchHandler, params: ParamList, request: CgiRequest, onError: (error: unknown) => void): Promise<void> {
    let fetchRequest: Request;
    try {
      const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: requestHeaders(params), signal: this.#abort.signal };
      if (this.#body !== null) {
        init.body = this.#body.stream;
        init.duplex = 'half';
      }
      fetchRequest = new Request(requestHref(request), init);
    } catch (error) {
      onError(error);
      this.#fail(400);
      return;
    }
    try {
      const response = await handler.fetch(fetchRequest, { cgiParams: params, remoteAddress: request.remoteAddress, remotePort: request.remotePort, gateway: this.#sink });
      if (this.#gone) return;
      if (!isResponse(response)) throw new TypeError('the fetch handler did not return a Response');
      const head = encodeFetchHead(this.headFormat, response);
      const status = response.status;
      // RFC 9110 §9.3.2, §15.3.5, §15.4.5: no content in answers to HEAD, nor in 204 and 304.
      const withBody = request.method !== 'HEAD' && status !== 204 && status !== 304;
      await writeFetchResponse(this, head, response, withBody);
    } catch (error) {
      onError(error);
      this.#fail(500, error);
    }
  }

  /** ResponseOutput: forwards to the sink, tracking the head and the end. */
  write(chunks: Buffer[], end: boolean): boolean {
    if (this.#gone || this.#ended) return true;
    this.#headSent = true;
    this.#ended = end;
    if (end) this.#body?.discard();
    return this.#sink.write(chunks, end);
  }

  /** ResponseOutput: resolves on the next `drain()` or `abort()`. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.#drainWaiter = resolve;
    });
  }

  pushBody(chunk: Buffer): boolean {
    return this.#body === null ? true : this.#body.push(chunk);
  }

  endBody(): void {
    this.#body?.end();
  }

  drain(): void {
    const waiter = this.#drainWaiter;
    if (waiter === null) return;
    this.#drainWaiter = null;
    waiter();
  }

  abort(): void {
    if (this.#gone) return;
    this.#gone = true;
    const error = connectionReset();
    this.#body?.fail(error);
    this.#abort.abort(error);
    this.drain();
  }

  /** A failure: a canned response if nothing was sent yet, else the sink aborts. */
  #fail(status: 400 | 500, error?: unknown): void {
    if (this.#gone || this.#ended) return;
    if (!this.#headSent) {
      this.write([cannedResponse(this.headFormat, status)], true);
    } else {
      this.#gone = true;
      this.#sink.abort(error instanceof Error ? error : undefined);
    }
  }
}

/** Duck-typed, so a Response from another copy of undici works too. */
function isResponse(value: unknown): value is Response {
  return typeof value === 'object' && value !== null && typeof (value as Response).status === 'number' && typeof (value as Response).headers === 'object';
}
