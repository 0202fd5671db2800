// Shared by the SCGI and uwsgi application servers (one request per connection).
import type { Socket } from 'node:net';
import { type GatewayError, LimitError, ProtocolError } from '../errors.js';
import { NULL_EXCHANGE, type RequestExchange } from '../exchange.js';
import { cannedResponse } from './canned-response.js';
import type { ResponseChannel, SingleRequest } from './single-request.js';
import type { SingleRequestLimits } from './single-request-limits.js';
import { startReading } from '../socket-reads.js';

/** The codes a connection reports for its own failures (the decoder reports the others). */
export interface SingleRequestErrorCodes {
  readonly HEADERS_TIMEOUT: string;
  readonly BODY_TIMEOUT: string;
  readonly BODY_TOO_LARGE: string;
  readonly HANDLER_TIMEOUT: string;
}

/** What a connection needs from its server. */
export interface SingleRequestHost<R extends SingleRequest> {
  readonly limits: SingleRequestLimits;
  readonly errorCodes: SingleRequestErrorCodes;
  /** The protocol's response head: `'cgi'` (SCGI) or `'http'` (uwsgi), for answers the server makes itself. */
  readonly headFormat: 'cgi' | 'http';
  /** Protocol name for error messages ('SCGI', 'uwsgi'). */
  readonly protocol: string;
  /** Read through the shared read buffer when the socket allows it (socket-reads.ts). */
  readonly sharedReadBuffer: boolean;
  /** Hands the request to the application; undefined when the server has no handler. */
  dispatch(request: R): RequestExchange | undefined;
  /** Bad input, a limit or a timeout before or while reading the request: reported, never thrown. */
  connectionError(err: GatewayError, socket: Socket): void;
  /** A failure of a request whose head was valid (body too large, handler timeout). */
  requestError(err: GatewayError, request: R): void;
  /** The connection is over (its socket destroyed): the server forgets it. Called once. */
  connectionClosed(connection: SingleRequestConnection<R>): void;
}

// Input phases.
const IN_HEAD = 0; // waiting for the request head (SCGI netstring, uwsgi header + vars)
const IN_BODY = 1; // body bytes flow to the exchange
const IN_COMPLETE = 2; // the whole body arrived; the decoder only counts stray bytes
const IN_DISCARD = 3; // the response is over (or failed): input is read and dropped

/** A response of several chunks up to this size is copied into one buffer: one write, no writev. */
const SMALL_WRITE = 16 * 1024;

/** Where a socket keeps its connection, so one set of listener functions serves every socket. */
const kConnection = Symbol('gw.singleRequestConnection');
type ConnectionSocket = Socket & { [kConnection]: SingleRequestConnection<SingleRequest> };

/**
 * One connection of a protocol that carries exactly one request per connection (SCGI, uwsgi).
 * A subclass owns the decoder: it feeds it in `decode`/`endOfInput` and reports the request head
 * with `beginRequest`; the decoder's `onBody`/`onBodyEnd`/`onError` callbacks land here.
 *
 * Lifecycle: head (bounded by `headersTimeout`) → dispatch → body pushed to the exchange with
 * backpressure (`pushBody` false pauses the socket, `resumeBody` resumes it) → the response is
 * written raw to the socket → once it is flushed, the connection closes:
 * - at once, when the request was read to its last byte (exactly CONTENT_LENGTH body bytes, and
 *   nothing after them): no input is left unread, so the close is a plain FIN after the
 *   response, as uWSGI does. This is the common case, and it spares a shutdown and a read of
 *   the peer's EOF per connection.
 * - otherwise (answered before the body was read, stray bytes, a canned answer), with a
 *   half-close (`socket.end()`), then input is read and dropped until the peer closes, so unread
 *   input cannot make the kernel answer with a reset that cuts the response's tail;
 *   `closeTimeout` bounds that wait.
 * A peer that goes away before the response ended aborts the exchange. Socket errors (EPIPE,
 * ECONNRESET) end the connection, never the process, and nothing is written after the close.
 *
 * Per connection the socket gets four listeners (functions shared by every socket) and one timer
 * (the head deadline); the body, handler and close timers exist only when they are needed.
 */
export abstract class SingleRequestConnection<R extends SingleRequest> implements ResponseChannel {
  readonly socket: Socket;
  readonly #host: SingleRequestHost<R>;
  #input = IN_HEAD;
  #request: R | null = null;
  #exchange: RequestExchange = NULL_EXCHANGE;
  #bytesIn = 0;
  #bodyBytes = 0;
  /** True while the exchange asked us to stop reading (pushBody returned false). */
  #paused = false;
  /** True after write() returned false, until the socket flushed below the high-water mark. */
  #awaitingDrain = false;
  /** Socket writes whose callback has not run yet. */
  #pendingWrites = 0;
  #responseEnded = false;
  /** The ended response was flushed and the close begun (at once or by half-close). */
  #closing = false;
  #closed = false;
  /** Head deadline, then body-silence timer; one at a time. */
  #inputTimer: NodeJS.Timeout | null = null;
  #handlerTimer: NodeJS.Timeout | null = null;
  /** After close(): the grace for a silent connection; after a half-close: the wait for the peer. */
  #closeTimer: NodeJS.Timeout | null = null;
  /** Passed to every socket write (write callbacks get no `this`): one function per connection. */
  readonly #afterWrite = (): void => this.#onWritten();

  constructor(socket: Socket, host: SingleRequestHost<R>) {
    this.socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    (socket as ConnectionSocket)[kConnection] = this as unknown as SingleRequestConnection<SingleRequest>;
    socket.on('end', SingleRequestConnection.#socketEnd);
    // EPIPE / ECONNRESET when the web server went away are normal: they end the connection,
    // never the process. Tear down at the error, not at 'close' (a later event-loop phase):
    // until then writes would be accepted and drained for a response nobody reads, and a
    // listener streaming in a write/'drain' loop would never see the disconnect.
    socket.on('error', SingleRequestConnection.#socketGone);
    socket.on('close', SingleRequestConnection.#socketGone);
    this.#inputTimer = startTimer(host.limits.headersTimeout, SingleRequestConnection.#headTimeout, this);
    // Last: the server accepted the socket paused; reading starts once every listener is in place.
    startReading(socket, SingleRequestConnection.#socketData, host.sharedReadBuffer);
  }

  // One function each for every socket (`this` is the socket): no closures per connection.
  static #socketEnd(this: ConnectionSocket): void {
    this[kConnection].#onPeerEnd();
  }

  static #socketData(this: Socket, chunk: Buffer): void {
    (this as ConnectionSocket)[kConnection].#onData(chunk);
  }

  static #socketGone(this: ConnectionSocket): void {
    this[kConnection].#teardown();
  }

  static #headTimeout(conn: SingleRequestConnection<SingleRequest>): void {
    conn.#inputTimer = null;
    conn.#inputTimeout(conn.#host.errorCodes.HEADERS_TIMEOUT, 'request head');
  }

  static #bodyTimeout(conn: SingleRequestConnection<SingleRequest>): void {
    conn.#inputTimer = null;
    conn.#inputTimeout(conn.#host.errorCodes.BODY_TIMEOUT, 'body bytes');
  }

  static #handlerTimeoutFired(conn: SingleRequestConnection<SingleRequest>): void {
    conn.#handlerTimeout();
  }

  static #graceOver(conn: SingleRequestConnection<SingleRequest>): void {
    conn.#closeTimer = null;
    if (!conn.#closed && conn.#input === IN_HEAD && conn.#bytesIn === 0) conn.#answerUnavailable();
  }

  static #closeWaitOver(conn: SingleRequestConnection<SingleRequest>): void {
    conn.#closeTimer = null;
    conn.#teardown();
  }

  /** Body bytes delivered to the exchange so far. */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  // ── for the subclass ─────────────────────────────────────────────────────

  /** Feeds bytes to the protocol decoder. */
  protected abstract decode(chunk: Buffer): void;
  /** Tells the decoder the peer sent its last byte (it reports truncation through onError). */
  protected abstract endOfInput(): void;
  /** Bytes the decoder saw after the request's body (one request per connection: ignored). */
  protected abstract extraInput(): number;

  /**
   * The request head is complete and valid: dispatch the request, unless its declared body
   * exceeds `maxBodyBytes` (answered 413 without running the handler). The decoder then
   * delivers exactly `contentLength` body bytes, so the body needs no other size check.
   */
  protected beginRequest(request: R, contentLength: number): void {
    if (this.#closed || this.#input !== IN_HEAD) return;
    const limits = this.#host.limits;
    this.#clearInputTimer();
    this.#request = request;
    if (contentLength > limits.maxBodyBytes) {
      const err = new LimitError(this.#host.errorCodes.BODY_TOO_LARGE, `${this.#host.protocol}: CONTENT_LENGTH ${contentLength} exceeds maxBodyBytes`, {
        limit: 'maxBodyBytes',
        limitValue: limits.maxBodyBytes,
      });
      this.#host.requestError(err, request);
      this.writeResponse([cannedResponse(request.headFormat, 413)], true);
      return;
    }
    // Without a body the request is complete already: a handler that answers at once (node:http
    // listeners run synchronously) answers a complete request, which can close without a drain.
    // The decoder's onBodyEnd that follows is then ignored; the exchange gets endBody() below.
    this.#input = contentLength === 0 ? IN_COMPLETE : IN_BODY;
    if (contentLength > 0) this.#armBodyTimer();
    if (limits.handlerTimeout > 0) this.#handlerTimer = startTimer(limits.handlerTimeout, SingleRequestConnection.#handlerTimeoutFired, this);
    const exchange = this.#host.dispatch(request);
    if (exchange === undefined) {
      this.writeResponse([cannedResponse(request.headFormat, 500)], true);
      return;
    }
    // The handler may already have answered (node:http listeners run synchronously): the
    // exchange is kept either way, for drain() and for body bytes of an unfinished response.
    this.#exchange = exchange;
    if (contentLength === 0 && !this.#closed) exchange.endBody();
  }

  /** A body piece from the decoder (a view of a socket chunk). */
  onBody(chunk: Buffer): void {
    if (this.#input !== IN_BODY) return; // answered early or failed: the rest is dropped
    this.#bodyBytes += chunk.length;
    this.#inputTimer?.refresh();
    if (!this.#exchange.pushBody(chunk) && !this.#paused && this.#input === IN_BODY) {
      // The consumer is not keeping up: stop reading, so what we hold stays bounded by one socket
      // read. The silence that follows is ours, not the peer's: the body timer waits too.
      this.#paused = true;
      this.socket.pause();
      this.#clearInputTimer();
    }
  }

  /** The decoder saw exactly CONTENT_LENGTH body bytes. */
  onBodyEnd(): void {
    if (this.#input !== IN_BODY) return;
    this.#input = IN_COMPLETE;
    this.#clearInputTimer();
    this.#exchange.endBody();
  }

  /**
   * The decoder rejected the input (or the subclass refused the request): report it, abort an
   * exchange whose response is unfinished, close the connection.
   */
  onError(err: GatewayError): void {
    if (this.#closed) return;
    this.#teardown();
    this.#host.connectionError(err, this.socket);
  }

  // ── ResponseChannel (called by the request, i.e. by the adapter) ─────────

  writeResponse(chunks: Buffer[], end: boolean): boolean {
    if (this.#responseEnded || this.#closed || this.socket.destroyed) return true;
    this.#writeChunks(chunks);
    if (end) {
      this.#endResponse();
      return true;
    }
    if (this.socket.writableLength < this.#host.limits.outputHighWaterMark) return true;
    this.#awaitingDrain = true;
    return false;
  }

  abortResponse(_error: Error | undefined): void {
    if (this.#responseEnded || this.#closed) return;
    // SCGI and uwsgi have no "incomplete" signal but the connection: a reset (not a FIN, which
    // would read as a complete response) tells the web server the response is truncated. The
    // adapter gave up itself, so it gets no abort() back.
    this.#responseEnded = true;
    this.#teardown(true);
  }

  resumeBody(): void {
    if (!this.#paused || this.#closed || this.#responseEnded) return;
    this.#paused = false;
    this.socket.resume();
    if (this.#input === IN_BODY) this.#armBodyTimer();
  }

  // ── for the server ───────────────────────────────────────────────────────

  /**
   * server.close(): a connection with a request on its way or in progress finishes it (it closes
   * itself after its response). One that has sent nothing yet was opened by a web server to send
   * a request whose bytes may be in flight or not read yet: it has `requestGraceTimeout` to start
   * it, and is answered 503 if it does not (closing it silently would make the web server report
   * a bad gateway for a request it already sent).
   */
  closeGracefully(): void {
    if (this.#closed || this.#input !== IN_HEAD || this.#bytesIn > 0 || this.#closeTimer !== null) return;
    const grace = this.#host.limits.requestGraceTimeout;
    if (grace === 0) this.#answerUnavailable();
    else this.#closeTimer = startTimer(grace, SingleRequestConnection.#graceOver, this);
  }

  /** Ends the connection at once (with a reset); a request in flight is aborted. */
  destroy(): void {
    this.#teardown(true);
  }

  // ── internals ────────────────────────────────────────────────────────────

  #onData(chunk: Buffer): void {
    this.#bytesIn += chunk.length;
    if (this.#input === IN_DISCARD || this.#closed) return;
    this.decode(chunk);
  }

  #onPeerEnd(): void {
    if (this.#closed || this.#input === IN_DISCARD) return; // draining: the close follows
    if (this.#input === IN_HEAD && this.#bytesIn === 0) {
      // Opened and closed without a byte (a health check, a port probe): not a client error.
      this.#teardown();
      return;
    }
    this.endOfInput(); // a truncated head or body comes back through onError
    if (this.#closed) return;
    // Still no head: nothing to answer. A complete request may still be answered: the server is
    // allowHalfOpen, so a peer that half-closes after sending gets its response.
    if (this.#input === IN_HEAD) this.#teardown();
  }

  #writeChunks(chunks: Buffer[]): void {
    const socket = this.socket;
    let bytes = 0;
    let count = 0;
    let only: Buffer | undefined;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i] as Buffer;
      if (c.length === 0) continue;
      bytes += c.length;
      count++;
      only = c;
    }
    if (count === 0) return;
    this.#pendingWrites++;
    if (count === 1) {
      socket.write(only as Buffer, this.#afterWrite);
      return;
    }
    // A small response ([head, body]) goes out as one buffer in one write; a large one is written
    // around its chunks (never copied) under cork, which makes one writev.
    if (bytes <= SMALL_WRITE) {
      socket.write(Buffer.concat(chunks, bytes), this.#afterWrite);
      return;
    }
    socket.cork();
    let left = count;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i] as Buffer;
      if (c.length === 0) continue;
      if (--left === 0) socket.write(c, this.#afterWrite);
      else socket.write(c);
    }
    socket.uncork();
  }

  /**
   * A write reached the kernel. Write callbacks run in order, so once the buffer is below the
   * high-water mark the exchange may write again. (Not the 'drain' event: it only fires after
   * the socket's own high-water mark was crossed, which may differ from outputHighWaterMark.)
   * The last callback of an ended response starts the close.
   */
  #onWritten(): void {
    this.#pendingWrites--;
    if (this.#closed) return;
    if (this.#responseEnded) {
      // Not from inside this callback: a socket destroyed while node's afterWrite runs makes it
      // build an ERR_STREAM_DESTROYED (with its stack trace) for every response.
      if (this.#pendingWrites === 0) process.nextTick(SingleRequestConnection.#closeNextTick, this);
      return;
    }
    if (!this.#awaitingDrain || this.socket.writableLength >= this.#host.limits.outputHighWaterMark) return;
    this.#awaitingDrain = false;
    this.#exchange.drain();
  }

  /** Answers a connection that sent nothing with a canned 503 and half-closes it. */
  #answerUnavailable(): void {
    this.#writeChunks([cannedResponse(this.#host.headFormat, 503)]);
    this.#endResponse();
  }

  /**
   * The response is complete. Body bytes still to come are dropped from now on; the close waits
   * for the response's writes to reach the kernel (their callbacks run after the current
   * decode), so that it knows whether the request was read to its end.
   */
  #endResponse(): void {
    this.#responseEnded = true;
    this.#awaitingDrain = false;
    this.#clearHandlerTimer();
    if (this.#input !== IN_COMPLETE) {
      this.#input = IN_DISCARD;
      this.#clearInputTimer();
      if (this.#paused) {
        this.#paused = false;
        this.socket.resume();
      }
    }
    if (this.#pendingWrites === 0) process.nextTick(SingleRequestConnection.#closeNextTick, this);
  }

  static #closeNextTick(conn: SingleRequestConnection<SingleRequest>): void {
    if (!conn.#closed) conn.#closeAfterResponse();
  }

  /** The ended response is in the kernel: close at once if no input is left unread, else half-close. */
  #closeAfterResponse(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#input === IN_COMPLETE && this.extraInput() === 0) {
      // Everything the peer sent was read, and it sends nothing after CONTENT_LENGTH bytes: a
      // close now is a FIN after the response (the kernel still delivers what it holds).
      this.#teardown();
      return;
    }
    this.#halfClose();
  }

  /**
   * Half-closes: the response's end is the connection's end. Input is still read and dropped
   * until the peer closes (a web server may still be sending a body the handler did not want);
   * closing with unread input would make the kernel send a reset that can destroy the response's
   * tail in the peer's receive buffer. closeTimeout starts once everything was flushed.
   */
  #halfClose(): void {
    const socket = this.socket;
    this.#input = IN_DISCARD;
    this.#paused = false;
    this.#clearInputTimer();
    if (this.#closeTimer !== null) clearTimeout(this.#closeTimer); // a close() grace no longer needed
    this.#closeTimer = null;
    socket.end(() => this.#halfCloseFlushed());
    socket.resume();
  }

  /** The half-close reached the peer: wait closeTimeout for its close. */
  #halfCloseFlushed(): void {
    const ms = this.#host.limits.closeTimeout;
    if (!this.#closed && ms > 0) this.#closeTimer = startTimer(ms, SingleRequestConnection.#closeWaitOver, this);
  }

  /**
   * Destroys the socket (once) and aborts an exchange whose response is unfinished. `reset`
   * closes a TCP connection with RST, for a response that must not look complete.
   */
  #teardown(reset = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearInputTimer();
    this.#clearHandlerTimer();
    if (this.#closeTimer !== null) clearTimeout(this.#closeTimer);
    this.#closeTimer = null;
    const abort = this.#request !== null && !this.#responseEnded;
    this.#responseEnded = true;
    this.#input = IN_DISCARD;
    if (reset) resetSocket(this.socket);
    else this.socket.destroy();
    this.#host.connectionClosed(this);
    // After destroy: whatever the handler does on abort, nothing more reaches the socket.
    if (abort) this.#exchange.abort();
  }

  #armBodyTimer(): void {
    this.#clearInputTimer();
    this.#inputTimer = startTimer(this.#host.limits.bodyTimeout, SingleRequestConnection.#bodyTimeout, this);
  }

  #inputTimeout(code: string, what: string): void {
    this.onError(new ProtocolError(code, `${this.#host.protocol}: no ${what} from the peer in time`));
  }

  #handlerTimeout(): void {
    this.#handlerTimer = null;
    const request = this.#request as R;
    const ms = this.#host.limits.handlerTimeout;
    this.#teardown(true);
    this.#host.requestError(new ProtocolError(this.#host.errorCodes.HANDLER_TIMEOUT, `${this.#host.protocol}: response not finished after ${ms} ms`), request);
  }

  #clearInputTimer(): void {
    if (this.#inputTimer !== null) {
      clearTimeout(this.#inputTimer);
      this.#inputTimer = null;
    }
  }

  #clearHandlerTimer(): void {
    if (this.#handlerTimer !== null) {
      clearTimeout(this.#handlerTimer);
      this.#handlerTimer = null;
    }
  }
}

/**
 * Closes with RST where the socket is TCP; a unix socket has no reset, so the peer sees EOF
 * (`resetAndDestroy` throws for non-TCP handles).
 */
function resetSocket(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** An unref'd timer calling `onTimeout(connection)`, or null when `ms` is 0 (the timeout is off). */
function startTimer<T>(ms: number, onTimeout: (conn: T) => void, conn: T): NodeJS.Timeout | null {
  if (ms <= 0) return null;
  const timer = setTimeout(onTimeout, ms, conn);
  timer.unref();
  return timer;
}
