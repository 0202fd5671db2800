/** The slice of fastcgi-stream@1.0.0's (untyped, CommonJS) API the benchmarks drive. */
declare module 'fastcgi-stream' {
  import type { EventEmitter } from 'node:events';

  /** A record object: `TYPE` on the prototype; fields depend on the type. */
  export interface FcgiRecord {
    readonly TYPE: number;
    getSize(): number;
  }
  export interface RecordClass<A extends unknown[], R extends FcgiRecord> {
    new (...args: A): R;
    readonly TYPE: number;
  }
  /** Name-value pairs: `[name, value]`, or a bare name when the value is empty. */
  export type Pairs = (string | readonly [string, string])[];

  /** The record classes the benchmarks use. */
  export interface FastcgiStreamRecords {
    BeginRequest: RecordClass<[role?: number, flags?: number], FcgiRecord & { role: number; flags: number }>;
    Params: RecordClass<[params?: Pairs], FcgiRecord & { params: Pairs }>;
    StdIn: RecordClass<[data?: Buffer | string], FcgiRecord & { data: Buffer | string }>;
    StdOut: RecordClass<[data?: Buffer | string], FcgiRecord & { data: Buffer | string }>;
  }

  /** What FastCGIStream needs of its socket: 'data' events in, `write` out. */
  export interface SocketLike {
    on(event: 'data', listener: (chunk: Buffer) => void): unknown;
    write?(b: Buffer): unknown;
  }

  /** Reads records from `stream`'s 'data' events and writes records with `stream.write`. */
  export class FastCGIStream extends EventEmitter {
    constructor(stream: SocketLike);
    writeRecord(requestId: number, record: FcgiRecord): unknown;
  }

  const fastcgiStream: { FastCGIStream: typeof FastCGIStream; records: FastcgiStreamRecords };
  export default fastcgiStream;
}
