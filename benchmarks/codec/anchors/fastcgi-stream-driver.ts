/**
 * Drives fastcgi-stream@1.0.0 (the record reader/writer inside npm's node-fastcgi) without a socket.
 *
 * Its `FastCGIStream(stream)` only calls `stream.on('data', fn)` to read and `stream.write(buf)` to
 * write (lib/stream.js), so an EventEmitter stands in for the socket: emitting 'data' runs its
 * parser synchronously, exactly as a socket read would. It emits `('record', requestId, record)`;
 * PARAMS records arrive already decoded to `[name, value]` UTF-8 strings (or a bare name string
 * when the value is empty: lib/records/common.js).
 */
import { EventEmitter } from 'node:events';
import fastcgiStream, { type FastCGIStream as FastCGIStreamClass, type FastcgiStreamRecords, type Pairs } from 'fastcgi-stream';
import { socketRead } from '../socket-read.js';

/** fastcgi-stream's reader/writer class. */
export const FastCGIStream: typeof FastCGIStreamClass = fastcgiStream.FastCGIStream;
/** fastcgi-stream's record classes. */
export const FcgiRecords: FastcgiStreamRecords = fastcgiStream.records;

/** What one decode pass saw. */
export interface FastcgiStreamTally {
  begins: number;
  /** Non-empty PARAMS records. */
  paramsRecords: number;
  /** Pairs across all PARAMS records. */
  pairs: number;
  /** STDIN payload bytes. */
  stdinBytes: number;
  /** Empty STDIN records (end of body). */
  stdinEnds: number;
  /** The params of the first non-empty PARAMS record (for verification). */
  firstParams: Pairs | undefined;
}

/**
 * Pushes `chunks` through a fresh FastCGIStream (a new connection) and tallies what it emitted.
 * With `copyReads` (default false) each chunk is first copied into a fresh buffer (socket-read.ts).
 */
export function decodeWithFastcgiStream(chunks: readonly Buffer[], copyReads = false): FastcgiStreamTally {
  const socket = new EventEmitter();
  const reader = new FastCGIStream(socket);
  const tally: FastcgiStreamTally = {
    begins: 0,
    paramsRecords: 0,
    pairs: 0,
    stdinBytes: 0,
    stdinEnds: 0,
    firstParams: undefined,
  };
  reader.on('record', (_requestId: number, record: { TYPE: number; params?: unknown[]; data?: Buffer | string }) => {
    switch (record.TYPE) {
      case FcgiRecords.BeginRequest.TYPE:
        tally.begins++;
        break;
      case FcgiRecords.Params.TYPE: {
        const params = record.params as Pairs;
        if (params.length > 0) {
          tally.paramsRecords++;
          tally.pairs += params.length;
          tally.firstParams ??= params;
        }
        break;
      }
      case FcgiRecords.StdIn.TYPE: {
        const n = record.data?.length ?? 0;
        if (n === 0) tally.stdinEnds++;
        tally.stdinBytes += n;
        break;
      }
    }
  });
  if (copyReads) for (const chunk of chunks) socket.emit('data', socketRead(chunk));
  else for (const chunk of chunks) socket.emit('data', chunk);
  return tally;
}

/**
 * A write-only socket stand-in for fastcgi-stream's writer: `write` keeps each record buffer,
 * `on` accepts the reader's 'data' subscription and never fires.
 */
export class CollectingSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  bytes = 0;

  write(buf: Buffer): boolean {
    this.written.push(buf);
    this.bytes += buf.length;
    return true;
  }

  reset(): void {
    this.written.length = 0;
    this.bytes = 0;
  }
}
