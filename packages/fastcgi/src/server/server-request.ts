import { Readable, Writable } from 'node:stream';
import type { ParamList } from '@gw/core';
import { HEADER_LENGTH, MAX_ALIGNED_CONTENT, ProtocolStatus, RecordType, Role } from '../constants.js';
import { encodeEndRequest, frameStream, measureStream, writeStreamInto } from '../record-encoder.js';
import { paddingFor, writeHeader } from '../record-header.js';
import { NULL_EXCHANGE, type RequestExchange, type RequestSink } from '@gw/core';
import type { OutputLane, OutputQueue } from './output-queue.js';

type Pending = NonNullable<OutputLane['laneQueue']>[number];

/** What a request needs from its connection. */
export interface RequestHost {
  readonly output: OutputQueue;
  /** The request wrote END_REQUEST (or was dropped): free its id, maybe close the connection. */
  requestDone(request: FastCgiRequest): void;
  /** The request's body consumer caught up: the connection may read the socket again. */
  bodyResumed(request: FastCgiRequest): void;
}

// Small responses are copied into one buffer with their framing: one socket write, no writev.
const SMALL_RESPONSE = 16 * 1024;

// Request phases.
const P_PARAMS = 0; // BEGIN seen, PARAMS streaming in
const P_BODY = 1; // handler running, STDIN streaming in
const P_DATA = 2; // Filter role: STDIN complete, DATA streaming in
const P_INPUT_DONE = 3; // STDIN (and DATA for a Filter) complete
const P_DONE = 4; // END_REQUEST written or request dropped

/**
 * One FastCGI request on a connection: its input state, and the response sink the adapter
 * writes to. Output becomes STDOUT records; the end of the response adds the empty STDOUT (and
 * STDERR, if used) and END_REQUEST, in the same socket write as the last bytes when possible.
 */
export class FastCgiRequest implements RequestSink, OutputLane {
  readonly headFormat = 'cgi' as const;
  readonly requestId: number;
  readonly role: number;
  readonly keepConn: boolean;
  /** CGI params; set when the PARAMS stream ends. */
  params: ParamList | null = null;
  /** The adapter's side; NULL_EXCHANGE until dispatched. */
  exchange: RequestExchange = NULL_EXCHANGE;
  /** STDIN bytes received so far. */
  bodyBytes = 0;
  /** True while the body consumer asked the connection to stop reading. */
  bodyPaused = false;
  /** Exit status reported in END_REQUEST; 0 unless the response was aborted. */
  appStatus = 0;
  /** CONTENT_LENGTH when it is a plain decimal, else undefined (nginx sends "" when unbuffered). */
  declaredLength: number | undefined = undefined;
  /**
   * True when STDIN ended before CONTENT_LENGTH bytes arrived: the web server's client went
   * away mid-upload (spec §6.2: the app should compare and not act on a short body).
   */
  incompleteBody = false;

  /** This request's lane in the connection's output (see OutputQueue); a queue only when behind. */
  laneQueue: Pending[] | null = null;
  laneQueuedBytes = 0;

  readonly #host: RequestHost;
  #phase = P_PARAMS;
  #stderr: Writable | null = null;
  #stderrUsed = false;
  #timer: NodeJS.Timeout | null = null;
  #data: Readable | null = null;
  readonly #dataHighWaterMark: number;

  constructor(host: RequestHost, requestId: number, role: number, keepConn: boolean, dataHighWaterMark = 65536) {
    this.#host = host;
    this.#dataHighWaterMark = dataHighWaterMark;
    this.requestId = requestId;
    this.role = role;
    this.keepConn = keepConn;
  }

  /** OutputLane: the socket drained after a write of ours returned false. */
  laneDrained(): void {
    this.exchange.drain();
  }

  /** OutputLane: END_REQUEST went to the socket (or the connection is gone). */
  finalWritten(): void {
    this.#host.requestDone(this);
  }

  /** True once PARAMS ended and the request was handed to the application. */
  get started(): boolean {
    return this.#phase >= P_BODY;
  }

  /** True once the request is finished (END_REQUEST written) or dropped. */
  get done(): boolean {
    return this.#phase === P_DONE;
  }

  /** True while STDIN is still expected. */
  get readingBody(): boolean {
    return this.#phase === P_BODY;
  }

  /** True while a Filter request's DATA stream is still expected. */
  get readingData(): boolean {
    return this.#phase === P_DATA;
  }

  /** A per-request timer (params timeout, handler timeout); replaced or cleared by the connection. */
  setTimer(ms: number, onTimeout: () => void): void {
    this.clearTimer();
    if (ms > 0) {
      this.#timer = setTimeout(onTimeout, ms);
      this.#timer.unref?.();
    }
  }

  clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** PARAMS complete: the application may start. */
  markStarted(params: ParamList): void {
    this.params = params;
    this.#phase = P_BODY;
  }

  /** STDIN is complete: a Filter goes on to its DATA stream, others are done with input. */
  markInputDone(): void {
    if (this.#phase === P_BODY) this.#phase = this.role === Role.FILTER ? P_DATA : P_INPUT_DONE;
    else if (this.#phase === P_DATA) this.#phase = P_INPUT_DONE;
  }

  /**
   * A Filter request's DATA stream (spec §6.4: the file the web server filters, FCGI_DATA_LENGTH
   * bytes, after STDIN). Present for the Filter role only; ends at the empty DATA record.
   */
  get data(): Readable | null {
    if (this.role !== Role.FILTER) return null;
    if (this.#data === null) {
      this.#data = new Readable({
        highWaterMark: this.#dataHighWaterMark,
        read: () => {
          if (this.dataPaused) {
            this.dataPaused = false;
            this.#host.bodyResumed(this);
          }
        },
      });
    }
    return this.#data;
  }

  /** True while the DATA consumer asked the connection to stop reading. */
  dataPaused = false;

  /** Delivers DATA bytes; false when the consumer is behind (the connection pauses). */
  pushData(chunk: Buffer): boolean {
    return (this.data as Readable).push(chunk);
  }

  /** The empty DATA record arrived. */
  endData(): void {
    (this.data as Readable).push(null);
  }

  /**
   * A stream for FastCGI STDERR (the web server logs it). Created on first use; whatever is
   * written goes out as STDERR records, and the stream is terminated with the response.
   */
  get stderr(): Writable {
    if (this.#stderr === null) {
      this.#stderr = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          if (this.#phase === P_DONE || chunk.length === 0) return cb();
          this.#stderrUsed = true;
          const bufs = frameStream(RecordType.STDERR, this.requestId, chunk);
          this.#host.output.write(this, bufs, chunk.length, false, cb);
        },
      });
    }
    return this.#stderr;
  }

  // ── ResponseSink ──────────────────────────────────────────────────────────

  write(chunks: Buffer[], end: boolean): boolean {
    if (this.#phase === P_DONE) return true;
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    if (end) return this.#writeLast(chunks, bytes);
    if (bytes === 0) return true;
    return this.#host.output.write(this, this.#frame(chunks, bytes), bytes);
  }

  abort(_error: Error | undefined): void {
    // The application gave up mid-response. FastCGI has no "incomplete" signal but the exit
    // status: end the request with appStatus 1 and no STDOUT terminator mismatch (nginx and
    // Apache treat END_REQUEST as the end either way).
    if (this.#phase === P_DONE) return;
    this.appStatus = 1;
    this.#writeLast([], 0);
  }

  resumeBody(): void {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    this.#host.bodyResumed(this);
  }

  // ── connection-side endings ──────────────────────────────────────────────

  /**
   * Ends the request at once with END_REQUEST(protocolStatus) — for refusals before it started
   * (CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE) and for ABORT_REQUEST (REQUEST_COMPLETE).
   */
  finishNow(protocolStatus: number, appStatus = this.appStatus): void {
    if (this.#phase === P_DONE) return;
    this.#phase = P_DONE;
    this.clearTimer();
    this.#host.output.close(this);
    const end = encodeEndRequest(this.requestId, appStatus, protocolStatus);
    this.#host.output.write(this, [end], end.length, true);
  }

  /** The connection is gone: forget the request without writing anything. */
  drop(): void {
    if (this.#phase === P_DONE) return;
    this.#phase = P_DONE;
    this.clearTimer();
    this.#host.output.close(this);
    this.#stderr?.destroy();
    this.#data?.destroy();
  }

  /**
   * Frames response bytes as STDOUT records. A small write made of several chunks (a head and a
   * body, say) is copied into one buffer — one socket write beats a writev of tiny pieces; larger
   * payloads are framed around views, never copied.
   */
  #frame(chunks: Buffer[], bytes: number): Buffer[] {
    if (chunks.length > 1 && bytes <= SMALL_RESPONSE) return [encodeInto(this.requestId, chunks, bytes)];
    const out: Buffer[] = [];
    for (const c of chunks) if (c.length > 0) frameStream(RecordType.STDOUT, this.requestId, c, out);
    return out;
  }

  /**
   * Last bytes + empty STDOUT (+ empty STDERR) + END_REQUEST, in one buffer and one socket write
   * when small; the terminators are written straight into that buffer.
   */
  #writeLast(chunks: Buffer[], bytes: number): boolean {
    this.#phase = P_DONE;
    this.clearTimer();
    const id = this.requestId;
    const stderrUsed = this.#stderrUsed;
    let bufs: Buffer[];
    if (bytes <= SMALL_RESPONSE) {
      bufs = [encodeInto(id, chunks, bytes, tailLength(stderrUsed), stderrUsed, this.appStatus)];
    } else {
      bufs = this.#frame(chunks, bytes);
      const tail = Buffer.allocUnsafe(tailLength(stderrUsed));
      writeTail(tail, 0, id, stderrUsed, this.appStatus);
      bufs.push(tail);
    }
    const ok = this.#host.output.write(this, bufs, bytes, true);
    this.#stderr?.end();
    return ok;
  }
}

/** Bytes of the response's tail: empty STDOUT, empty STDERR if used, END_REQUEST (spec §5.3, §5.5). */
function tailLength(stderrUsed: boolean): number {
  return HEADER_LENGTH + (stderrUsed ? HEADER_LENGTH : 0) + HEADER_LENGTH + 8;
}

/** Writes the tail {@link tailLength} measures at `at`; returns the offset after it. */
function writeTail(out: Buffer, at: number, requestId: number, stderrUsed: boolean, appStatus: number): number {
  writeHeader(out, at, RecordType.STDOUT, requestId, 0, 0);
  at += HEADER_LENGTH;
  if (stderrUsed) {
    writeHeader(out, at, RecordType.STDERR, requestId, 0, 0);
    at += HEADER_LENGTH;
  }
  // FCGI_EndRequestBody: appStatus (u32, a negative exit code wraps like a C int cast),
  // protocolStatus, 3 reserved bytes.
  writeHeader(out, at, RecordType.END_REQUEST, requestId, 8, 0);
  out.writeUInt32BE(appStatus >>> 0, at + HEADER_LENGTH);
  out[at + 12] = ProtocolStatus.REQUEST_COMPLETE;
  out[at + 13] = 0;
  out[at + 14] = 0;
  out[at + 15] = 0;
  return at + HEADER_LENGTH + 8;
}

/**
 * Copies `chunks`, framed as one stream of STDOUT records, into one new buffer — consecutive
 * chunks are treated as one payload (records of up to 65528 bytes, 8-byte aligned) — followed,
 * when `tailBytes` > 0, by the response's tail (see {@link writeTail}).
 */
function encodeInto(requestId: number, chunks: Buffer[], bytes: number, tailBytes = 0, stderrUsed = false, appStatus = 0): Buffer {
  const out = Buffer.allocUnsafe(measureStream(bytes) + tailBytes);
  let at = 0;
  if (chunks.length === 1) {
    at = writeStreamInto(out, 0, RecordType.STDOUT, requestId, chunks[0] as Buffer);
  } else if (bytes > 0) {
    let ci = 0; // current chunk
    let co = 0; // offset in it
    let left = bytes;
    while (left > 0) {
      const size = Math.min(MAX_ALIGNED_CONTENT, left);
      const pad = paddingFor(size);
      writeHeader(out, at, RecordType.STDOUT, requestId, size, pad);
      at += HEADER_LENGTH;
      let need = size;
      while (need > 0) {
        const c = chunks[ci] as Buffer;
        const take = Math.min(c.length - co, need);
        out.set(take === c.length ? c : c.subarray(co, co + take), at);
        at += take;
        need -= take;
        co += take;
        if (co === c.length) {
          ci++;
          co = 0;
        }
      }
      for (let end = at + pad; at < end; at++) out[at] = 0; // ≤ 7 bytes: no Buffer#fill call
      left -= size;
    }
  }
  if (tailBytes > 0) writeTail(out, at, requestId, stderrUsed, appStatus);
  return out;
}
