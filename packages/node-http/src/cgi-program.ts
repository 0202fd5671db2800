import type { Readable, Writable } from 'node:stream';
import { ParamList } from '@gw/core';
import { createDispatcher, type DispatchOptions, type GatewayHandler } from './dispatch.js';
import type { Exchange, HeadFormat, ResponseSink } from './sink.js';

/** Options of {@link runCgiRequest}. */
export interface CgiProgramOptions {
  /**
   * The CGI meta-variables (RFC 3875 §4.1). Every variable becomes a CGI parameter, as PHP's
   * `$_SERVER` does: HTTP_* become request headers, the rest is readable through
   * `req.gateway`/`FetchContext.cgiParams`. Default `process.env`.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the request body comes from (RFC 3875 §4.2). Default `process.stdin`. */
  stdin?: Readable;
  /** Where the response goes (RFC 3875 §6). It is not ended. Default `process.stdout`. */
  stdout?: Writable;
  /**
   * `'cgi'` answers with a `Status:` head, what a web server's plain CGI expects; `'http'` with
   * an `HTTP/1.1` status line, for non-parsed-header (`nph-`) scripts (RFC 3875 §5). Default `'cgi'`.
   */
  headFormat?: HeadFormat;
  /** Errors the adapter answered itself (handler threw → 500, bad variables → 400). Default `console.error`. */
  onError?: DispatchOptions['onError'];
  /** Body bytes buffered for a handler that is not reading before stdin is paused. Default 65536. */
  bodyHighWaterMark?: number;
}

/** How one CGI request went. */
export interface CgiRunResult {
  /** True when the whole response reached stdout (its last write was flushed). */
  completed: boolean;
  /** What the adapter reported through `onError`: handler exceptions and rejections, invalid variables. */
  errors: unknown[];
}

/**
 * Serves exactly one request as a CGI/1.1 program (RFC 3875): the request is the environment
 * plus stdin, the response goes to stdout. This is how the same node:http listener or `{ fetch }`
 * handler runs under a web server's plain CGI (Apache mod_cgi, lighttpd mod_cgi) with no
 * long-running process.
 *
 * The body is read from stdin only as far as CONTENT_LENGTH says (§4.2: the script MUST NOT read
 * more; the server need not send EOF). Without CONTENT_LENGTH there is no body, except when
 * HTTP_TRANSFER_ENCODING is set: Apache passes a chunked request body de-chunked with no length
 * and closes stdin after it, so stdin is then read to EOF.
 *
 * Resolves once the response ended (its last write flushed to stdout) or was aborted (the
 * handler failed after sending the head, stdin ended before CONTENT_LENGTH bytes, stdout
 * failed); never rejects.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` when `handler` is neither a listener nor `{ fetch }`
 */
export function runCgiRequest(handler: GatewayHandler, options: CgiProgramOptions = {}): Promise<CgiRunResult> {
  const errors: unknown[] = [];
  const report = options.onError ?? ((error: unknown) => console.error(error));
  const dispatch = createDispatcher(handler, {
    onError: (error) => {
      errors.push(error);
      report(error);
    },
    bodyHighWaterMark: options.bodyHighWaterMark,
  });
  const env = options.env ?? process.env;
  const params = paramsFromEnv(env);
  return new Promise((resolve) => {
    // Declared first: a handler that fails synchronously settles the sink inside dispatch().
    let body: StdinBody | undefined;
    const sink = new StdoutSink(options.stdout ?? process.stdout, options.headFormat ?? 'cgi', (completed) => {
      body?.stop();
      resolve({ completed, errors });
    });
    const exchange = dispatch(params, sink);
    body = sink.finished ? undefined : new StdinBody(options.stdin ?? process.stdin, exchange, bodyLength(env), () => sink.requestGone());
    sink.attach(exchange, body);
    body?.start();
  });
}

/**
 * The environment as CGI parameters. Node decoded each value from UTF-8; encoding it back gives
 * the bytes the web server put there (protocols see bytes, ParamList keeps them as latin1). A
 * value that was not valid UTF-8 has already lost its bad bytes to U+FFFD: Node offers no raw
 * access to the environment.
 */
function paramsFromEnv(env: Readonly<Record<string, string | undefined>>): ParamList {
  const pairs: [string, Buffer][] = [];
  for (const name of Object.keys(env)) {
    const value = env[name];
    if (value !== undefined) pairs.push([name, Buffer.from(value, 'utf8')]);
  }
  return ParamList.from(pairs);
}

/**
 * Bytes of body to read: CONTENT_LENGTH; unbounded for a de-chunked body (see runCgiRequest);
 * 0 when there is none. An invalid CONTENT_LENGTH reads nothing: the dispatcher has already
 * answered 400 for it.
 */
function bodyLength(env: Readonly<Record<string, string | undefined>>): number {
  const declared = env.CONTENT_LENGTH;
  if (declared === undefined || declared === '') return env.HTTP_TRANSFER_ENCODING === undefined ? 0 : Number.POSITIVE_INFINITY;
  return /^\d{1,15}$/.test(declared) ? Number(declared) : 0;
}

/** The request body: at most `remaining` bytes of stdin, with the adapter's backpressure. */
class StdinBody {
  readonly #stdin: Readable;
  readonly #exchange: Exchange;
  readonly #onAbort: () => void;
  #remaining: number;
  #done = false;

  constructor(stdin: Readable, exchange: Exchange, length: number, onAbort: () => void) {
    this.#stdin = stdin;
    this.#exchange = exchange;
    this.#remaining = length;
    this.#onAbort = onAbort;
  }

  start(): void {
    if (this.#remaining === 0) {
      this.#finish();
      return;
    }
    this.#stdin.on('data', this.#onData);
    this.#stdin.on('end', this.#onEnd);
    this.#stdin.on('error', this.#onError);
    this.#stdin.resume();
  }

  /** The handler wants more body after a refused push. */
  resume(): void {
    if (!this.#done) this.#stdin.resume();
  }

  /** The response is over: stop reading (any unread input is the web server's to discard). */
  stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#detach();
  }

  #onData = (data: Buffer | string): void => {
    if (this.#done) return;
    let chunk = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (chunk.length > this.#remaining) chunk = chunk.subarray(0, this.#remaining);
    this.#remaining -= chunk.length;
    const wantsMore = chunk.length === 0 || this.#exchange.pushBody(chunk);
    if (this.#remaining === 0) this.#finish();
    else if (!wantsMore) this.#stdin.pause();
  };

  #onEnd = (): void => {
    if (this.#done) return;
    // EOF before CONTENT_LENGTH bytes: the web server gave up on the request (client gone), which
    // a gateway server reports as an abort, not as a shorter body.
    if (Number.isFinite(this.#remaining)) this.#fail();
    else this.#finish();
  };

  #onError = (): void => {
    if (!this.#done) this.#fail();
  };

  #finish(): void {
    this.#done = true;
    this.#detach();
    this.#exchange.endBody();
  }

  #fail(): void {
    this.#done = true;
    this.#detach();
    this.#exchange.abort();
    this.#onAbort();
  }

  #detach(): void {
    this.#stdin.off('data', this.#onData);
    this.#stdin.off('end', this.#onEnd);
    this.#stdin.off('error', this.#onError);
    this.#stdin.pause();
  }
}

/** The response side: bytes to stdout, unframed (a CGI response is the whole output, §6). */
class StdoutSink implements ResponseSink {
  readonly headFormat: HeadFormat;
  readonly #stdout: Writable;
  readonly #done: (completed: boolean) => void;
  #exchange: Exchange | undefined;
  #body: StdinBody | undefined;
  #finished = false;
  #waitingForDrain = false;

  constructor(stdout: Writable, headFormat: HeadFormat, done: (completed: boolean) => void) {
    this.headFormat = headFormat;
    this.#stdout = stdout;
    this.#done = done;
    stdout.on('error', this.#onError);
  }

  /** True once the response ended or was aborted. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Connects the exchange the dispatcher returned (the handler may already have answered). */
  attach(exchange: Exchange, body: StdinBody | undefined): void {
    this.#exchange = exchange;
    this.#body = body;
  }

  write(chunks: Buffer[], end: boolean): boolean {
    if (this.#finished) return true;
    const stdout = this.#stdout;
    let ok = true;
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) ok = stdout.write(chunks[i] as Buffer);
    if (end) {
      this.#finished = true;
      // The response counts as delivered once its last bytes left the process's buffers.
      stdout.write(last >= 0 ? (chunks[last] as Buffer) : Buffer.alloc(0), (error) => this.#settle(error == null));
      return true;
    }
    if (last >= 0) ok = stdout.write(chunks[last] as Buffer);
    if (!ok && !this.#waitingForDrain) {
      this.#waitingForDrain = true;
      stdout.once('drain', this.#onDrain);
    }
    return ok;
  }

  abort(_error: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#settle(false);
  }

  resumeBody(): void {
    this.#body?.resume();
  }

  /**
   * The request was aborted from the input side. The adapter makes no more sink calls after
   * `Exchange.abort()` (the server is assumed to know), so the request ends here.
   */
  requestGone(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#settle(false);
  }

  #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.#exchange?.drain();
  };

  #onError = (): void => {
    // stdout closed under us (EPIPE: the web server stopped reading): the client is gone.
    if (this.#finished) return;
    this.#finished = true;
    this.#exchange?.abort();
    this.#settle(false);
  };

  #settle(completed: boolean): void {
    this.#stdout.off('error', this.#onError);
    this.#stdout.off('drain', this.#onDrain);
    // Later errors on stdout (a write racing the close) must not crash the process.
    this.#stdout.on('error', ignore);
    this.#done(completed);
  }
}

function ignore(): void {}
