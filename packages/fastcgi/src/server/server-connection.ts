import type { Socket } from 'node:net';
import { cannedResponse, type GatewayError, LimitError, type ParamList, ProtocolError, startReading } from '@gw/core';
import { FLAG_KEEP_CONN, ManagementVariable, ProtocolStatus, RecordType, Role, recordTypeName } from '../constants.js';
import { FastCgiErrorCode, FastCgiServerErrorCode as Code } from '../error-codes.js';
import { encodeGetValuesResult } from '../name-value-encoder.js';
import { RecordDecoder, type RecordDecoderHandler, type RecordHeader, type ResolvedRecordDecoderOptions } from '../record-decoder.js';
import { encodeUnknownType } from '../record-encoder.js';
import type { RequestExchange } from '@gw/core';
import { type OutputLane, OutputQueue } from './output-queue.js';
import { FastCgiRequest, type RequestHost } from './server-request.js';
import type { ServerLimits } from './server-options.js';
import { RequestTable } from '../request-table.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly limits: ServerLimits;
  readonly decoderOptions: ResolvedRecordDecoderOptions;
  /** Serve several requests at once on one connection (and say so in GET_VALUES). */
  readonly multiplex: boolean;
  /** Roles the application accepts. */
  readonly roles: ReadonlySet<number>;
  /** Read through the shared read buffer when the socket allows it (see startReading). */
  readonly sharedReadBuffer: boolean;
  /** FCGI_MAX_CONNS / FCGI_MAX_REQS as advertised in GET_VALUES_RESULT. */
  readonly maxConns: number;
  readonly maxReqs: number;
  /** Hands a started request to the application; returns the adapter's side of it. */
  dispatch(request: FastCgiRequest): RequestExchange;
  /** A connection failed on bad input or a limit; the server reports it (it never throws). */
  connectionError(err: GatewayError, socket: Socket): void;
  /** A request failed after it started (body too large, handler timeout). */
  requestError(err: GatewayError, request: FastCgiRequest): void;
  /** The connection's socket closed: the server forgets it. Called once. */
  connectionClosed(connection: FastCgiConnection): void;
}

/**
 * Requests begun in the chunk being decoded whose PARAMS may still be incomplete after it, for
 * every connection: a chunk is decoded synchronously, and the list is empty again after it, so
 * one array serves all connections instead of one per connection. Its first `awaitingCount`
 * slots are in use; the rest hold undefined. (Emptied by count, not by `length = …`: setting an
 * array's length is a runtime call, measurable once per request.)
 */
const awaitingParams: (FastCgiRequest | undefined)[] = [];
let awaitingCount = 0;

/** The connection a socket belongs to, so that one listener function serves every socket. */
const kConnection = Symbol('gw.fastcgiConnection');
type ConnectionSocket = Socket & { [kConnection]: FastCgiConnection };

/**
 * One connection from a web server: decodes its records, runs its requests (several at once when
 * multiplexing), answers management records, and closes it as FastCGI asks — after END_REQUEST
 * when KEEP_CONN was not set, with a half-close and drain so a peer still sending sees no reset.
 */
export class FastCgiConnection implements RecordDecoderHandler, RequestHost {
  readonly socket: Socket;
  readonly output: OutputQueue;
  readonly #host: ConnectionHost;
  readonly #decoder: RecordDecoder;
  /** Requests by id; an entry may be `done` until the id is reused or the write completes. */
  readonly #requests = new RequestTable<FastCgiRequest>();
  #active = 0;
  #pausedBodies = 0;
  /** Set once the app decided to close (after a non-KEEP_CONN request, on idle, on error). */
  #closing = false;
  /** The peer sent FIN: nothing more will arrive. */
  #peerEnded = false;
  #halfClosed = false;
  #closed = false;
  /** One idle timer per connection, re-armed with refresh() (no allocation per request). */
  #idleTimer: NodeJS.Timeout | null = null;
  #idleWanted = false;
  /** Lane for management replies (GET_VALUES_RESULT, UNKNOWN_TYPE), made on the first one. */
  #management: OutputLane | null = null;

  constructor(socket: Socket, host: ConnectionHost) {
    this.socket = socket;
    this.#host = host;
    this.output = new OutputQueue(socket, host.limits.outputHighWaterMark);
    this.#decoder = new RecordDecoder(this, host.decoderOptions);
    socket.setNoDelay(true);
    // Module-level listeners with a back-reference on the socket: no closures per connection.
    (socket as ConnectionSocket)[kConnection] = this;
    socket.on('end', onSocketEnd);
    socket.on('close', onSocketClose);
    // EPIPE / ECONNRESET after the peer went away are normal here (nginx may close right after
    // the empty STDOUT): they end the connection, never the process.
    socket.on('error', ignoreSocketError);
    this.#armIdleTimer();
    // Last: reading starts (the server accepted it paused) once every listener is in place.
    startReading(socket, onSocketChunk, host.sharedReadBuffer);
  }

  /** Requests in progress. */
  get activeRequests(): number {
    return this.#active;
  }

  /** Stops accepting requests and closes once the active ones are done (server.close()). */
  closeGracefully(): void {
    this.#closing = true;
    if (this.#active === 0) this.#halfClose();
  }

  /** Ends the connection at once; in-flight requests are aborted. */
  destroy(): void {
    this.socket.destroy();
  }

  // ── decoder events ───────────────────────────────────────────────────────

  onRecord(header: RecordHeader): void {
    if (this.#closed) return;
    // Records that only an application sends (spec §3.3 table): receiving one means the peer is
    // not a web server speaking FastCGI to us.
    const t = header.type;
    if (t === RecordType.STDOUT || t === RecordType.STDERR || t === RecordType.END_REQUEST || t === RecordType.GET_VALUES_RESULT || t === RecordType.UNKNOWN_TYPE) {
      this.#protocolError(new ProtocolError(Code.UNEXPECTED_RECORD, `a web server does not send ${recordTypeName(t)}`, { requestId: header.requestId }));
    }
  }

  onBeginRequest(requestId: number, role: number, flags: number): void {
    if (this.#closing || this.#closed) return; // after deciding to close, new work is not taken
    const existing = this.#requests.get(requestId);
    if (existing !== undefined && !existing.done) {
      return this.#protocolError(new ProtocolError(Code.DUPLICATE_REQUEST_ID, `BEGIN_REQUEST for active request ${requestId}`, { requestId }));
    }
    // Spec §5.1: only bit 0 of flags means anything; other bits are reserved and ignored.
    const request = new FastCgiRequest(this, requestId, role, (flags & FLAG_KEEP_CONN) !== 0, this.#host.limits.bodyHighWaterMark);
    this.#requests.set(requestId, request);
    this.#active++;
    this.#clearIdleTimer();
    const limits = this.#host.limits;
    if (!this.#host.multiplex && this.#active > 1) return request.finishNow(ProtocolStatus.CANT_MPX_CONN);
    if (this.#active > limits.maxRequestsPerConnection) return request.finishNow(ProtocolStatus.OVERLOADED);
    if (!this.#host.roles.has(role)) return request.finishNow(ProtocolStatus.UNKNOWN_ROLE);
    // The PARAMS timer (slowloris guard) is armed only if PARAMS is still incomplete once this
    // chunk is decoded: web servers send BEGIN and PARAMS together, so usually no timer is made.
    awaitingParams[awaitingCount++] = request;
  }

  /** A chunk read from the socket (see onSocketChunk). */
  receive(chunk: Buffer): void {
    // Requests that BEGIN_REQUEST starts while this chunk is decoded are pushed after `mark`
    // (a nested receive() of another connection, if a handler ever caused one, pops its own).
    const mark = awaitingCount;
    try {
      this.#decoder.push(chunk);
    } finally {
      if (awaitingCount > mark) this.#armParamsTimers(mark);
    }
  }

  /** The PARAMS deadline (slowloris guard) for requests begun in this chunk and not started yet. */
  #armParamsTimers(mark: number): void {
    const ms = this.#host.limits.paramsTimeout;
    for (let i = mark; i < awaitingCount; i++) {
      const request = awaitingParams[i] as FastCgiRequest;
      awaitingParams[i] = undefined;
      if (request.started || request.done) continue;
      const requestId = request.requestId;
      request.setTimer(ms, () =>
        this.#protocolError(new ProtocolError(Code.PARAMS_TIMEOUT, `PARAMS of request ${requestId} not complete after ${ms} ms`, { requestId })),
      );
    }
    awaitingCount = mark;
  }

  onParams(requestId: number, params: ParamList): void {
    const request = this.#live(requestId);
    if (request === undefined || request.started) return;
    request.clearTimer();
    // libfcgi and PHP give applications FCGI_ROLE; web servers (but Apache's authnz) don't send
    // it. Added for Authorizer and Filter requests, where an app needs to tell; a Responder is
    // the default (req.gateway.role has it) and its hot path stays free of the extra pair.
    if (request.role !== Role.RESPONDER && !params.has('FCGI_ROLE')) addRoleParam(params, request.role);
    request.markStarted(params);
    const limits = this.#host.limits;
    const declared = contentLengthOf(params);
    request.declaredLength = declared;
    if (declared !== undefined && declared > limits.maxBodyBytes) {
      // Refused before the handler runs: a real 413 response (not just an exit status, which
      // nginx would turn into a 502), then END_REQUEST.
      this.#host.requestError(tooLarge(request, limits.maxBodyBytes), request);
      request.write([cannedResponse('cgi', 413)], true);
      return;
    }
    if (limits.handlerTimeout > 0) {
      request.setTimer(limits.handlerTimeout, () => {
        this.#host.requestError(new ProtocolError(Code.HANDLER_TIMEOUT, `request ${requestId} not finished after ${limits.handlerTimeout} ms`, { requestId }), request);
        request.exchange.abort();
        request.abort(undefined); // empty STDOUT + END_REQUEST with appStatus 1
      });
    }
    request.exchange = this.#host.dispatch(request);
    // An Authorizer gets no body: Apache mod_authnz_fcgi sends no STDIN record at all
    // (protocols.md §1.7), so the request must not wait for one.
    if (request.role === Role.AUTHORIZER) {
      request.markInputDone();
      request.exchange.endBody();
    }
  }

  onStream(requestId: number, type: number, chunk: Buffer): void {
    const request = this.#live(requestId);
    if (request === undefined) return; // inactive id: ignored (spec §3.3)
    if (type !== RecordType.STDIN && type !== RecordType.DATA) return;
    if (!request.started) {
      // Spec §3.3: inputs are sequential; STDIN before the end of PARAMS is malformed.
      return this.#protocolError(new ProtocolError(Code.UNEXPECTED_RECORD, `input before PARAMS ended (request ${requestId})`, { requestId }));
    }
    if (type === RecordType.DATA) return this.#onData(request, chunk);
    if (!request.readingBody) return;
    const max = this.#host.limits.maxBodyBytes;
    const declared = request.declaredLength;
    if (declared !== undefined && request.bodyBytes + chunk.length > declared) {
      // RFC 3875 §4.2: the script must not read past CONTENT_LENGTH; extra bytes are dropped.
      chunk = chunk.subarray(0, Math.max(0, declared - request.bodyBytes));
      if (chunk.length === 0) return;
    }
    request.bodyBytes += chunk.length;
    if (request.bodyBytes > max) {
      this.#host.requestError(tooLarge(request, max), request);
      request.exchange.abort();
      return request.abort(undefined); // empty STDOUT + END_REQUEST with appStatus 1
    }
    if (!request.exchange.pushBody(chunk) && !request.bodyPaused) {
      // The handler is not reading: stop reading the socket. What is buffered per request is
      // bounded by the adapter's high-water mark plus one socket chunk.
      request.bodyPaused = true;
      if (this.#pausedBodies++ === 0) this.socket.pause();
    }
  }

  /** DATA bytes of a Filter request (spec §6.4), after its STDIN; ignored for other roles. */
  #onData(request: FastCgiRequest, chunk: Buffer): void {
    if (!request.readingData) return;
    if (!request.pushData(chunk) && !request.dataPaused) {
      request.dataPaused = true;
      if (this.#pausedBodies++ === 0) this.socket.pause();
    }
  }

  onStreamEnd(requestId: number, type: number): void {
    const request = this.#live(requestId);
    if (request === undefined) return;
    if (type === RecordType.STDIN && request.readingBody) {
      const declared = request.declaredLength;
      if (declared !== undefined && request.bodyBytes < declared) request.incompleteBody = true;
      request.markInputDone();
      request.exchange.endBody();
    } else if (type === RecordType.DATA && request.readingData) {
      request.markInputDone();
      request.endData();
    }
  }

  onAbortRequest(requestId: number): void {
    const request = this.#live(requestId);
    if (request === undefined) return; // spec: records for inactive ids are ignored
    // Spec §5.4: answer with END_REQUEST as soon as possible; the handler sees a client abort.
    request.exchange.abort();
    request.finishNow(ProtocolStatus.REQUEST_COMPLETE, request.appStatus);
  }

  onGetValues(names: ParamList): void {
    // Spec §4.1: reply with the variables we know, omitting the others; values are ignored.
    const known: Record<string, string> = {
      [ManagementVariable.MAX_CONNS]: String(this.#host.maxConns),
      [ManagementVariable.MAX_REQS]: String(this.#host.maxReqs),
      [ManagementVariable.MPXS_CONNS]: this.#host.multiplex ? '1' : '0',
    };
    const reply: [string, string][] = [];
    for (let i = 0; i < names.length; i++) {
      const value = known[names.name(i)];
      if (value !== undefined) reply.push([names.name(i), value]);
    }
    const buf = encodeGetValuesResult(reply);
    this.output.write(this.#managementLane(), [buf], buf.length);
  }

  onUnknownRecord(header: RecordHeader): void {
    // Spec §4.2: an unknown management type gets UNKNOWN_TYPE; unknown types on a request id
    // are ignored (the spec says nothing; ignoring keeps the connection usable).
    if (header.requestId !== 0) return;
    const buf = encodeUnknownType(header.type);
    this.output.write(this.#managementLane(), [buf], buf.length);
  }

  onError(err: GatewayError): void {
    // EOF inside a record is the peer dropping the connection (nginx after an early END_REQUEST
    // with a body still coming, a client abort mid-upload), not bad input: #onPeerEnd aborts
    // whatever was waiting for input.
    if (this.#peerEnded && err.code === FastCgiErrorCode.TRUNCATED_RECORD) return;
    this.#protocolError(err);
  }

  // ── RequestHost ──────────────────────────────────────────────────────────

  requestDone(request: FastCgiRequest): void {
    if (request.bodyPaused || request.dataPaused) {
      request.bodyPaused = false;
      request.dataPaused = false;
      this.#bodyUnpaused();
    }
    if (this.#requests.get(request.requestId) === request) this.#requests.delete(request.requestId);
    this.#active--;
    if (this.#closed) return;
    // Spec §5.1: without KEEP_CONN the application closes the connection after END_REQUEST.
    if (!request.keepConn || this.#closing) {
      this.#closing = true;
      if (this.#active === 0) this.#halfClose();
      return;
    }
    if (this.#active === 0) this.#armIdleTimer();
  }

  bodyResumed(_request: FastCgiRequest): void {
    this.#bodyUnpaused();
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** The request with this id if it is active (begun, not finished). */
  #live(requestId: number): FastCgiRequest | undefined {
    const request = this.#requests.get(requestId);
    return request === undefined || request.done ? undefined : request;
  }

  #bodyUnpaused(): void {
    if (this.#pausedBodies > 0 && --this.#pausedBodies === 0 && !this.#closed) this.socket.resume();
  }

  #protocolError(err: GatewayError): void {
    if (this.#closed) return;
    // Abort everything now, synchronously: the rest of the current chunk must not start work.
    this.#onClose();
    this.#host.connectionError(err, this.socket);
    this.socket.destroy();
  }

  /**
   * Half-closes: no more output, but keep reading (and discarding) until the peer closes, so
   * that unread input does not make the kernel answer with RST and cut the response's tail.
   */
  #halfClose(): void {
    if (this.#closed || this.#halfClosed) return;
    this.#halfClosed = true;
    this.#cancelIdleTimer();
    this.socket.resume();
    // The peer already sent its FIN (the usual way a web server drops an idle connection): once
    // our end is flushed node closes the socket itself (both sides ended), no timer needed.
    if (this.#peerEnded) {
      this.socket.end();
      return;
    }
    // The close timeout starts once our output is flushed, so a large response to a slow reader
    // is not cut short; from then on the peer has closeTimeout ms to close its side.
    this.socket.end(() => {
      const timer = setTimeout(() => this.socket.destroy(), this.#host.limits.closeTimeout);
      timer.unref?.();
      this.socket.once('close', () => clearTimeout(timer));
    });
  }

  #onPeerEnd(): void {
    // The web server will send nothing more: requests still waiting for input cannot complete;
    // those whose input is complete may still answer (the server is allowHalfOpen).
    this.#peerEnded = true;
    this.#decoder.end();
    this.#closing = true;
    for (const request of this.#requests.values()) {
      if (request.done || (request.started && !request.readingBody)) continue;
      request.drop();
      request.exchange.abort();
      this.#requests.delete(request.requestId);
      this.#active--;
    }
    if (this.#active === 0) this.#halfClose();
  }

  /** The socket's 'close': everything ends, and the server forgets the connection. */
  socketClosed(): void {
    this.#onClose();
    this.#host.connectionClosed(this);
  }

  /** The peer's FIN (the socket's 'end'). */
  peerEnded(): void {
    this.#onPeerEnd();
  }

  #managementLane(): OutputLane {
    // Management replies report no drain or completion to anyone.
    return (this.#management ??= { laneQueue: null, laneQueuedBytes: 0, laneDrained() {}, finalWritten() {} });
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelIdleTimer();
    this.output.destroy();
    for (const request of this.#requests.values()) {
      if (request.done) continue;
      request.drop();
      request.exchange.abort();
    }
    this.#requests.clear();
    this.#active = 0;
  }

  #armIdleTimer(): void {
    const ms = this.#host.limits.keepAliveTimeout;
    if (ms <= 0 || this.#closed) return;
    this.#idleWanted = true;
    if (this.#idleTimer === null) {
      this.#idleTimer = setTimeout(() => this.#onIdleTimeout(), ms);
      this.#idleTimer.unref?.();
    } else {
      this.#idleTimer.refresh();
    }
  }

  #onIdleTimeout(): void {
    // The timer is never cancelled on the hot path, only marked unwanted: check before acting.
    if (!this.#idleWanted || this.#active > 0 || this.#closed) return;
    this.#closing = true;
    this.#halfClose();
  }

  #clearIdleTimer(): void {
    this.#idleWanted = false;
  }

  #cancelIdleTimer(): void {
    this.#idleWanted = false;
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
  }
}

/** CONTENT_LENGTH as a number when it is 1–15 decimal digits, else undefined (nginx sends ""). */
function contentLengthOf(params: ParamList): number | undefined {
  // Compares name bytes where they lie: no string is made for the names it passes.
  const at = params.lastIndexOf('CONTENT_LENGTH');
  if (at < 0) return undefined;
  const raw = params.value(at);
  if (raw.length === 0 || raw.length > 15) return undefined;
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const d = raw.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

function tooLarge(request: FastCgiRequest, max: number): GatewayError {
  return new LimitError(Code.BODY_TOO_LARGE, `request ${request.requestId} body exceeds maxBodyBytes`, {
    requestId: request.requestId,
    limit: 'maxBodyBytes',
    limitValue: max,
  });
}

const ROLE_PAIRS: Record<number, Buffer> = {
  [Role.RESPONDER]: Buffer.from('FCGI_ROLERESPONDER', 'latin1'),
  [Role.AUTHORIZER]: Buffer.from('FCGI_ROLEAUTHORIZER', 'latin1'),
  [Role.FILTER]: Buffer.from('FCGI_ROLEFILTER', 'latin1'),
};

function addRoleParam(params: ParamList, role: number): void {
  const pair = ROLE_PAIRS[role];
  if (pair !== undefined) params.addView(pair, 0, 9, 9, pair.length - 9);
}

function onSocketChunk(this: Socket, chunk: Buffer): void {
  (this as ConnectionSocket)[kConnection].receive(chunk);
}

function onSocketEnd(this: ConnectionSocket): void {
  this[kConnection].peerEnded();
}

function onSocketClose(this: ConnectionSocket): void {
  this[kConnection].socketClosed();
}

function ignoreSocketError(): void {}
