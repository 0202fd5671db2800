import { Readable } from 'node:stream';
import { type GatewayError, type ResponseHead, ResponseHeadDecoder } from '@gw/core';
import { ProtocolStatus, protocolStatusName, Role } from '../constants.js';
import { FastCgiClientError, FastCgiClientErrorCode as Code } from './client-errors.js';
import { authorizerVariables, type FastCgiRequestEnd, type FastCgiRequestHandle, type FastCgiResponse, type FastCgiResponseHandler } from './client-response.js';
import type { EncodedRequest } from './request-encoding.js';

/** Whoever currently holds an exchange: the pool's queue, then a connection. */
export interface ExchangeOwner {
  /** Stop the request upstream: leave the queue, send ABORT_REQUEST, or close the connection. */
  cancel(exchange: FastCgiExchange): void;
  /** The response body consumer fell behind: stop reading the socket. */
  pause(exchange: FastCgiExchange): void;
  /** The consumer caught up again. */
  resume(exchange: FastCgiExchange): void;
}

/** Per-request settings taken from the client's options. */
export interface ExchangeSettings {
  responseHighWaterMark: number;
  maxStderrBuffer: number;
  maxHeadBytes: number;
  firstByteTimeout: number;
}

/** What a caller asked for, after validation. */
export interface ExchangeInput {
  /** The request's records (for id 1 until a connection assigns an id). */
  encoded: EncodedRequest;
  role: number;
  /** Whether running the request twice has the effect of running it once (RFC 9110 §9.2.2). */
  idempotent: boolean;
  signal: AbortSignal | undefined;
  onStderr: ((chunk: Buffer) => void) | undefined;
  /** Set for `dispatch()`: the response goes to these callbacks instead of a promise and Readables. */
  handler: FastCgiResponseHandler | undefined;
}

// Lifecycle. WAITING: queued or being (re)assigned; SENT: a connection owns it; HEAD: the
// response was handed to the caller; DONE: finished or failed (nothing more is delivered).
const WAITING = 0;
const SENT = 1;
const HEAD = 2;
const DONE = 3;

const noop = (): void => {};

/**
 * One client request from `request()` to END_REQUEST: turns the records a connection routes to it
 * into the response the caller sees (head, body stream, stderr stream, ended promise), and runs
 * its first-byte timer and AbortSignal. It never touches a socket: the connection writes the
 * request and decodes records; cancellation goes back through `owner`.
 */
export class FastCgiExchange implements FastCgiRequestHandle {
  readonly input: ExchangeInput;
  /**
   * `request()` only: resolves with the response once its head is complete; rejects on any failure
   * before that. undefined for `dispatch()`, whose handler gets the response.
   */
  readonly response: Promise<FastCgiResponse> | undefined;
  /** The queue or connection holding the request. */
  owner: ExchangeOwner | null = null;
  /** Request id on its connection (0 while not assigned). */
  requestId = 0;
  /** True once any byte of this request was handed to a socket: from then on it is not retried. */
  bytesWritten = false;
  /** Content bytes of records received for this request (any type). */
  responseBytes = 0;
  /** True once every input record (through the last terminator) was written. */
  inputComplete = false;
  /** Times the request was sent again after a kept-alive connection closed under it. */
  retries = 0;

  /** Whether the whole input can be sent again: bytes, or streams whose consumed part is still kept. */
  get replayable(): boolean {
    for (const stream of this.input.encoded.streams) {
      if (stream.replay !== undefined && !stream.replay.replayable) return false;
    }
    return true;
  }

  readonly #settings: ExchangeSettings;
  #state = WAITING;
  #resolveHead: (response: FastCgiResponse) => void = noop;
  #rejectHead: (err: Error) => void = noop;
  #resolveEnd: (end: FastCgiRequestEnd) => void = noop;
  #rejectEnd: (err: Error) => void = noop;
  #head: ResponseHeadDecoder | null = null;
  #body: Readable | null = null;
  #stderr: Readable | null = null;
  #bodyBytes = 0;
  #stdoutEnded = false;
  #paused = false;
  #timer: NodeJS.Timeout | null = null;
  #onAbortSignal: (() => void) | null = null;
  readonly #handler: FastCgiResponseHandler | undefined;

  constructor(input: ExchangeInput, settings: ExchangeSettings) {
    this.input = input;
    this.#settings = settings;
    this.#handler = input.handler;
    this.response =
      input.handler !== undefined
        ? undefined
        : new Promise<FastCgiResponse>((resolve, reject) => {
            this.#resolveHead = resolve;
            this.#rejectHead = reject;
          });
    if (settings.firstByteTimeout > 0) {
      this.#timer = setTimeout(() => this.#timedOut(), settings.firstByteTimeout);
    }
    const signal = input.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        queueMicrotask(() => this.#aborted());
      } else {
        this.#onAbortSignal = () => this.#aborted();
        signal.addEventListener('abort', this.#onAbortSignal, { once: true });
      }
    }
  }

  /** True once the request finished or failed. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** True while the caller has not received the response head. */
  get awaitingHead(): boolean {
    return this.#state < HEAD;
  }

  /** True while the response body consumer is behind (the connection is paused for it). */
  get paused(): boolean {
    return this.#paused;
  }

  /** FastCgiRequestHandle: cancels the request (FCGI_ERR_ABORTED goes to the handler's onError). */
  abort(reason?: unknown): void {
    if (this.#state === DONE) return;
    this.#abortWith(new FastCgiClientError(Code.ABORTED, 'request aborted', { requestId: this.requestId, cause: reason }));
  }

  /** FastCgiRequestHandle: the handler's consumer caught up after onBody returned false. */
  resume(): void {
    this.#consumerReady();
  }

  /** A connection took the request. */
  assign(owner: ExchangeOwner, requestId: number): void {
    this.owner = owner;
    this.requestId = requestId;
    this.#state = SENT;
  }

  /** Back to the queue: the connection it was given to had closed before any byte was written. */
  unassign(): void {
    this.owner = null;
    this.requestId = 0;
    this.bytesWritten = false;
    this.inputComplete = false;
    this.responseBytes = 0;
    if (this.#state === SENT) this.#state = WAITING;
  }

  // ── records routed by the connection ───────────────────────────────────

  onStdout(chunk: Buffer): void {
    if (this.responseBytes === 0) this.#releaseReplay();
    this.responseBytes += chunk.length;
    if (this.#state === DONE || this.#stdoutEnded) return;
    if (this.#state !== HEAD) return this.#feedHead(chunk);
    this.#pushBody(chunk);
  }

  onStdoutEnd(): void {
    if (this.#state === DONE || this.#stdoutEnded) return;
    this.#stdoutEnded = true;
    if (this.#state !== HEAD) {
      // protocols.md §6 #42: the empty STDOUT before the head's blank line (nginx: 502).
      return this.#abortWith(new FastCgiClientError(Code.NO_RESPONSE_HEAD, 'STDOUT ended before the response head was complete', { requestId: this.requestId }));
    }
    if (this.#handler !== undefined) this.#handler.onBodyEnd();
    else this.#body?.push(null);
  }

  onStderr(chunk: Buffer): void {
    if (this.responseBytes === 0) this.#releaseReplay();
    this.responseBytes += chunk.length;
    if (this.#state === DONE) return;
    const callback = this.input.onStderr;
    if (callback !== undefined) return callback(chunk);
    const handler = this.#handler;
    if (handler !== undefined) return handler.onStderr?.(chunk); // without either, STDERR is not wanted
    const stream = this.#stderrStream();
    // STDERR has no flow control of its own and must never stall STDOUT (h2o#621, haproxy#743):
    // unread STDERR beyond the bound is dropped instead of pausing the socket.
    if (stream.readableLength + chunk.length <= this.#settings.maxStderrBuffer) stream.push(Buffer.from(chunk));
  }

  onStderrEnd(): void {
    if (this.#stderr !== null && !this.#stderr.readableEnded) this.#stderr.push(null);
  }

  /**
   * END_REQUEST (spec §5.5): the request is over. Before the head it is an error: a refusal
   * (CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE) or no response at all (§6 #41, nginx 502).
   */
  onEndRequest(appStatus: number, protocolStatus: number): void {
    if (this.#state === DONE) return;
    if (this.#state !== HEAD) return this.fail(refusalError(protocolStatus, this.requestId));
    this.#state = DONE;
    this.#cleanup();
    const handler = this.#handler;
    if (handler !== undefined) {
      // §6 #40: END_REQUEST without the empty STDOUT still completes the response.
      if (!this.#stdoutEnded) handler.onBodyEnd();
      return handler.onEnd({ appStatus, protocolStatus, bodyBytes: this.#bodyBytes });
    }
    if (!this.#stdoutEnded) this.#body?.push(null);
    this.onStderrEnd();
    this.#resolveEnd({ appStatus, protocolStatus, bodyBytes: this.#bodyBytes });
  }

  /**
   * The request failed (connection lost, protocol error, cancelled…). Rejects the response, or after
   * the head, destroys the streams and rejects `ended`. Does not touch the connection.
   */
  fail(err: GatewayError | Error): void {
    if (this.#state === DONE) return;
    const hadHead = this.#state === HEAD;
    this.#state = DONE;
    this.#cleanup();
    if (this.#handler !== undefined) return this.#handler.onError(err);
    if (!hadHead) return this.#rejectHead(err);
    // A body whose empty STDOUT arrived is complete: only `ended` learns of the failure.
    if (!this.#stdoutEnded) destroyQuietly(this.#body, err);
    destroyQuietly(this.#stderr, err);
    this.#rejectEnd(err);
  }

  // ── internals ────────────────────────────────────────────────────────────

  #feedHead(chunk: Buffer): void {
    this.#head ??= new ResponseHeadDecoder({ maxHeadBytes: this.#settings.maxHeadBytes, accept: 'either' });
    let decoded: ReturnType<ResponseHeadDecoder['push']>;
    try {
      decoded = this.#head.push(chunk);
    } catch (err) {
      // A malformed or oversized head (CGI_ERR_*): nginx answers 502 and drops the connection.
      return this.#abortWith(err as GatewayError);
    }
    if (decoded === undefined) return;
    this.#head = null;
    this.#deliverHead(decoded.head);
    // The head's receiver may have cancelled the request (a handler refusing a 1xx status, say).
    if (decoded.rest.length > 0 && this.#state === HEAD) this.#pushBody(decoded.rest);
  }

  #deliverHead(head: ResponseHead): void {
    this.#state = HEAD;
    this.#clearTimer();
    if (this.#handler !== undefined) return this.#handler.onHead(head);
    this.#body = new Readable({
      highWaterMark: this.#settings.responseHighWaterMark,
      read: () => this.#consumerReady(),
      destroy: (err, callback) => {
        // The consumer threw the body away: the rest of the response is not wanted.
        if (this.#state !== DONE && !this.#stdoutEnded) this.#abortWith(new FastCgiClientError(Code.ABORTED, 'response body destroyed before the response ended', { requestId: this.requestId }));
        callback(err);
      },
    });
    const ended = new Promise<FastCgiRequestEnd>((resolve, reject) => {
      this.#resolveEnd = resolve;
      this.#rejectEnd = reject;
    });
    ended.catch(noop); // a caller that ignores `ended` must not get an unhandled rejection
    const exchange = this;
    const response: FastCgiResponse = {
      status: head.status,
      statusText: head.statusText,
      headers: head.headers,
      location: head.location,
      localRedirect: head.localRedirect,
      body: this.#body,
      get stderr(): Readable {
        return exchange.#stderrStream();
      },
      ended,
    };
    if (this.input.role === Role.AUTHORIZER) {
      response.allowed = head.status === 200;
      response.variables = response.allowed ? authorizerVariables(head) : {};
    }
    this.#resolveHead(response);
  }

  #pushBody(chunk: Buffer): void {
    this.#bodyBytes += chunk.length;
    const handler = this.#handler;
    if (handler !== undefined) {
      if (!handler.onBody(chunk) && !this.#paused && this.#state === HEAD) {
        this.#paused = true;
        this.owner?.pause(this);
      }
      return;
    }
    const body = this.#body as Readable;
    if (body.destroyed) return;
    if (!body.push(chunk) && !this.#paused) {
      this.#paused = true;
      this.owner?.pause(this);
    }
  }

  #consumerReady(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.owner?.resume(this);
  }

  #stderrStream(): Readable {
    if (this.#stderr === null) {
      this.#stderr = new Readable({ read: noop });
      // Requests made with onStderr, or already finished, have nothing more to put here.
      if (this.input.onStderr !== undefined || this.#state === DONE) this.#stderr.push(null);
    }
    return this.#stderr;
  }

  #timedOut(): void {
    this.#timer = null;
    this.#abortWith(new FastCgiClientError(Code.FIRST_BYTE_TIMEOUT, `no response head within ${this.#settings.firstByteTimeout} ms`, { requestId: this.requestId }));
  }

  #aborted(): void {
    const reason: unknown = this.input.signal?.reason;
    this.#abortWith(new FastCgiClientError(Code.ABORTED, 'request aborted by its signal', { requestId: this.requestId, cause: reason }));
  }

  /** Fails the request, then tells its owner to stop it upstream. */
  #abortWith(err: GatewayError): void {
    if (this.#state === DONE) return;
    const owner = this.owner;
    this.fail(err);
    owner?.cancel(this);
  }

  /** The app has started answering: the request can no longer be resent, so its input need not be kept. */
  #releaseReplay(): void {
    for (const stream of this.input.encoded.streams) stream.replay?.release();
  }

  #cleanup(): void {
    this.#releaseReplay();
    this.#clearTimer();
    if (this.#onAbortSignal !== null) {
      this.input.signal?.removeEventListener('abort', this.#onAbortSignal);
      this.#onAbortSignal = null;
    }
    if (this.#paused) {
      // Nothing more will be pushed for this request: the connection must not stay paused for it.
      this.#paused = false;
      this.owner?.resume(this);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}

/** The error for END_REQUEST arriving before the response head. */
function refusalError(protocolStatus: number, requestId: number): FastCgiClientError {
  switch (protocolStatus) {
    case ProtocolStatus.CANT_MPX_CONN:
      return new FastCgiClientError(Code.CANT_MPX_CONN, 'the application refused the request: it does not multiplex (CANT_MPX_CONN)', { requestId });
    case ProtocolStatus.OVERLOADED:
      return new FastCgiClientError(Code.OVERLOADED, 'the application refused the request: overloaded', { requestId });
    case ProtocolStatus.UNKNOWN_ROLE:
      return new FastCgiClientError(Code.UNKNOWN_ROLE, 'the application does not serve this role (UNKNOWN_ROLE)', { requestId });
    default:
      return new FastCgiClientError(Code.NO_RESPONSE_HEAD, `END_REQUEST (${protocolStatusName(protocolStatus)}) before a complete response head`, { requestId });
  }
}

/**
 * Destroys a response stream because the request failed. The error is emitted only when someone
 * listens for it (pipeline, async iteration, an 'error' handler); otherwise the stream just closes
 * (like an aborted IncomingMessage) and `ended` carries the error, so an unread stream cannot crash
 * the process with an unhandled 'error' event.
 */
function destroyQuietly(stream: Readable | null, err: Error): void {
  if (stream === null || stream.destroyed) return;
  if (stream.readableEnded) return void stream.destroy();
  if (stream.listenerCount('error') > 0) stream.destroy(err);
  else stream.destroy();
}
