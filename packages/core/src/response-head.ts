import { type GatewayError, InvalidArgumentError, LimitError, ProtocolError } from './errors.js';
import { resolveLimits } from './limits.js';
import { parseResponseHead, type ResponseHead, type ResponseHeadAccept } from './response-head-parser.js';
import { CgiErrorCode } from './response-head-errors.js';
import { CR, LF } from './response-head-syntax.js';

/**
 * Streaming decoder for the response head a gateway app writes: a CGI head (FastCGI STDOUT, SCGI
 * replies; RFC 3875 §6) or an HTTP/1.x status line plus fields (uwsgi, some SCGI apps).
 *
 * Error style: unlike the record decoders, this one has no handler. `push()` returns the head as
 * soon as the blank line arrives, and bad input makes `push()` / `end()` **throw** a typed
 * GatewayError. Its caller is a client connection, which catches errors around its socket data
 * handler anyway, so an error result would only be re-thrown there. After a throw the decoder is dead:
 * every later `push()` / `end()` throws the same error again (never silently reset).
 */

/** The head's byte limit, resolved with `resolveLimits`. */
const LIMIT_SPECS = {
  // 64 KiB is lighttpd's cap on a backend's response head (nginx's is one buffer, 4/8 KiB by
  // default); 16 MiB bounds what a misconfiguration can make us hold.
  maxHeadBytes: { default: 65536, min: 1, max: 16 * 1024 * 1024 },
} as const;

/** Options of {@link ResponseHeadDecoder}. */
export interface ResponseHeadDecoderOptions {
  /**
   * Most bytes the head (status line, fields and the closing blank line) may take; checked as
   * bytes arrive, so at most this many are ever held. 1..16 MiB.
   * @defaultValue 65536
   */
  maxHeadBytes?: number;
  /**
   * Which head forms are accepted: `'cgi'` (fields only, `Status:` sets the status; Apache
   * mod_proxy_scgi), `'http'` (an `HTTP/x.y NNN` status line is required; Apache
   * mod_proxy_uwsgi), or `'either'` (a first line starting `HTTP/` is a status line, anything else a
   * CGI head; nginx scgi/uwsgi).
   * @defaultValue 'either'
   */
  accept?: ResponseHeadAccept;
}

/** What `push()` returns once the head is complete. */
export interface DecodedResponseHead {
  /** The parsed head. */
  head: ResponseHead;
  /**
   * The bytes of the final chunk after the head: the first body bytes, possibly empty. A view of
   * that chunk (no copy), so it pins the chunk while it lives.
   */
  rest: Buffer;
  /** Bytes the head took, blank line included (= stream offset of the first body byte). */
  headLength: number;
}

const OPEN = 0;
const DECODED = 1;
const FAILED = 2;
type State = typeof OPEN | typeof DECODED | typeof FAILED;

const ACCEPT_VALUES: readonly string[] = ['cgi', 'http', 'either'];

/**
 * Decodes one response head from a byte stream cut into chunks of any size.
 *
 * ```ts
 * const decoder = new ResponseHeadDecoder({ accept: 'cgi' });
 * const done = decoder.push(chunk); // undefined: need more bytes
 * if (done) handle(done.head, done.rest); // rest = first body bytes
 * ```
 *
 * Holding: chunks without the blank line are kept by reference (never more than `maxHeadBytes`
 * bytes) and copied once into a buffer of the head's exact size when the head completes; a head
 * that lies in one chunk is read in place.
 */
export class ResponseHeadDecoder {
  readonly #maxHeadBytes: number;
  readonly #accept: ResponseHeadAccept;
  #state: State;
  #error: GatewayError | undefined;
  /** Chunks that lie wholly inside the head, waiting for the blank line. */
  #pending: Buffer[];
  /** Head bytes received so far; also the stream offset of the next byte. */
  #received: number;
  /** Bytes of the line that is still open at the end of the last chunk (LF not seen yet). */
  #openLineLength: number;
  /** Whether that open line starts with CR, so a following LF makes it the blank line `\r\n`. */
  #openLineStartsWithCR: boolean;

  /**
   * @param options.maxHeadBytes - head size limit, default 65536 (1..16 MiB)
   * @param options.accept - `'cgi' | 'http' | 'either'`, default `'either'`
   * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for an option out of range
   */
  constructor(options: ResponseHeadDecoderOptions = {}) {
    this.#maxHeadBytes = resolveLimits<'maxHeadBytes'>(LIMIT_SPECS, options, 'ResponseHeadDecoder').maxHeadBytes;
    const accept = options.accept ?? 'either';
    if (!ACCEPT_VALUES.includes(accept)) {
      throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `ResponseHeadDecoder: option accept must be 'cgi', 'http' or 'either', got ${String(accept)}`);
    }
    this.#accept = accept;
    this.#state = OPEN;
    this.#error = undefined;
    this.#pending = [];
    this.#received = 0;
    this.#openLineLength = 0;
    this.#openLineStartsWithCR = false;
  }

  /** True once `push()` has returned the head. */
  get decoded(): boolean {
    return this.#state === DECODED;
  }

  /** True after the decoder threw; it stays dead. */
  get failed(): boolean {
    return this.#state === FAILED;
  }

  /** Head bytes held while waiting for the blank line (never more than `maxHeadBytes`). */
  get bufferedBytes(): number {
    return this.#state === OPEN ? this.#received : 0;
  }

  /**
   * Feeds the next chunk. Returns `undefined` while the head is incomplete, and the head plus the
   * rest of this chunk once the blank line is seen.
   *
   * @throws ProtocolError `CGI_ERR_MALFORMED_HEAD`, `CGI_ERR_MALFORMED_HEADER`, `CGI_ERR_BAD_STATUS`,
   *   `CGI_ERR_DUPLICATE_STATUS`, `CGI_ERR_BAD_STATUS_LINE` for a malformed head
   * @throws LimitError `CGI_ERR_HEAD_TOO_LARGE` when more than `maxHeadBytes` arrive without a blank line
   * @throws InvalidArgumentError `CGI_ERR_HEAD_ALREADY_DECODED` when called after the head was returned
   * @throws the error it threw before, when the decoder already failed
   */
  push(chunk: Buffer): DecodedResponseHead | undefined {
    if (this.#state !== OPEN) this.#throwClosed();
    try {
      const headEndInChunk = this.#scan(chunk);
      if (headEndInChunk === -1) {
        if (chunk.length > 0) this.#pending.push(chunk);
        this.#received += chunk.length;
        return undefined;
      }
      return this.#finish(chunk, headEndInChunk);
    } catch (err) {
      this.#state = FAILED;
      this.#error = err as GatewayError;
      this.#pending = [];
      throw err;
    }
  }

  /**
   * Tells the decoder the stream ended. Harmless once the head is decoded (the body is the
   * caller's business).
   *
   * @throws ProtocolError `CGI_ERR_INCOMPLETE_HEAD` when the head is not complete: nothing or only
   *   part of a head arrived (nginx answers both with 502, protocols.md §6 #41/#42)
   */
  end(): void {
    if (this.#state === DECODED) return;
    if (this.#state === FAILED) throw this.#error;
    this.#state = FAILED;
    this.#pending = [];
    this.#error = new ProtocolError(CgiErrorCode.INCOMPLETE_HEAD, `response head incomplete: stream ended after ${this.#received} bytes without a blank line`, {
      offset: this.#received,
    });
    throw this.#error;
  }

  /**
   * Looks for the LF that ends the blank line, within the bytes the limit still allows. Returns
   * its index + 1 in `chunk`, or -1 after recording the open line's state for the next chunk.
   * Only LFs are searched for (Buffer#indexOf, native), never byte by byte.
   */
  #scan(chunk: Buffer): number {
    const room = this.#maxHeadBytes - this.#received;
    // Search only the bytes the limit allows, so a huge chunk without a blank line costs no scan
    // beyond the limit.
    const window = chunk.length > room ? chunk.subarray(0, room) : chunk;
    let lineStart = 0;
    for (;;) {
      const lf = window.indexOf(LF, lineStart);
      if (lf === -1) break;
      const carried = this.#openLineLength;
      const lineLength = carried + (lf - lineStart);
      const startsWithCR = carried > 0 ? this.#openLineStartsWithCR : window[lineStart] === CR;
      // A blank line is empty or a lone CR: this makes `\n\n`, `\r\n\r\n`, `\n\r\n` and `\r\n\n`
      // all end the head (protocols.md §6 #81; Apache misses the mixed two).
      if (lineLength === 0 || (lineLength === 1 && startsWithCR)) return lf + 1;
      this.#openLineLength = 0;
      lineStart = lf + 1;
    }
    if (lineStart < window.length) {
      if (this.#openLineLength === 0) this.#openLineStartsWithCR = window[lineStart] === CR;
      this.#openLineLength += window.length - lineStart;
    }
    if (chunk.length > room) {
      throw new LimitError(CgiErrorCode.HEAD_TOO_LARGE, `response head exceeds maxHeadBytes (${this.#maxHeadBytes}) without a blank line`, {
        offset: this.#maxHeadBytes,
        limit: 'maxHeadBytes',
        limitValue: this.#maxHeadBytes,
      });
    }
    return -1;
  }

  #finish(chunk: Buffer, headEndInChunk: number): DecodedResponseHead {
    const headLength = this.#received + headEndInChunk;
    let text: string;
    if (this.#pending.length === 0) {
      // One-chunk head (the usual case): read it in place, no copy.
      text = chunk.toString('latin1', 0, headEndInChunk);
    } else {
      this.#pending.push(chunk.subarray(0, headEndInChunk));
      text = Buffer.concat(this.#pending, headLength).toString('latin1');
    }
    // Latin1: one character per byte, so string indexes are stream offsets (the head starts at 0).
    const head = parseResponseHead(text, this.#accept);
    this.#state = DECODED;
    this.#pending = [];
    this.#received = headLength;
    return { head, rest: chunk.subarray(headEndInChunk), headLength };
  }

  #throwClosed(): never {
    if (this.#state === FAILED) throw this.#error;
    throw new InvalidArgumentError(CgiErrorCode.HEAD_ALREADY_DECODED, 'ResponseHeadDecoder.push() after the head was decoded: the body is the caller’s to read');
  }
}

/**
 * Decodes a head from one buffer that holds the whole head (and maybe body bytes after it).
 *
 * @param options - as for {@link ResponseHeadDecoder}
 * @throws the decoder's errors, and ProtocolError `CGI_ERR_INCOMPLETE_HEAD` when `bytes` holds no blank line
 */
export function decodeResponseHead(bytes: Buffer, options?: ResponseHeadDecoderOptions): DecodedResponseHead {
  const decoder = new ResponseHeadDecoder(options);
  const done = decoder.push(bytes);
  if (done !== undefined) return done;
  decoder.end();
  throw new Error('unreachable: end() throws when the head is incomplete');
}

export type { ResponseHead, ResponseHeadAccept, ResponseHeadKind } from './response-head-parser.js';
