import { Readable, Writable } from 'node:stream';
import type { ParamList } from '@gw/core';
import { RecordType, Role } from '../constants.js';
import { encodeEndRequest, frameStream } from '../record-encoder.js';
import { NULL_EXCHANGE, type RequestExchange, type RequestSink } from '@gw/core';
import type { OutputLane, OutputQueue } from './output-queue.js';
import { encodeInto, frameLarge } from './stdout-framing.js';

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

  /** True once something was written to STDERR: the response then ends that stream too. */
  get stderrUsed(): boolean {
    return this.#stderrUsed;
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
   * payloads go out as views between small glue buffers (see {@link frameLarge}).
   */
  #frame(chunks: Buffer[], bytes: number): Buffer[] {
    if (chunks.length > 1 && bytes <= SMALL_RESPONSE) return [encodeInto(this.requestId, chunks, bytes, null)];
    return frameLarge(this.requestId, chunks, bytes, null);
  }

  /**
   * Last bytes + empty STDOUT (+ empty STDERR) + END_REQUEST, in one buffer and one socket write
   * when small (the terminators written straight into that buffer), else in the last glue run of
   * {@link frameLarge}.
   */
  #writeLast(chunks: Buffer[], bytes: number): boolean {
    this.#phase = P_DONE;
    this.clearTimer();
    // The request is its own ResponseTail (appStatus, stderrUsed): no object per response.
    const bufs = bytes <= SMALL_RESPONSE ? [encodeInto(this.requestId, chunks, bytes, this)] : frameLarge(this.requestId, chunks, bytes, this);
    const ok = this.#host.output.write(this, bufs, bytes, true);
    this.#stderr?.end();
    return ok;
  }
}
