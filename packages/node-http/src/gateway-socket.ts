import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { GatewayError } from '@gw/core';
import { connectionReset } from './aborted-error.js';
import type { CgiRequest } from './cgi-request.js';
import { emitResponseDrain, toCgiHead } from './internals.js';
import type { ResponseSink } from './sink.js';

/**
 * Set on a response while its `end()` runs (see server-response.ts): the flush node makes
 * inside end() is the response's last.
 */
export const kEnding = Symbol('gw.ending');

type WriteCallback = (error?: Error | null) => void;
type EndingResponse = ServerResponse & { [kEnding]?: boolean };

// Symbol-keyed so that module-level listeners reach them without a closure per socket, and
// handlers that look at `req.socket` don't see them as API.
const kDrained = Symbol('gw.drained');
const kAfterFinish = Symbol('gw.afterFinish');
const kClosed = Symbol('gw.closed');

/**
 * Stands in for the net.Socket of a node:http connection, shared by `req.socket` and
 * `res.socket` as node's are, with the connection facts handlers read (`remoteAddress`,
 * `remotePort`, `encrypted`, …).
 *
 * It is a real stream.Writable so that node's OutgoingMessage drives it exactly as it drives a
 * TCP socket (cork/uncork batching, `writableLength`, 'drain'); each flush becomes one
 * {@link ResponseSink.write} call. When the sink reports a full buffer, the flush's callback is
 * held until {@link GatewaySocket.sinkDrained}, so the Writable buffers later writes and
 * `res.write()` returns false exactly as it would on a slow TCP peer.
 *
 * It also carries the request-body flow signal: node's IncomingMessage asks its socket to
 * `resume()` whenever its reader wants more (IncomingMessage#_read → readStart), which is where
 * the server hears `resumeBody()`. Going through node's own code path, rather than methods of
 * our IncomingMessage subclass, matters because Express replaces the prototype of `req` and `res`
 * (express/lib/application.js `Object.setPrototypeOf(req, this.request)`).
 */
export class GatewaySocket extends Writable {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  /** True for requests the web server received over TLS (Express and Koa read it for `req.protocol`). */
  encrypted: boolean;
  /** IncomingMessage sizes its body buffer from this, as it does from a real socket. */
  readonly readableHighWaterMark: number;

  readonly #sink: ResponseSink;
  #res: EndingResponse | null = null;
  #req: IncomingMessage | null = null;
  /** Callback of a flush the sink has not drained yet. */
  #held: WriteCallback | null = null;
  #headPending: boolean;
  #lastFlushed = false;
  #closing = false;
  /** The response had fully gone to the sink when this socket was destroyed. */
  #completed = false;
  /** The server reported the exchange gone, or was told it failed: no more sink calls. */
  #sinkDone = false;
  /** A body push was refused; tell the server when the reader wants more. */
  #resumeWanted = false;

  constructor(request: CgiRequest, sink: ResponseSink, bodyHighWaterMark: number) {
    super();
    this.remoteAddress = request.remoteAddress;
    this.remotePort = request.remotePort;
    this.remoteFamily = request.remoteFamily;
    this.localAddress = request.localAddress;
    this.localPort = request.localPort;
    this.encrypted = request.encrypted;
    this.readableHighWaterMark = bodyHighWaterMark;
    this.#sink = sink;
    this.#headPending = sink.headFormat === 'cgi';
    this.on('drain', onDrain);
    // Registered before node's response listener (attachSocket), as node's server registers its
    // own before it: on a lost connection the request is aborted first, then the response closes.
    this.on('close', onClose);
  }

  /**
   * True while the exchange lives, as a connected socket's. node's IncomingMessage only asks a
   * readable socket to resume, and on-finished (Express, finalhandler) treats a request whose
   * socket is not readable as already finished.
   */
  get readable(): boolean {
    return !this.destroyed;
  }

  /** Connects the request and response this socket serves (once, right after they exist). */
  bind(req: IncomingMessage, res: ServerResponse): void {
    this.#req = req;
    this.#res = res;
  }

  /** A body push was refused: the next `resume()` from the request's reader calls resumeBody(). */
  bodyPaused(): void {
    this.#resumeWanted = true;
  }

  /** Called by node's IncomingMessage#_read when its reader wants more body. */
  resume(): this {
    if (this.#resumeWanted && !this.#sinkDone) {
      this.#resumeWanted = false;
      this.#sink.resumeBody();
    }
    return this;
  }

  /** Nothing to pause: the server stops reading when a push is refused. */
  pause(): this {
    return this;
  }

  /** The sink can take more: releases the held flush (see {@link ResponseSink.write}). */
  sinkDrained(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    held(); // may flush buffered writes, and hold again
    this.#closeIfComplete();
  }

  /**
   * The response's end() returned. If no write carried the end (node writes nothing when the
   * body was already flushed), the sink gets an empty final write now.
   */
  responseEnded(): void {
    if (this.#lastFlushed || this.#sinkDone || this.destroyed || this.writableLength > 0 || this.#held !== null) return;
    this.#lastFlushed = true;
    if (this.#sink.write([], true)) this.#closeIfComplete();
    else this.#held = noop;
  }

  /** The gateway connection is gone: node:http's client-disconnect behaviour, no more sink calls. */
  serverAborted(): void {
    this.#sinkDone = true;
    this.destroy();
  }

  [kDrained](): void {
    if (this.#res !== null) emitResponseDrain(this.#res);
  }

  /**
   * node:http after a response finishes (_http_server.js resOnFinish): a request body nobody
   * started reading is dumped so that the server can discard the rest, then the response closes.
   */
  [kAfterFinish](): void {
    const req = this.#req;
    if (req !== null && req.readableFlowing === null && !req.readableEnded) req.resume();
    this.destroy();
  }

  /**
   * node:http on a closed connection (_http_server.js socketOnClose → abortIncoming): a request
   * whose response has not finished is destroyed with ECONNRESET 'aborted', so `req` emits
   * 'aborted', then 'error' only if someone listens, then 'close'.
   */
  [kClosed](): void {
    const req = this.#req;
    if (req !== null && !req.destroyed && !this.#completed) req.destroy(connectionReset());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.#flush([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: WriteCallback): void {
    const buffers: Buffer[] = [];
    for (let i = 0; i < chunks.length; i++) buffers.push((chunks[i] as { chunk: Buffer }).chunk);
    this.#flush(buffers, callback);
  }

  #flush(chunks: Buffer[], callback: WriteCallback): void {
    const res = this.#res;
    // node writes nothing before assignSocket, and the response is bound before that.
    const last = res !== null && (res[kEnding] === true || res.writableEnded);
    const out: Buffer[] = [];
    for (let i = 0; i < chunks.length; i++) {
      let chunk = chunks[i] as Buffer;
      if (chunk.length === 0) continue;
      if (this.#headPending) {
        const head = toCgiHead(chunk);
        if (head === null) {
          callback();
          this.destroy(new GatewayError('GW_ERR_INTERNAL', 'node:http wrote a response head that does not start with "HTTP/1.1 "'));
          return;
        }
        chunk = head;
        this.#headPending = false;
      }
      out.push(chunk);
    }
    if (this.#sinkDone || (out.length === 0 && !last)) {
      callback();
      return;
    }
    const ok = this.#sink.write(out, last);
    if (last) this.#lastFlushed = true;
    if (ok) {
      callback();
      // After the callback: Writable runs the response's write callbacks ('finish' among them)
      // on a tick it queued inside callback(), so before the close's.
      this.#closeIfComplete();
    } else {
      this.#held = callback;
    }
  }

  /** Once the last write went out and nothing is held: close, after 'finish' (queued before). */
  #closeIfComplete(): void {
    if (this.#lastFlushed && this.#held === null && !this.#closing) {
      this.#closing = true;
      process.nextTick(closeAfterFinish, this);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#completed = this.#lastFlushed && this.#held === null;
    if (!this.#completed && !this.#sinkDone) {
      this.#sinkDone = true;
      this.#sink.abort(error ?? undefined);
    }
    const held = this.#held;
    this.#held = null;
    if (held !== null) held();
    // No error to the Writable: nobody listens for 'error' on this socket (node's server swallows
    // socket errors too, socketOnError). 'close' follows on the next tick.
    callback();
  }

  /** Timeouts belong to the gateway server; accepted for compatibility, like a socket's. */
  setTimeout(_ms: number, callback?: () => void): this {
    if (callback !== undefined) this.once('timeout', callback);
    return this;
  }

  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** Like `net.Socket#address()`: the address the web server accepted the request on. */
  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.localAddress === undefined) return {};
    return { address: this.localAddress, family: this.localAddress.includes(':') ? 'IPv6' : 'IPv4', port: this.localPort ?? 0 };
  }

  /** `net.Socket#destroySoon()`: there is nothing to flush to, so this is destroy(). */
  destroySoon(): void {
    this.destroy();
  }
}

function noop(): void {}

function onDrain(this: GatewaySocket): void {
  this[kDrained]();
}

function onClose(this: GatewaySocket): void {
  this[kClosed]();
}

function closeAfterFinish(socket: GatewaySocket): void {
  socket[kAfterFinish]();
}
