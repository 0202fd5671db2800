import type { GatewayError, ParamList } from '@gw/core';
import { COMMA, ScgiErrorCode } from './constants.js';
import { scgiProtocolError } from './errors.js';
import { parseHeaderBlock } from './header-block.js';
import { LENGTH_FAILED, LENGTH_NEEDS_MORE, NetstringLengthReader } from './netstring-length.js';
import { resolveDecoderOptions, type ScgiDecoderOptions } from './options.js';

/**
 * Callbacks of {@link ScgiRequestDecoder}, all optional, called synchronously from `push`/`end`.
 * A callback that throws is a bug in the caller: the exception propagates out of `push`.
 */
export interface ScgiRequestHandler {
  /**
   * Once, when the netstring (length, colon, header block, comma) is complete and valid.
   * `headers` holds views into the pushed chunk (or into one exact-size copy when the block
   * straddled chunks), so it pins that memory: call `headers.detach()` to keep it long.
   * `contentLength` is the value of CONTENT_LENGTH.
   */
  onHeaders?(headers: ParamList, contentLength: number): void;
  /** A piece of the body: a view of a pushed chunk, never a copy. Pieces follow chunk boundaries. */
  onBody?(chunk: Buffer): void;
  /** After exactly CONTENT_LENGTH body bytes (right after `onHeaders` when it is 0). */
  onBodyEnd?(): void;
  /** Once, on bad or truncated input; the decoder is dead afterwards. */
  onError?(error: GatewayError): void;
}

// Decoder states, in wire order.
const S_LENGTH = 0; // netstring length digits and the colon
const S_BLOCK = 1; // the header block
const S_COMMA = 2; // the comma that closes the netstring
const S_BODY = 3; // CONTENT_LENGTH body bytes
const S_DONE = 4; // request complete; anything more is not SCGI
const S_FAILED = 5;

/**
 * Streaming decoder of one SCGI request (SCGI carries exactly one request per connection).
 *
 * Feed it the bytes a web server sent with `push(chunk)` and call `end()` at EOF; it reports the
 * headers, the body pieces and the end of the body through `handler`. It never throws for bad
 * input: it calls `handler.onError` once with a `ProtocolError` or `LimitError` (code
 * `SCGI_ERR_*`, absolute `offset`) and ignores all later input.
 *
 * Memory: the header block is parsed in place when it lies within one chunk; otherwise its bytes
 * are copied, as they arrive, into one buffer of exactly the netstring length (≤ maxHeaderBytes,
 * which is checked before that buffer exists). Body bytes are never copied or held.
 *
 * @param handler callbacks, see {@link ScgiRequestHandler}
 * @param options `mode` (default `'lenient'`), `maxHeaderBytes` (default 65536, 1..16 MiB)
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for bad options
 */
export class ScgiRequestDecoder {
  readonly #handler: ScgiRequestHandler;
  readonly #strict: boolean;
  readonly #length: NetstringLengthReader;
  #state: number;
  /** Absolute offset of the first header-block byte. */
  #blockStart: number;
  #blockLength: number;
  /** Copy of a header block that straddles chunks, filled as bytes arrive; null otherwise. */
  #blockCopy: Buffer | null;
  #blockFilled: number;
  /** Validated headers waiting for the comma. */
  #headers: ParamList | null;
  #contentLength: number;
  #bodyLeft: number;
  #received: number;
  #extraBytes: number;
  #ended: boolean;
  #scgiMarkerMissing: boolean;

  constructor(handler: ScgiRequestHandler, options?: ScgiDecoderOptions) {
    const resolved = resolveDecoderOptions(options);
    this.#handler = handler;
    this.#strict = resolved.strict;
    this.#length = new NetstringLengthReader(resolved.strict, resolved.maxHeaderBytes);
    this.#state = S_LENGTH;
    this.#blockStart = 0;
    this.#blockLength = 0;
    this.#blockCopy = null;
    this.#blockFilled = 0;
    this.#headers = null;
    this.#contentLength = 0;
    this.#bodyLeft = 0;
    this.#received = 0;
    this.#extraBytes = 0;
    this.#ended = false;
    this.#scgiMarkerMissing = false;
  }

  /** True once `onError` has been called; the decoder ignores all further input. */
  get failed(): boolean {
    return this.#state === S_FAILED;
  }

  /** True once `onBodyEnd` has been called. */
  get complete(): boolean {
    return this.#state === S_DONE;
  }

  /** Bytes accepted by `push` so far (pushes after an error or after `end()` are not counted). */
  get bytesReceived(): number {
    return this.#received;
  }

  /**
   * Bytes received after the body. They are not part of SCGI (one request per connection), so
   * they are counted and dropped, not treated as an error; a server may log them.
   */
  get extraBytes(): number {
    return this.#extraBytes;
  }

  /** Header-block bytes the decoder currently holds a copy of (0 unless the block straddles chunks). */
  get bufferedBytes(): number {
    return this.#blockFilled;
  }

  /**
   * True when the request carried no `SCGI` header (accepted in lenient mode, e.g. nginx without
   * `include scgi_params`). Valid from `onHeaders` on, so a server can log a warning.
   */
  get scgiMarkerMissing(): boolean {
    return this.#scgiMarkerMissing;
  }

  /** The CONTENT_LENGTH of the request, valid from `onHeaders` on (0 before). */
  get contentLength(): number {
    return this.#contentLength;
  }

  /** Decodes the next chunk of the stream. Empty chunks are fine. */
  push(chunk: Buffer): void {
    if (this.#state === S_FAILED || this.#ended) return;
    const base = this.#received;
    this.#received += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case S_LENGTH:
          pos = this.#readLength(chunk, pos, base);
          break;
        case S_BLOCK:
          pos = this.#readBlock(chunk, pos);
          break;
        case S_COMMA:
          pos = this.#readComma(chunk, pos, base);
          break;
        case S_BODY:
          pos = this.#readBody(chunk, pos);
          break;
        case S_DONE:
          this.#extraBytes += chunk.length - pos;
          return;
        default:
          return; // S_FAILED
      }
    }
  }

  /** Tells the decoder the stream ended; reports a truncated request. Later calls do nothing. */
  end(): void {
    if (this.#state === S_FAILED || this.#ended) return;
    this.#ended = true;
    switch (this.#state) {
      case S_DONE:
        return;
      case S_BODY:
        // protocols.md §6 #64: the body stream must not end quietly short of CONTENT_LENGTH.
        this.#fail(
          scgiProtocolError(ScgiErrorCode.INCOMPLETE_BODY, this.#received, `stream ended ${this.#bodyLeft} body bytes early`),
        );
        return;
      default:
        // Also for a stream that ended before its first byte: the caller can tell that case
        // apart with bytesReceived === 0 (a connection opened and closed without a request).
        this.#fail(
          scgiProtocolError(ScgiErrorCode.INCOMPLETE_HEADERS, this.#received, 'stream ended inside the header netstring'),
        );
    }
  }

  #readLength(chunk: Buffer, pos: number, base: number): number {
    const next = this.#length.read(chunk, pos, base);
    if (next === LENGTH_NEEDS_MORE) return chunk.length;
    if (next === LENGTH_FAILED) return this.#fail(this.#length.error as GatewayError);
    this.#blockStart = base + next;
    this.#blockLength = this.#length.value;
    this.#state = S_BLOCK;
    // An empty block needs no bytes to be judged (and is always rejected): judge it now, so
    // `0:` fails even if nothing follows.
    if (this.#blockLength === 0) return this.#finishBlock(chunk.subarray(next, next), next);
    return next;
  }

  #readBlock(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    if (this.#blockCopy === null) {
      // Common case (a whole request in one socket read): parse the block in place, no copy.
      if (available >= this.#blockLength) {
        const end = pos + this.#blockLength;
        return this.#finishBlock(chunk.subarray(pos, end), end);
      }
      // The block straddles chunks: one buffer of exactly its size. Its length was checked
      // against maxHeaderBytes digit by digit, so this allocation is bounded.
      this.#blockCopy = Buffer.allocUnsafe(this.#blockLength);
    }
    const copy = this.#blockCopy;
    const take = Math.min(available, this.#blockLength - this.#blockFilled);
    chunk.copy(copy, this.#blockFilled, pos, pos + take);
    this.#blockFilled += take;
    if (this.#blockFilled < this.#blockLength) return pos + take;
    this.#blockCopy = null;
    this.#blockFilled = 0;
    return this.#finishBlock(copy, pos + take);
  }

  /** Validates a complete header block; `next` is where reading continues in the current chunk. */
  #finishBlock(block: Buffer, next: number): number {
    const parsed = parseHeaderBlock(block, this.#blockStart, this.#strict);
    if (!parsed.ok) return this.#fail(parsed.error);
    this.#headers = parsed.headers;
    this.#contentLength = parsed.contentLength;
    this.#scgiMarkerMissing = parsed.scgiMarkerMissing;
    this.#state = S_COMMA;
    return next;
  }

  #readComma(chunk: Buffer, pos: number, base: number): number {
    // Netstrings end with ","; without it the body would start one byte early or late, so a
    // missing comma means we cannot trust the framing (protocols.md §6 #54).
    if (chunk[pos] !== COMMA) {
      return this.#fail(scgiProtocolError(ScgiErrorCode.EXPECTED_COMMA, base + pos, 'expected "," after the header block'));
    }
    const headers = this.#headers as ParamList;
    this.#headers = null;
    this.#bodyLeft = this.#contentLength;
    // State first, callbacks second: a throwing callback must not leave a state that loops.
    this.#state = this.#bodyLeft === 0 ? S_DONE : S_BODY;
    this.#handler.onHeaders?.(headers, this.#contentLength);
    if (this.#bodyLeft === 0) this.#handler.onBodyEnd?.();
    return pos + 1;
  }

  #readBody(chunk: Buffer, pos: number): number {
    const take = Math.min(chunk.length - pos, this.#bodyLeft);
    this.#bodyLeft -= take;
    if (this.#bodyLeft === 0) this.#state = S_DONE;
    this.#handler.onBody?.(chunk.subarray(pos, pos + take));
    if (this.#bodyLeft === 0) this.#handler.onBodyEnd?.();
    return pos + take;
  }

  /** Marks the decoder dead, drops what it holds, reports once. Returns a position past any chunk. */
  #fail(error: GatewayError): number {
    this.#state = S_FAILED;
    this.#blockCopy = null;
    this.#blockFilled = 0;
    this.#headers = null;
    this.#handler.onError?.(error);
    return Number.POSITIVE_INFINITY;
  }
}
