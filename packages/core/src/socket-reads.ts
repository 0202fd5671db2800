/**
 * Reading an accepted connection through one shared read buffer instead of a fresh ArrayBuffer per
 * read — the only place in gw that relies on undocumented `net` internals. Every behaviour it
 * touches is pinned by test/socket-reads.test.ts; if a node version changes them, the discovery
 * below fails and connections are read through 'data' events, as before.
 *
 * What it uses:
 * 1. `net.Socket`'s `onread` option (documented for sockets you create: `new net.Socket({ onread })`,
 *    `net.connect({ onread })`) keeps its buffer and callback in three symbol-keyed fields that
 *    every Socket has (`kBuffer`, `kBufferCb`, `kBufferGen`), and node's read callback
 *    (stream_base_commons.js onStreamRead) calls `socket[kBufferCb](nread, socket[kBuffer])`
 *    instead of pushing a Buffer when `socket[kBuffer]` is set. A net.Server cannot pass `onread`
 *    to the sockets it accepts, so the fields are set here, on an accepted socket that has not
 *    started reading (the server listens with `pauseOnConnect`). The symbols are found by value:
 *    a throw-away Socket made with a known buffer and callback shows which of its symbol fields
 *    hold them.
 * 2. The socket's handle (`socket._handle`, a libuv stream wrap) has `useUserBuffer(buf)`, which
 *    `onread` sockets get at creation: reads land in `buf`.
 * 'data' listeners, if any, are called with each chunk just before `onChunk` (see deliver()).
 * With both set, node's own `pause()` / `resume()` stop and restart reading (they check
 * `socket[kBuffer]`), 'end' still follows the peer's FIN, and closing, half-closing, timeouts and
 * the server's connection count are node's, untouched.
 *
 * The shared buffer is safe to share between all connections: node delivers one read at a time on
 * the main thread and the callback copies the bytes out (read-slab.ts) before anything else runs.
 */
import { type OnReadOpts, Socket, type SocketConstructorOpts } from 'node:net';
import { ReadSlab } from './read-slab.js';

/** How a connection's bytes arrive: through the shared buffer, or node's 'data' events. */
export type ReadPath = 'shared-buffer' | 'data';

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

type ReadCallback = (nread: number, buffer: Buffer) => undefined;
type InternalSocket = Socket & Record<symbol, unknown> & { _handle?: { reading?: boolean; useUserBuffer?: (buffer: Uint8Array) => void } | null };

/** node reads up to 64 KiB at a time into a fresh buffer by default; the shared one is as large. */
const READ_BUFFER_BYTES = 64 * 1024;

let fields: OnreadFields | null | undefined;
let readBuffer: Buffer | undefined;
const slab = new ReadSlab();

/** The three onread fields of a node Socket, or null if this node keeps them differently. */
function onreadFields(): OnreadFields | null {
  if (fields !== undefined) return fields;
  fields = null;
  try {
    const marker = Buffer.alloc(1);
    const callback = () => undefined;
    const generator = () => marker;
    // `onread` is a documented option of `new net.Socket()` that @types/node lists for connect() only.
    const fixed = new Socket({ onread: { buffer: marker, callback } } as SocketConstructorOpts) as InternalSocket;
    const generated = new Socket({ onread: { buffer: generator, callback } } as SocketConstructorOpts) as InternalSocket;
    const find = (socket: InternalSocket, value: unknown) => Object.getOwnPropertySymbols(socket).find((s) => socket[s] === value);
    const buffer = find(fixed, marker);
    const callbackField = find(fixed, callback);
    const generatorField = find(generated, generator);
    fixed.destroy();
    generated.destroy();
    if (buffer !== undefined && callbackField !== undefined && generatorField !== undefined && fixed[generatorField] === null) {
      fields = { buffer, callback: callbackField, generator: generatorField };
    }
  } catch {
    fields = null;
  }
  return fields;
}

/** What {@link startReading} calls with each chunk; `this` is the socket the chunk came from. */
export type ChunkListener = (this: Socket, chunk: Buffer) => void;

/** The listener of a socket that reads through the shared buffer (see startReading). */
const kChunkListener = Symbol('gw.chunkListener');

/**
 * Starts reading an accepted socket; each read reaches `onChunk` as a Buffer that stays valid
 * (a view of a read slab, or node's own Buffer), with the socket as `this` — so that one
 * module-level function can serve every connection (the connection reached through a field of
 * the socket) instead of a closure per connection. Through the shared buffer when the socket was
 * accepted paused (`pauseOnConnect`) and this node keeps `onread` as expected; otherwise — a socket
 * already reading, one handed to the server's 'connection' event by other code, a stream without a
 * libuv handle — through 'data' events. Either way the socket is resumed, and `pause()` /
 * `resume()` keep working as backpressure.
 *
 * @param sharedBuffer false to always use 'data' events
 */
export function startReading(socket: Socket, onChunk: ChunkListener, sharedBuffer = true): ReadPath {
  const internal = socket as InternalSocket;
  const handle = internal._handle;
  const f = sharedBuffer ? onreadFields() : null;
  const canAdopt =
    f !== null &&
    handle !== null &&
    handle !== undefined &&
    typeof handle.useUserBuffer === 'function' &&
    handle.reading === false &&
    internal[f.buffer] === null &&
    socket.readableLength === 0 &&
    !socket.destroyed;
  if (!canAdopt) {
    socket.on('data', onChunk);
    socket.resume();
    return 'data';
  }
  const buffer = (readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  internal[kChunkListener] = onChunk;
  internal[f.buffer] = buffer;
  // node calls it as a method of the socket: `socket[kBufferCb](nread, buffer)`.
  internal[f.callback] = onSharedRead;
  (handle.useUserBuffer as (buffer: Uint8Array) => void).call(handle, buffer);
  socket.resume();
  return 'shared-buffer';
}

function onSharedRead(this: InternalSocket, nread: number, into: Buffer): undefined {
  deliver(this, into, nread, this[kChunkListener] as ChunkListener);
}

/**
 * One read from the shared buffer: copied into a slab, then to 'data' listeners if any (reads
 * through the shared buffer emit no 'data' of their own; code that listens anyway, a wire tap or
 * a debugging hook, still sees every chunk, first, as with 'data' events), then to `onChunk`.
 */
function deliver(socket: Socket, into: Buffer, nread: number, onChunk: ChunkListener): undefined {
  const chunk = slab.copy(into, nread);
  if (socket.listenerCount('data') > 0) socket.emit('data', chunk);
  onChunk.call(socket, chunk);
}

/**
 * For sockets gw opens itself (clients): `net.connect({ ...target, onread: sharedReadOption(() => socket, onChunk) })`
 * reads through the same shared buffer and slabs as {@link startReading}, with node's documented
 * `onread` option; each read reaches `onChunk` as a slab copy (and first any 'data' listeners).
 * `socket()` returns the socket once it exists (the option is built before connect() returns it).
 */
export function sharedReadOption(socket: () => Socket | undefined, onChunk: (chunk: Buffer) => void): OnReadOpts {
  return {
    buffer: (readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)),
    // Always true: reading is paused with `socket.pause()`, never by the callback's result.
    callback: (nread, into) => {
      // Reads only happen once connect() has returned the socket.
      deliver(socket() as Socket, into as Buffer, nread, onChunk);
      return true;
    },
  };
}
