import type { Socket } from 'node:net';
import { encodeStreamEnd, frameStream } from '../record-encoder.js';
import { bodyChunks } from './body-source.js';
import type { PendingStream } from './request-encoding.js';

/**
 * The writing side of one connection: whole records, batched writes, and waiting for 'drain'.
 * Every write is a whole record (or several), so requests multiplexed on the connection interleave
 * at record boundaries only (spec §3.3).
 */
export class SocketWriter {
  readonly #socket: Socket;
  #drainWaiters: (() => void)[] = [];
  #corked = false;
  #closed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('drain', () => this.#wake());
    socket.once('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  write(bytes: Buffer): boolean {
    return this.#socket.write(bytes);
  }

  /** Writes the pieces of framed records (header, payload view, padding) as one writev. */
  writeRecords(parts: Buffer[]): boolean {
    const socket = this.#socket;
    socket.cork();
    let ok = true;
    for (const part of parts) ok = socket.write(part);
    socket.uncork();
    return ok;
  }

  /**
   * Requests started in the same tick (a burst on a multiplexed connection) leave in one writev
   * instead of one syscall each, as node:http batches with cork/uncork.
   */
  corkUntilNextTick(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.#socket.uncork();
    });
  }

  /** Resolves at the next 'drain', or at once when the socket is closed (callers check for that). */
  drain(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #wake(): void {
    for (const wake of this.#drainWaiters.splice(0)) wake();
  }
}

/** What `sendInputStreams` asks of the request it writes for. */
export interface InputTarget {
  /** False once the request is over or its connection gone: writing stops, quietly. */
  alive(): boolean;
  /** Awaited before each chunk while the body could still be resent (see ClientConnection). */
  checkpoint(stream: PendingStream): Promise<void> | undefined;
}

/**
 * Writes a request's input streams that were not packed into its preamble (spec §3.3: STDIN, then
 * a Filter's DATA, each ended by its empty record), waiting for 'drain' between chunks. Sources
 * are read with next() only: an abandoned attempt just stops reading. `return()` would destroy a
 * Readable source, such as a proxied request whose client is still waiting for the response.
 *
 * @returns true when everything was written, false when the target stopped being alive
 * @throws whatever the body source throws
 */
export async function sendInputStreams(writer: SocketWriter, requestId: number, streams: readonly PendingStream[], target: InputTarget): Promise<boolean> {
  for (const stream of streams) {
    if (stream.source !== undefined) {
      const chunks = stream.replay?.reader() ?? bodyChunks(stream.source);
      for (;;) {
        const pause = target.checkpoint(stream);
        if (pause !== undefined) await pause;
        if (!target.alive()) return false;
        const next = await chunks.next();
        if (next.done === true) break;
        if (!target.alive()) return false;
        if (!writer.writeRecords(frameStream(stream.type, requestId, next.value))) await writer.drain();
      }
    }
    if (!target.alive()) return false;
    if (!writer.write(encodeStreamEnd(stream.type, requestId))) await writer.drain();
  }
  return true;
}
