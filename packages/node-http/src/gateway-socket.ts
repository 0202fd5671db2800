import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { GatewayError } from '@gw/core';
import { connectionReset } from './aborted-error.js';
import type { CgiRequest } from './cgi-request.js';
import { emitResponseDrain, toCgiHead, writableState } from './internals.js';
import type { ResponseSink } from './sink.js';

/**
 * Set on a response while its `end()` runs (see server-response.ts): the flush node makes
 * inside end() is the response's last.
 */
export const kEnding = Symbol('gw.ending');

type WriteCallback = (error?: Error | null) => void;
/**
 * The callbacks of a run of writes: one function (the usual case: node's 'finish' callback of
 * end(), the response's only write) or an array of them, which is only made for a second one.
 */
type WriteCallbacks = WriteCallback | WriteCallback[];
type EndingResponse = ServerResponse & { [kEnding]?: boolean };

// Symbol-keyed so that module-level listeners reach them without a closure per socket, and
// handlers that look at `req.socket` don't see them as API.
const kAfterFinish = Symbol('gw.afterFinish');
const kEmitDrain = Symbol('gw.emitDrain');
const kClosed = Symbol('gw.closed');

/**
 * Stands in for the net.Socket of a node:http connection, shared by `req.socket` and
 * `res.socket` as node's are, with the connection facts handlers read (`remoteAddress`,
 * `remotePort`, `encrypted`, …).
 *
 * It is a real stream.Writable (for code that treats `req.socket` as a stream: `finished()`,
 * `destroy()`, 'close'), but the write path node's OutgoingMessage drives — `write()`, `cork()`,
 * `uncork()`, `writableLength` — is its own: chunks are collected while corked and each flush
 * becomes one {@link ResponseSink.write} call, without the Writable's per-chunk buffering,
 * callbacks and ticks (measured: a quarter of the adapter's per-request garbage). The cork count
 * is the Writable's own `_writableState.corked`, because OutgoingMessage#end sets it to 1 before
 * its final uncork() (internals.ts). When the sink reports a full buffer, the flush's callbacks
 * are held until {@link GatewaySocket.sinkDrained} and later writes are kept here, so
 * `res.write()` returns false and 'drain' follows exactly as on a slow TCP peer.
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
  /** Chunks written since the last flush (while corked, or while the sink is behind). */
  #pending: Buffer[] | null = null;
  #pendingBytes = 0;
  /** Callbacks of the writes in #pending; null while there are none. */
  #pendingCallbacks: WriteCallbacks | null = null;
  /** The sink returned false: its flush's callbacks wait here for sinkDrained(). */
  #blocked = false;
  #heldCallbacks: WriteCallbacks | null = null;
  #heldBytes = 0;
  /** A write() returned false: 'drain' is owed once everything reached the sink. */
  #needDrain = false;
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

  /** Bytes written but not yet taken by the sink (buffered here, or held while it is behind). */
  get gatewayWritableLength(): number {
    return this.#pendingBytes + this.#heldBytes;
  }

  /** A write() returned false and 'drain' has not followed yet. */
  get gatewayNeedDrain(): boolean {
    return this.#needDrain && !this.destroyed;
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

  // biome-ignore lint/suspicious/noExplicitAny: net.Socket#write(chunk, encoding?, callback?) overloads
  override write(chunk: any, encoding?: any, callback?: any): boolean {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    if (this.destroyed || this.#sinkDone) {
      if (typeof callback === 'function') process.nextTick(callback, writeAfterDestroy());
      return false;
    }
    this.#enqueue(chunk, encoding, callback);
    if (writableState(this).corked === 0 && !this.#blocked) this.#flush();
    // Like a socket over its high-water mark: the writer should wait for 'drain'.
    if (!this.#blocked && this.#pendingBytes < this.writableHighWaterMark) return true;
    this.#needDrain = true;
    return false;
  }

  override cork(): void {
    writableState(this).corked++;
  }

  override uncork(): void {
    const state = writableState(this);
    if (state.corked === 0) return;
    state.corked--;
    if (state.corked === 0 && !this.#blocked && !this.destroyed) this.#flush();
  }

  /** The sink can take more: releases the held callbacks and flushes what was written meanwhile. */
  sinkDrained(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    this.#release();
    if (this.destroyed) return;
    if (this.#pendingBytes > 0 || this.#pendingCallbacks !== null || this.#endWaiting()) this.#flush();
    else this.#drained();
  }

  /**
   * The response's end() returned. If no write carried the end (node writes nothing when the
   * body was already flushed), the sink gets an empty final write now.
   */
  responseEnded(): void {
    if (this.#lastFlushed || this.#sinkDone || this.destroyed || this.#blocked || writableState(this).corked > 0) return;
    this.#flush();
  }

  /** The gateway connection is gone: node:http's client-disconnect behaviour, no more sink calls. */
  serverAborted(): void {
    this.#sinkDone = true;
    this.destroy();
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

  /** Writable.end(chunk) called on the socket itself (not node's path): same route as write(). */
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: WriteCallback): void {
    this.write(chunk, encoding, callback);
  }

  #enqueue(chunk: unknown, encoding: BufferEncoding | undefined, callback: WriteCallback | undefined): void {
    let buf: Buffer;
    if (typeof chunk === 'string') buf = Buffer.from(chunk, encoding ?? 'utf8');
    else if (Buffer.isBuffer(chunk)) buf = chunk;
    else if (chunk instanceof Uint8Array) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array');
    if (buf.length > 0) {
      if (this.#headPending) {
        const head = toCgiHead(buf);
        if (head === null) {
          this.destroy(new GatewayError('GW_ERR_INTERNAL', 'node:http wrote a response head that does not start with "HTTP/1.1 "'));
          return;
        }
        buf = head;
        this.#headPending = false;
      }
      // A one-element literal for the first (usually only) chunk: `[]` + push would reserve 17.
      if (this.#pending === null) this.#pending = [buf];
      else this.#pending.push(buf);
      this.#pendingBytes += buf.length;
    }
    if (typeof callback === 'function') {
      const pending = this.#pendingCallbacks;
      if (pending === null) this.#pendingCallbacks = callback;
      else if (typeof pending === 'function') this.#pendingCallbacks = [pending, callback];
      else pending.push(callback);
    }
  }

  /** The response has ended but its end has not reached the sink yet. */
  #endWaiting(): boolean {
    const res = this.#res;
    return !this.#lastFlushed && res !== null && res.writableEnded;
  }

  /** Hands what was written to the sink in one call: the response's last if it has ended. */
  #flush(): void {
    const res = this.#res;
    // node writes nothing before assignSocket, and the response is bound before that.
    const last = res !== null && (res[kEnding] === true || res.writableEnded);
    const out = this.#pending ?? NO_CHUNKS;
    const callbacks = this.#pendingCallbacks;
    const bytes = this.#pendingBytes;
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#pendingCallbacks = null;
    // After the last write, nothing more goes to the sink: node's end() hands the socket an empty
    // write (carrying its 'finish' callback) and a final uncork() after the head and body went out.
    if (this.#sinkDone || this.#lastFlushed || (out.length === 0 && !last)) {
      if (callbacks !== null) process.nextTick(runCallbacks, callbacks);
      return;
    }
    const ok = this.#sink.write(out, last);
    if (last) this.#lastFlushed = true;
    if (ok) {
      if (last && !this.#needDrain && !this.#closing) {
        // The usual end of a response: one tick runs its write callbacks (node's 'finish') and
        // then closes, where two ticks in a row did the same.
        this.#closing = true;
        process.nextTick(finishThenClose, this, callbacks);
        return;
      }
      // Before the close's tick: the response's 'finish' (a write callback) comes first.
      if (callbacks !== null) process.nextTick(runCallbacks, callbacks);
      this.#drained();
    } else {
      this.#blocked = true;
      this.#heldCallbacks = callbacks;
      this.#heldBytes = bytes;
    }
  }

  /** Runs the callbacks held while the sink was behind. */
  #release(): void {
    const held = this.#heldCallbacks;
    this.#heldCallbacks = null;
    this.#heldBytes = 0;
    if (held !== null) process.nextTick(runCallbacks, held);
  }

  /**
   * Everything reached the sink: 'drain' if a write() asked for it (on the next tick, as a
   * Writable emits it: never from inside the write() that flushed), and the close if complete.
   */
  #drained(): void {
    if (this.#needDrain && this.#pendingBytes === 0) {
      this.#needDrain = false;
      process.nextTick(emitDrain, this);
    }
    this.#closeIfComplete();
  }

  [kEmitDrain](): void {
    if (this.destroyed) return;
    this.emit('drain');
    if (this.#res !== null) emitResponseDrain(this.#res);
  }

  /** Once the last write went out and nothing is held: close, after 'finish' (queued before). */
  #closeIfComplete(): void {
    if (this.#lastFlushed && !this.#blocked && !this.#closing) {
      this.#closing = true;
      process.nextTick(closeAfterFinish, this);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#completed = this.#lastFlushed && !this.#blocked;
    if (!this.#completed && !this.#sinkDone) {
      this.#sinkDone = true;
      this.#sink.abort(error ?? undefined);
    }
    // As a Writable does: what the sink took completes, what it never got fails.
    this.#blocked = false;
    this.#release();
    const unsent = this.#pendingCallbacks;
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#pendingCallbacks = null;
    if (unsent !== null) process.nextTick(runCallbacks, unsent, writeAfterDestroy());
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

// node's Writable defines these as accessors; ours report this socket's own buffering (see the class).
Object.defineProperties(GatewaySocket.prototype, {
  writableLength: {
    get(this: GatewaySocket) {
      return this.gatewayWritableLength;
    },
  },
  writableNeedDrain: {
    get(this: GatewaySocket) {
      return this.gatewayNeedDrain;
    },
  },
});

/** What an empty flush hands the sink (the response's end after its bytes went out); never written to. */
const NO_CHUNKS: Buffer[] = [];

function runCallbacks(callbacks: WriteCallbacks, error: Error | null = null): void {
  if (typeof callbacks === 'function') callbacks(error);
  else for (const callback of callbacks) callback(error);
}

/** What a write to a destroyed socket reports (node's ERR_STREAM_DESTROYED). */
function writeAfterDestroy(): Error {
  return Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' });
}

function onClose(this: GatewaySocket): void {
  this[kClosed]();
}

function emitDrain(socket: GatewaySocket): void {
  socket[kEmitDrain]();
}

function closeAfterFinish(socket: GatewaySocket): void {
  socket[kAfterFinish]();
}

function finishThenClose(socket: GatewaySocket, callbacks: WriteCallbacks | null): void {
  if (callbacks !== null) runCallbacks(callbacks);
  socket[kAfterFinish]();
}
