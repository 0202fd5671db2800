import { EMPTY, type GatewayError, type ParamList } from '@gw/core';
import { HEADER_LENGTH } from './constants.js';
import { parseContentLength } from './content-length.js';
import { createDecodeError, type DecoderLimitValues, UwsgiErrorCode } from './error-codes.js';
import { resolveDecoderLimits, type UwsgiDecoderOptions } from './limits.js';
import { scanVarsBlock } from './vars-block.js';

/** Callbacks of {@link UwsgiRequestDecoder}; all optional, all called synchronously from push/end. */
export interface UwsgiRequestHandler {
  /**
   * The header and the whole vars block have arrived. Called once. `vars` are views into the
   * pushed chunk (or into one exact-size copy when the block straddled chunks): call
   * `vars.detach()` to keep them without pinning socket buffers. `contentLength` is the parsed
   * CONTENT_LENGTH (0 when absent or empty). The codec does not judge modifiers: see
   * `defaultModifierDisposition`.
   */
  onRequest?(modifier1: number, modifier2: number, vars: ParamList, contentLength: number): void;
  /** A piece of the request body: a view of a pushed chunk, never a copy. */
  onBody?(chunk: Buffer): void;
  /** All CONTENT_LENGTH body bytes have arrived (right after onRequest when it is 0). */
  onBodyEnd?(): void;
  /** The input broke the protocol or a limit. Called at most once; the decoder is dead afterwards. */
  onError?(err: GatewayError): void;
}

// Numeric states for the driver loop (architecture.md: numeric consts and a switch).
const HEADER = 0;
const VARS = 1;
const BODY = 2;
const DONE = 3;
const DEAD = 4;
type State = typeof HEADER | typeof VARS | typeof BODY | typeof DONE | typeof DEAD;

/** Absolute offset of the datasize field: the packet always starts at byte 0 of the stream. */
const DATASIZE_OFFSET = 1;

/**
 * Streaming decoder of one uwsgi request packet (protocols.md §3): the 4-byte header, the vars
 * block of exactly `datasize` bytes, then a raw body of CONTENT_LENGTH bytes. uwsgi carries one
 * request per connection, so bytes after the body are only counted ({@link extraBytes}).
 *
 * Zero-copy: a header or vars block inside one chunk is read in place; one that straddles chunks
 * is copied once into a buffer of exactly its size (4 bytes, or datasize bytes, allocated only
 * after datasize passed `maxVarsBytes`). Body pieces are views of the pushed chunks.
 *
 * Bad input never throws: `onError` is called once with a `ProtocolError` or `LimitError` whose
 * `offset` counts bytes from the first push, and every later push/end is ignored.
 */
export class UwsgiRequestDecoder {
  readonly #handler: UwsgiRequestHandler;
  readonly #limits: DecoderLimitValues;
  #state: State;
  #ended: boolean;
  #received: number;
  #extra: number;
  /** Header bytes gathered so far when the header straddles chunks. */
  readonly #header: Buffer;
  #headerFill: number;
  #modifier1: number;
  #modifier2: number;
  #datasize: number;
  /** Exact-size copy of a vars block that straddles chunks (EMPTY otherwise). */
  #block: Buffer;
  #blockFill: number;
  #bodyLeft: number;

  /**
   * @param handler callbacks, see {@link UwsgiRequestHandler}
   * @param options limits: `maxVarsBytes` (default 4096, 0..65535), `maxVars` (default 1000)
   * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for an out-of-range option.
   */
  constructor(handler: UwsgiRequestHandler, options?: UwsgiDecoderOptions) {
    this.#handler = handler;
    this.#limits = resolveDecoderLimits(options);
    this.#state = HEADER;
    this.#ended = false;
    this.#received = 0;
    this.#extra = 0;
    this.#header = Buffer.alloc(HEADER_LENGTH);
    this.#headerFill = 0;
    this.#modifier1 = 0;
    this.#modifier2 = 0;
    this.#datasize = 0;
    this.#block = EMPTY;
    this.#blockFill = 0;
    this.#bodyLeft = 0;
  }

  /** True once an error was reported; the decoder ignores all later input. */
  get failed(): boolean {
    return this.#state === DEAD;
  }

  /** Bytes pushed so far (up to and including the chunk that failed, if any). */
  get bytesReceived(): number {
    return this.#received;
  }

  /** Bytes received after the body: uwsgi has one request per connection, so they are ignored. */
  get extraBytes(): number {
    return this.#extra;
  }

  /**
   * Bytes the decoder holds in its own copies between pushes: a partial header, or the buffer
   * reserved for a vars block that straddles chunks. Never above `maxVarsBytes` (or 3, for a
   * partial header), whatever the input.
   */
  get bufferedBytes(): number {
    return this.#headerFill + this.#block.length;
  }

  /** Feeds the next chunk of the stream. Handler callbacks run before this returns. */
  push(chunk: Buffer): void {
    if (this.#state === DEAD || this.#ended) return;
    this.#received += chunk.length;
    const len = chunk.length;
    let pos = 0;
    for (;;) {
      switch (this.#state) {
        case HEADER: {
          if (this.#headerFill === 0 && len - pos >= HEADER_LENGTH) {
            // Common case: the whole header is in this chunk; read it in place.
            this.#setHeader(chunk, pos);
            pos += HEADER_LENGTH;
          } else {
            const take = Math.min(HEADER_LENGTH - this.#headerFill, len - pos);
            if (take === 0) return;
            chunk.copy(this.#header, this.#headerFill, pos, pos + take);
            this.#headerFill += take;
            pos += take;
            if (this.#headerFill < HEADER_LENGTH) return;
            this.#headerFill = 0;
            this.#setHeader(this.#header, 0);
          }
          // Check the size before buffering a single vars byte (architecture.md: limits are
          // checked when the length is known). uWSGI: "invalid request block size ... skip".
          if (this.#datasize > this.#limits.maxVarsBytes) {
            this.#fail(UwsgiErrorCode.VARS_TOO_LARGE, DATASIZE_OFFSET, `datasize ${this.#datasize}`);
            return;
          }
          this.#state = VARS;
          break;
        }
        case VARS: {
          const size = this.#datasize;
          if (this.#blockFill === 0 && len - pos >= size) {
            // Common case (and datasize 0): the block is in this chunk; parse it in place.
            const start = pos;
            pos += size;
            if (!this.#finishVars(chunk, start, pos)) return;
          } else {
            if (pos === len) return;
            // allocUnsafeSlow: a buffer of its own, not a slice of Node's 8 KiB pool, so vars kept
            // by the application pin exactly datasize bytes. Every byte is overwritten below.
            if (this.#blockFill === 0) this.#block = Buffer.allocUnsafeSlow(size);
            const take = Math.min(size - this.#blockFill, len - pos);
            chunk.copy(this.#block, this.#blockFill, pos, pos + take);
            this.#blockFill += take;
            pos += take;
            if (this.#blockFill < size) return;
            const block = this.#block;
            this.#block = EMPTY;
            this.#blockFill = 0;
            if (!this.#finishVars(block, 0, size)) return;
          }
          break;
        }
        case BODY: {
          if (pos === len) return;
          const take = Math.min(this.#bodyLeft, len - pos);
          const piece = chunk.subarray(pos, pos + take);
          pos += take;
          this.#bodyLeft -= take;
          if (this.#bodyLeft === 0) this.#state = DONE;
          this.#handler.onBody?.(piece);
          if (this.#state === DONE) this.#handler.onBodyEnd?.();
          break;
        }
        case DONE:
          this.#extra += len - pos;
          return;
        default:
          return;
      }
    }
  }

  /**
   * Tells the decoder the stream ended. Reports `UWSGI_ERR_INCOMPLETE_VARS` inside the header or
   * the vars block and `UWSGI_ERR_INCOMPLETE_BODY` inside the body. A stream that ends before its
   * first byte is not an error (a connection opened and closed without a request, e.g. a health
   * check). Later pushes are ignored.
   */
  end(): void {
    if (this.#state === DEAD || this.#ended) return;
    this.#ended = true;
    switch (this.#state) {
      case HEADER:
        if (this.#received > 0) this.#fail(UwsgiErrorCode.INCOMPLETE_VARS, this.#received);
        return;
      case VARS:
        this.#fail(UwsgiErrorCode.INCOMPLETE_VARS, this.#received, `${this.#blockFill} of ${this.#datasize} bytes`);
        return;
      case BODY:
        this.#fail(UwsgiErrorCode.INCOMPLETE_BODY, this.#received, `${this.#bodyLeft} bytes missing`);
        return;
      default:
        return;
    }
  }

  #setHeader(buf: Buffer, at: number): void {
    this.#modifier1 = buf[at] as number;
    // u16 little-endian (protocols.md §3.1); `00 00 15 00` is 5376, not 21 (§6 #74).
    this.#datasize = (buf[at + 1] as number) | ((buf[at + 2] as number) << 8);
    this.#modifier2 = buf[at + 3] as number;
  }

  /** Parses the complete vars block `buf[start, end)` and starts the body. False on error. */
  #finishVars(buf: Buffer, start: number, end: number): boolean {
    const scan = scanVarsBlock(buf, start, end, this.#limits.maxVars);
    if (!scan.ok) {
      this.#fail(scan.code, HEADER_LENGTH + scan.at);
      return false;
    }
    let contentLength = 0;
    if (scan.contentLengthStart >= 0) {
      contentLength = parseContentLength(buf, scan.contentLengthStart, scan.contentLengthEnd);
      if (contentLength < 0) {
        this.#fail(UwsgiErrorCode.BAD_CONTENT_LENGTH, HEADER_LENGTH + scan.contentLengthStart - start);
        return false;
      }
    }
    this.#bodyLeft = contentLength;
    this.#state = contentLength === 0 ? DONE : BODY;
    this.#handler.onRequest?.(this.#modifier1, this.#modifier2, scan.vars, contentLength);
    if (contentLength === 0) this.#handler.onBodyEnd?.();
    return true;
  }

  #fail(code: UwsgiErrorCode, offset: number, detail?: string): void {
    this.#state = DEAD;
    this.#block = EMPTY;
    this.#blockFill = 0;
    this.#headerFill = 0;
    this.#handler.onError?.(createDecodeError(code, offset, this.#limits, detail));
  }
}
