import type { Socket } from 'node:net';
import type { GatewayError } from '@gw/core';
import { ProtocolStatus, RecordType, recordTypeName } from '../constants.js';
import { RecordDecoder, type RecordDecoderHandler, type RecordHeader } from '../record-decoder.js';
import { encodeAbortRequest } from '../record-encoder.js';
import { FastCgiClientError, FastCgiClientErrorCode as Code } from './client-errors.js';
import type { ClientLimits } from './client-options.js';
import type { ExchangeOwner, FastCgiExchange } from './exchange.js';
import { sendInputStreams, SocketWriter } from './input-writer.js';
import { type PendingStream, setRequestId } from './request-encoding.js';
import { RequestIdAllocator } from './request-ids.js';
import { RequestTable } from '../request-table.js';

/** What a connection reports to its pool. */
export interface ConnectionHost {
  readonly limits: ClientLimits;
  /** The connection can take (more) requests: connected, or a request slot freed. */
  connectionAvailable(connection: ClientConnection): void;
  /** The socket closed (or never connected); every request on it has been failed already. */
  connectionClosed(connection: ClientConnection): void;
  /** A multiplexed connection got END_REQUEST{CANT_MPX_CONN}: the app does not multiplex after all. */
  multiplexRefused(connection: ClientConnection): void;
  /**
   * The app closed this connection right after an END_REQUEST, having served `requests` requests
   * on it (php-fpm recycling a worker at `pm.max_requests`).
   */
  appClosedAfter(requests: number): void;
  /** Requests a connection may serve before it is retired (options and what the app taught). */
  readonly maxConnectionUses: number;
  /**
   * A request was lost with a reused connection the app closed before sending a byte for it.
   * `recycled`: the app half-closed right after the previous END_REQUEST, so it never ran the
   * request. The host resends it or fails it with `error`.
   */
  requestLost(exchange: FastCgiExchange, error: FastCgiClientError, recycled: boolean): void;
  /** Requests waiting for a connection. */
  readonly waitingRequests: number;
}

/**
 * A FIN this soon after an END_REQUEST is read as "the app closes connections after N requests"
 * rather than as a crash or restart: php-fpm shuts its side down within a millisecond or so.
 */
const CLOSE_AFTER_END_WINDOW_MS = 50;

/** The decoder's defaults, resolved once for every connection. */
const DECODER_OPTIONS = RecordDecoder.resolveOptions({});

/** See #reuseCheckpoint: php-fpm's recycling FIN follows its END_REQUEST within about a millisecond. */
const REUSE_GUARD_MS = 2;

// Connection states.
const OPEN = 0; // usable
const RETIRING = 1; // takes no new requests; closes when the ones in progress are done
const CLOSED = 2;

/**
 * One kept-alive (FCGI_KEEP_CONN) connection to a FastCGI application: writes requests, decodes
 * the app's records and routes them to the requests by id, and decides when the connection may be
 * reused.
 *
 * Without multiplexing it runs one request at a time, always with request id 1 (what nginx,
 * Apache and lighttpd send, and what uWSGI assumes). With multiplexing it runs up to `capacity`
 * requests with the lowest free ids.
 *
 * Reuse rule (nginx `ngx_http_fastcgi_input_filter`): a non-multiplexed connection goes back to
 * the pool only when the END_REQUEST record, padding included, was the last byte read and the
 * request's input was completely written; anything else closes it.
 */
export class ClientConnection implements RecordDecoderHandler, ExchangeOwner {
  readonly socket: Socket;
  readonly multiplex: boolean;
  /** Requests this connection runs at once. */
  readonly capacity: number;
  /** Requests started on this connection so far. */
  uses = 0;
  /** Requests that got their END_REQUEST here. */
  completed = 0;
  /** Set while the connection's socket is connecting. */
  connecting = true;

  readonly #host: ConnectionHost;
  readonly #decoder: RecordDecoder;
  readonly #writer: SocketWriter;
  /** Requests by id, including cancelled ones whose END_REQUEST has not arrived yet. */
  readonly #requests = new RequestTable<FastCgiExchange>();
  readonly #ids = new RequestIdAllocator();
  #state = OPEN;
  /** The peer half-closed: nothing more will be read. */
  #peerEnded = false;
  /** Non-multiplexed: END_REQUEST arrived; waiting to see it was the last byte read. */
  #endRecordEnd = -1;
  /** A deferred release to the pool is scheduled (see #release). */
  #releasing = false;
  /** Absolute end offset and type of the last record whose header was decoded. */
  #lastRecordEnd = 0;
  #pausedFor = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  /** Date.now() when the connection last went idle, or -1 while in use (Date: fake timers move it). */
  #idleSince = -1;
  #socketError: Error | undefined = undefined;
  /** performance.now() of the last END_REQUEST. */
  #lastEndAt = -1;
  /** performance.now() of the peer's FIN, or of a socket error (EPIPE after the app closed), or -1. */
  #peerClosedAt = -1;
  /**
   * Non-multiplexed: the request whose STDOUT end and END_REQUEST were read in the chunk being
   * decoded; they reach it once the chunk is read and the connection was handed on (see #onData).
   */
  #held: FastCgiExchange | null = null;
  #heldStdoutEnd = false;
  #heldEnd = false;
  #heldAppStatus = 0;
  #heldProtocolStatus = 0;

  constructor(socket: Socket, host: ConnectionHost, multiplex: boolean, capacity: number) {
    this.socket = socket;
    this.#host = host;
    this.multiplex = multiplex;
    this.capacity = multiplex ? capacity : 1;
    this.#decoder = new RecordDecoder(this, DECODER_OPTIONS);
    this.#writer = new SocketWriter(socket);
    // Reads arrive through receive(): the pool opens the socket with the shared read buffer.
    socket.on('end', () => this.#onPeerEnd());
    socket.on('error', (err) => {
      this.#socketError ??= err;
      this.#peerClosed();
    });
    socket.on('close', () => this.#onClose());
  }

  /** The bytes of one socket read (the socket's `onread` callback, see client.ts). */
  receive(chunk: Buffer): void {
    this.#onData(chunk);
  }

  /** Requests in progress (cancelled ones still awaiting END_REQUEST included). */
  get load(): number {
    return this.#requests.size;
  }

  /** True when `start()` may be called now. */
  get available(): boolean {
    return (
      this.#state === OPEN &&
      !this.connecting &&
      !this.#peerEnded &&
      !this.#releasing &&
      this.#endRecordEnd < 0 &&
      this.#requests.size < this.capacity &&
      this.uses < this.#host.maxConnectionUses
    );
  }

  /** True while a just-finished connection waits one event-loop turn before taking requests again (see #release). */
  get releasing(): boolean {
    return this.#releasing && this.#state === OPEN;
  }

  /** True once the connection will take no more requests. */
  get finished(): boolean {
    return this.#state !== OPEN || this.#peerEnded;
  }

  /** The socket connected: the connection is ready for requests. */
  connected(): void {
    this.connecting = false;
    this.#goIdleIfUnused();
  }

  /**
   * Starts a request on this connection. Returns false, without writing anything, when the socket
   * turned out to be closing (the pool then gives the request to another connection: a request
   * not yet sent never fails because a pooled connection died while idle).
   */
  start(exchange: FastCgiExchange): boolean {
    const socket = this.socket;
    if (!this.available || socket.destroyed || !socket.writable || socket.readableEnded) {
      this.retire();
      return false;
    }
    const id = this.#ids.allocate();
    this.#requests.set(id, exchange);
    this.uses++;
    this.#clearIdleTimer();
    socket.ref();
    exchange.assign(this, id);
    const { preamble, streams } = exchange.input.encoded;
    setRequestId(preamble, id);
    exchange.bytesWritten = true;
    // Requests started in one tick on a multiplexed connection leave in one writev; a connection
    // running one request has nothing to batch, so its request goes out now (no nextTick).
    if (this.multiplex) this.#writer.corkUntilNextTick();
    const flushed = this.#writer.write(preamble);
    if (streams.length > 0) void this.#sendStreams(exchange, id, streams, flushed);
    else exchange.inputComplete = true;
    return true;
  }

  /** Takes no new requests; closes as soon as none is in progress. */
  retire(): void {
    if (this.#state !== OPEN) return;
    this.#state = RETIRING;
    if (this.#requests.size === 0) this.close();
  }

  /** Closes the connection now; requests still on it fail with FCGI_ERR_CONNECTION_CLOSED. */
  close(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#stopIdleTimer();
    if (this.#requests.size === 0 && !this.connecting) {
      // Idle: a polite FIN (php-fpm's worker sees EOF and goes back to accept()).
      this.socket.end();
      this.socket.destroySoon();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
  }

  // ── ExchangeOwner ──────────────────────────────────────────────────────

  /**
   * Stops a request that failed or was abandoned. Multiplexed: ABORT_REQUEST (spec §5.4) and its
   * id stays reserved, its records ignored, until END_REQUEST. Otherwise: close the connection,
   * the only way to stop php-fpm and libfcgi (php-fpm has no ABORT handler; nginx closes too).
   */
  cancel(exchange: FastCgiExchange): void {
    const id = exchange.requestId;
    if (this.#requests.get(id) !== exchange || this.#state === CLOSED) return;
    if (!this.multiplex) return this.close();
    this.#writer.write(encodeAbortRequest(id));
    const timer = setTimeout(() => {
      // No END_REQUEST for an aborted request: stop using the connection, let the others finish.
      if (this.#requests.get(id) === exchange) this.retire();
    }, this.#host.limits.abortTimeout);
    timer.unref();
  }

  pause(_exchange: FastCgiExchange): void {
    // FastCGI has no per-request flow control (spec §3.3), so a slow consumer can only be held
    // back by not reading the connection; each request's buffer is bounded by its highWaterMark
    // plus one socket read.
    if (this.#pausedFor++ === 0) this.socket.pause();
  }

  resume(_exchange: FastCgiExchange): void {
    if (this.#pausedFor > 0 && --this.#pausedFor === 0 && this.#state !== CLOSED) this.socket.resume();
  }

  // ── RecordDecoderHandler ─────────────────────────────────────────────────

  onRecord(header: RecordHeader, offset: number): void {
    this.#lastRecordEnd = offset + 8 + header.contentLength + header.paddingLength;
    const type = header.type;
    // Only STDOUT, STDERR, END_REQUEST and management records come from an app (spec §8 table).
    if (type === RecordType.STDOUT || type === RecordType.STDERR || type === RecordType.END_REQUEST) return;
    if (header.requestId === 0) return; // management records (id 0) may arrive any time; none is needed here
    this.#protocolError(new FastCgiClientError(Code.UNEXPECTED_RECORD, `the application sent ${recordTypeName(type)} for request ${header.requestId}`, { requestId: header.requestId }));
  }

  onStream(requestId: number, type: number, chunk: Buffer): void {
    const exchange = this.#route(requestId);
    if (exchange === undefined) return;
    if (type === RecordType.STDOUT) exchange.onStdout(chunk);
    else if (type === RecordType.STDERR) exchange.onStderr(chunk);
  }

  onStreamEnd(requestId: number, type: number): void {
    const exchange = this.#route(requestId);
    if (exchange === undefined) return;
    if (type === RecordType.STDOUT) {
      // A complete head's body end waits for the chunk's end (#onData); an early end (no head:
      // an error that closes the connection) is reported now.
      if (this.multiplex || exchange.awaitingHead) return exchange.onStdoutEnd();
      this.#held = exchange;
      this.#heldStdoutEnd = true;
    } else if (type === RecordType.STDERR) {
      exchange.onStderrEnd();
    }
  }

  onEndRequest(requestId: number, appStatus: number, protocolStatus: number): void {
    const exchange = this.#route(requestId);
    if (exchange === undefined) return;
    if (this.multiplex) {
      exchange.onEndRequest(appStatus, protocolStatus);
    } else {
      // Held for the chunk's end, like the STDOUT end (#onData).
      this.#held = exchange;
      this.#heldEnd = true;
      this.#heldAppStatus = appStatus;
      this.#heldProtocolStatus = protocolStatus;
    }
    this.#requests.delete(requestId);
    this.#ids.release(requestId);
    this.completed++;
    this.#lastEndAt = performance.now();
    if (this.multiplex) {
      if (protocolStatus === ProtocolStatus.CANT_MPX_CONN) this.#host.multiplexRefused(this);
      return this.#slotFreed();
    }
    if (!exchange.inputComplete) {
      // The app answered before reading all input (a 413, an app that ignores the body): the
      // rest would be read as the next request. nginx closes in this case too.
      return this.close();
    }
    this.#endRecordEnd = this.#lastRecordEnd;
  }

  onError(err: GatewayError): void {
    this.#protocolError(err);
  }

  // ── internals ────────────────────────────────────────────────────────────

  #onData(chunk: Buffer): void {
    if (this.#state === CLOSED) return;
    if (this.#requests.size === 0 && this.#endRecordEnd < 0) {
      // Bytes while no request is in progress: the stream is out of step (nginx closes too).
      return this.#protocolError(new FastCgiClientError(Code.UNEXPECTED_RECORD, 'the application sent data while no request was in progress'));
    }
    this.#decoder.push(chunk);
    if (this.#endRecordEnd >= 0 && this.#state !== CLOSED) {
      const received = this.#decoder.bytesReceived;
      if (received === this.#endRecordEnd) {
        this.#endRecordEnd = -1;
        this.#slotFreed();
      } else if (received > this.#endRecordEnd) {
        this.#endRecordEnd = -1;
        this.close(); // bytes after END_REQUEST: not reusable
      }
    }
    // The finished request learns of its end only now, after the next queued request went out on
    // this connection: delivering it writes the client's response (node:http's res.end() writes
    // at once), and the app's worker would sit idle through that write and whatever else this
    // turn of the event loop runs before the request reached it.
    if (this.#held !== null) this.#deliverHeld();
  }

  /** Delivers the held STDOUT end and END_REQUEST of the request that just finished (see #onData). */
  #deliverHeld(): void {
    const exchange = this.#held as FastCgiExchange;
    this.#held = null;
    if (this.#heldStdoutEnd) {
      this.#heldStdoutEnd = false;
      exchange.onStdoutEnd();
    }
    if (this.#heldEnd) {
      this.#heldEnd = false;
      exchange.onEndRequest(this.#heldAppStatus, this.#heldProtocolStatus);
    }
  }

  /** The request for `requestId`, or a protocol error when there is none. */
  #route(requestId: number): FastCgiExchange | undefined {
    if (this.#state === CLOSED) return undefined;
    const exchange = this.#requests.get(requestId);
    if (exchange === undefined || this.#endRecordEnd >= 0) {
      this.#protocolError(new FastCgiClientError(Code.UNEXPECTED_RECORD, `record for request ${requestId}, which is not in progress`, { requestId }));
      return undefined;
    }
    return exchange;
  }

  /** A request finished: hand the slot back to the pool, or close when retiring or used up. */
  #slotFreed(): void {
    if (this.#state === CLOSED) return;
    if (this.#state === RETIRING || this.uses >= this.#host.maxConnectionUses || this.#peerEnded) {
      if (this.#requests.size === 0) this.close();
      else this.#state = RETIRING;
      return;
    }
    if (this.#requests.size > 0) return this.#host.connectionAvailable(this);
    if (this.#host.waitingRequests > 0) {
      // Under load the next request goes out at once: the END_REQUEST was the last byte read, the
      // reuse rule holds, and a wait would leave the app's worker idle. Should the app be closing
      // the connection after all (php-fpm recycling a worker), the request is resent (requestLost).
      this.#host.connectionAvailable(this);
      if (this.#requests.size > 0) return;
    }
    this.#release();
  }

  /**
   * Returns an idle connection to the pool one event-loop turn later (when no request is waiting
   * for it). An app that closes a kept connection right after END_REQUEST (php-fpm recycling a
   * worker at `pm.max_requests`) has usually sent its FIN by then; the 'end' seen first keeps a
   * request from being written into a dying connection.
   */
  #release(): void {
    this.#releasing = true;
    setImmediate(() => {
      this.#releasing = false;
      if (this.#state !== OPEN || this.#peerEnded) return;
      this.#goIdleIfUnused();
    });
  }

  #goIdleIfUnused(): void {
    if (this.#requests.size === 0) {
      // An idle pooled socket must not keep the process alive (node's http Agent does the same).
      this.socket.unref();
      this.#armIdleTimer();
    }
    this.#host.connectionAvailable(this);
  }

  /** Writes the input streams that did not fit in the preamble; a failing source fails the request. */
  async #sendStreams(exchange: FastCgiExchange, id: number, streams: PendingStream[], flushed: boolean): Promise<void> {
    const alive = () => !exchange.done && this.#state !== CLOSED && this.#requests.get(id) === exchange;
    const reused = this.completed > 0;
    try {
      if (!flushed) await this.#writer.drain();
      const target = {
        alive,
        checkpoint: (stream: PendingStream) => (reused && stream.replay?.replayable === true ? this.#reuseCheckpoint() : undefined),
      };
      if (await sendInputStreams(this.#writer, id, streams, target)) exchange.inputComplete = true;
    } catch (err) {
      if (!alive()) return;
      exchange.fail(new FastCgiClientError(Code.BODY_SOURCE_FAILED, 'reading the request body failed', { requestId: id, cause: err }));
      this.cancel(exchange);
    }
  }

  /**
   * On a reused connection, while the body sent so far could still be resent, let the event loop
   * read the socket between chunks, and start no earlier than REUSE_GUARD_MS after the previous
   * END_REQUEST: a body already waiting in memory (a proxied request) would otherwise be written
   * whole in one go, past what can be kept for a resend, before php-fpm's recycling FIN is seen.
   */
  #reuseCheckpoint(): Promise<void> {
    const wait = this.#lastEndAt + REUSE_GUARD_MS - performance.now();
    return new Promise<void>((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
  }

  #protocolError(err: GatewayError): void {
    if (this.#state === CLOSED) return;
    this.#failAll(err);
    this.close();
  }

  /**
   * The app closed its side: a FIN, or a reset seen as a write error (an app that ignores
   * KEEP_CONN and closes fully, like uWSGI's FastCGI socket). Right after an END_REQUEST, with no
   * byte of a newer request answered, that teaches the pool how many requests the app serves per
   * connection.
   */
  #peerClosed(): void {
    if (this.#peerClosedAt >= 0) return;
    this.#peerClosedAt = performance.now();
    let untouched = true;
    for (const exchange of this.#requests.values()) if (exchange.responseBytes > 0) untouched = false;
    if (untouched && this.completed > 0 && this.#closedRightAfterEnd()) this.#host.appClosedAfter(this.completed);
  }

  #onPeerEnd(): void {
    this.#peerEnded = true;
    this.#peerClosed();
    // FIN: the app will send nothing more, so requests in progress cannot complete.
    if (this.#requests.size > 0) this.#failAll(undefined);
    if (this.#state !== CLOSED) this.close();
  }

  #onClose(): void {
    this.#state = CLOSED;
    this.#stopIdleTimer();
    this.#failAll(undefined);
    this.#host.connectionClosed(this);
  }

  /**
   * Fails every request still on the connection. When the cause is the connection itself (not a
   * protocol error), a request is `retryable` only if this connection had served requests before
   * and not one byte of this request's response arrived: the app closed a kept-alive connection
   * as the request went out, without reading it (php-fpm after `pm.max_requests` shuts down its
   * side, then reads and discards until EOF).
   */
  #failAll(cause: GatewayError | undefined): void {
    // A body end read before the failure is delivered first: that response is complete.
    if (this.#held !== null) this.#deliverHeld();
    if (this.#requests.size === 0) return;
    const requests = this.#requests.values();
    this.#requests.clear();
    for (const exchange of requests) {
      if (exchange.done) continue;
      if (cause !== undefined) {
        exchange.fail(cause);
        continue;
      }
      const stale = this.completed > 0 && exchange.responseBytes === 0;
      const error = new FastCgiClientError(Code.CONNECTION_CLOSED, 'the connection to the application closed during the request', {
        requestId: exchange.requestId,
        retryable: stale,
        cause: this.#socketError,
      });
      if (stale) this.#host.requestLost(exchange, error, this.#closedRightAfterEnd());
      else exchange.fail(error);
    }
  }

  /**
   * The app closed the connection within moments of an END_REQUEST: how php-fpm retires a worker
   * at `pm.max_requests` (draining and discarding anything sent meanwhile), and how an app that
   * ignores KEEP_CONN ends every connection.
   */
  #closedRightAfterEnd(): boolean {
    return this.#peerClosedAt >= 0 && this.#lastEndAt >= 0 && this.#peerClosedAt - this.#lastEndAt < CLOSE_AFTER_END_WINDOW_MS;
  }

  /**
   * The connection just went idle. The idle timer is lazy: one Timeout stays armed while the
   * connection is in use and, when it fires, checks how long the connection has really been idle
   * (re-arming for the rest). A busy pooled connection that idles for a moment after every
   * request so costs a clock read, not a setTimeout and a clearTimeout per request.
   */
  #armIdleTimer(): void {
    const ms = this.#host.limits.idleTimeout;
    if (ms <= 0) return;
    this.#idleSince = Date.now();
    if (this.#idleTimer === null) this.#startIdleTimer(ms);
  }

  #startIdleTimer(ms: number): void {
    this.#idleTimer = setTimeout(() => this.#idleTimerFired(), ms);
    this.#idleTimer.unref();
  }

  #idleTimerFired(): void {
    this.#idleTimer = null;
    if (this.#state === CLOSED || this.#idleSince < 0) return; // in use: re-armed when it idles again
    const left = this.#host.limits.idleTimeout - (Date.now() - this.#idleSince);
    if (left > 1) return this.#startIdleTimer(Math.ceil(left));
    if (this.#requests.size === 0) this.close();
  }

  /** The connection is in use again (the idle timer, if armed, will find it so). */
  #clearIdleTimer(): void {
    this.#idleSince = -1;
  }

  /** Stops the idle timer for good (the connection closed). */
  #stopIdleTimer(): void {
    this.#idleSince = -1;
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
  }
}
