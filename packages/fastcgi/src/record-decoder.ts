import { type GatewayError, LimitError, type LimitSpecs, type Limits, type ParamList, ProtocolError, resolveLimits } from '@gw/core';
import { FCGI_VERSION_1, HEADER_LENGTH, RecordType } from './constants.js';
import { FastCgiErrorCode as Code } from './error-codes.js';
import { PairStreamParser } from './name-value-decoder.js';

/** The 8-byte record header (spec §3.3), as decoded. */
export interface RecordHeader {
  version: number;
  type: number;
  requestId: number;
  contentLength: number;
  paddingLength: number;
}

/**
 * Callbacks of a RecordDecoder; all optional. They run synchronously inside `push`. Payload
 * buffers are views into the pushed chunks: copy them to keep them beyond the callback cheaply,
 * or keep them knowing they pin the chunk.
 */
export interface RecordDecoderHandler {
  /** Every record header, before its content is handled. `offset` = absolute offset of the header. */
  onRecord?(header: RecordHeader, offset: number): void;
  onBeginRequest?(requestId: number, role: number, flags: number): void;
  onAbortRequest?(requestId: number): void;
  onEndRequest?(requestId: number, appStatus: number, protocolStatus: number): void;
  /** Once per PARAMS stream, at its empty terminator record, with every pair of the stream. */
  onParams?(requestId: number, params: ParamList): void;
  /** STDIN, STDOUT, STDERR or DATA payload bytes, possibly several pieces per record. Never empty. */
  onStream?(requestId: number, type: number, chunk: Buffer): void;
  /** The empty record that ends a STDIN, STDOUT, STDERR or DATA stream. */
  onStreamEnd?(requestId: number, type: number): void;
  onGetValues?(names: ParamList): void;
  onGetValuesResult?(values: ParamList): void;
  /** The body of an UNKNOWN_TYPE record: the type the peer did not understand. */
  onUnknownType?(unknownType: number): void;
  /** A record whose type the spec does not define (0 or ≥ 12). Reported, never fatal. */
  onUnknownRecord?(header: RecordHeader, content: Buffer): void;
  /** Bad input: called once; the decoder ignores everything after it. */
  onError?(err: GatewayError): void;
}

/** Limits and switches of a RecordDecoder. */
export interface RecordDecoderOptions {
  /** Largest PARAMS stream of one request, length prefixes included. Default 131072 (128 KiB). */
  maxParamsBytes?: number;
  /** Most name-value pairs in one PARAMS stream or GET_VALUES body. Default 1024. */
  maxParamsPairs?: number;
  /** Longest name in a pair. Default 8192. */
  maxNameLength?: number;
  /** Longest value in a pair. Default 131072. */
  maxValueLength?: number;
  /** Most PARAMS streams in progress at once (one per multiplexed request). Default 256. */
  maxOpenParamsStreams?: number;
  /** Accept any version byte ≥ 1, as php-fpm does. Default false: only version 1. */
  lenientVersion?: boolean;
}

type LimitName = 'maxParamsBytes' | 'maxParamsPairs' | 'maxNameLength' | 'maxValueLength' | 'maxOpenParamsStreams';

/** Defaults are safe for an internet-facing app; a PARAMS record alone can carry 64 KiB. */
export const RECORD_DECODER_LIMITS: LimitSpecs<LimitName> = {
  maxParamsBytes: { default: 131072, min: 0, max: 0x7fffffff },
  maxParamsPairs: { default: 1024, min: 0, max: 0x7fffffff },
  maxNameLength: { default: 8192, min: 0, max: 0x7fffffff },
  maxValueLength: { default: 131072, min: 0, max: 0x7fffffff },
  maxOpenParamsStreams: { default: 256, min: 1, max: 0xffff },
};

// Decoder states. Each one consumes what the current chunk has for it and returns to the loop.
const S_HEADER = 0; // collecting the 8-byte header
const S_STREAM = 1; // STDIN/STDOUT/STDERR/DATA content: handed on as views
const S_PARAMS = 2; // PARAMS content: fed to that request's pair parser
const S_BODY = 3; // content of a discrete record: gathered whole, then decoded
const S_PADDING = 4; // padding: skipped
const S_DEAD = 5; // after an error

/** RecordDecoderOptions validated and defaulted, to share between decoders (immutable). */
export class ResolvedRecordDecoderOptions {
  readonly limits: Limits<LimitName>;
  readonly lenientVersion: boolean;

  /** @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a limit out of range */
  constructor(options: RecordDecoderOptions) {
    this.limits = Object.freeze(resolveLimits(RECORD_DECODER_LIMITS, options, 'RecordDecoder'));
    this.lenientVersion = options.lenientVersion === true;
    Object.freeze(this);
  }
}

/**
 * Streaming FastCGI record decoder (spec §3): chunks in, handler callbacks out; no sockets, timers
 * or events. Produces the same callbacks however the input is chunked. Zero-copy: stream content
 * goes out as views of the pushed chunks; only a header, an 8-byte body or a name-value pair that
 * straddles chunks is copied.
 *
 * It checks framing and record-local rules (version, body lengths, which ids a type may use,
 * name-value structure, limits). Request-level sequencing (BEGIN before PARAMS, one active
 * request per id, direction of types) belongs to the connection layer.
 */
export class RecordDecoder {
  readonly #h: RecordDecoderHandler;
  readonly #limits: Limits<LimitName>;
  readonly #lenientVersion: boolean;

  #state = S_HEADER;
  /** Bytes pushed before the current chunk. */
  #base = 0;
  /** Header bytes of a header that straddles chunks. */
  /** Made when a header first straddles chunks (rare): a connection costs no buffer of its own. */
  #hdr: Buffer | null = null;
  #hdrFill = 0;
  /** Absolute offset of the current record's header. */
  #recordOffset = 0;
  #type = 0;
  #requestId = 0;
  #contentLength = 0;
  #remaining = 0;
  #padding = 0;
  /** Destination of a discrete body that straddles chunks. */
  #body: Buffer | null = null;
  #bodyFill = 0;
  /** The pair parser of the request whose PARAMS record is being read. */
  #params: PairStreamParser | null = null;
  /**
   * The parser kept for the usual case of one PARAMS stream at a time (nginx, Apache, a
   * non-multiplexing client): reused stream after stream, with no Map traffic, and released
   * at each stream's end so an idle connection keeps no pairs or chunks alive.
   */
  readonly #solo: PairStreamParser;
  /** Request id whose stream `#solo` is parsing, or -1 when it is free. */
  #soloId = -1;
  /** Further PARAMS streams in progress (multiplexed requests), by request id; made on first use. */
  #openParams: Map<number, PairStreamParser> | null = null;

  /**
   * @param options limits and switches, or {@link RecordDecoder.resolveOptions}' result when many
   *   decoders share them (a server's connections): resolved once instead of per decoder.
   */
  constructor(handler: RecordDecoderHandler, options: RecordDecoderOptions | ResolvedRecordDecoderOptions = {}) {
    this.#h = handler;
    const resolved = options instanceof ResolvedRecordDecoderOptions ? options : RecordDecoder.resolveOptions(options);
    this.#limits = resolved.limits;
    this.#lenientVersion = resolved.lenientVersion;
    this.#solo = PairStreamParser.idle(this.#limits);
  }

  /** Validates and defaults `options` once, for decoders that share them. */
  static resolveOptions(options: RecordDecoderOptions): ResolvedRecordDecoderOptions {
    return new ResolvedRecordDecoderOptions(options);
  }

  /** True once an error was reported; later input is ignored. */
  get failed(): boolean {
    return this.#state === S_DEAD;
  }

  /** Total bytes pushed so far. */
  get bytesReceived(): number {
    return this.#base;
  }

  /** True when the decoder sits between records (a clean place for the stream to end). */
  get atRecordBoundary(): boolean {
    return this.#state === S_HEADER && this.#hdrFill === 0;
  }

  /** Request ids whose PARAMS stream has started but not ended. */
  get openParamsStreams(): number {
    return (this.#openParams?.size ?? 0) + (this.#soloId >= 0 ? 1 : 0);
  }

  /** Decodes the next chunk of the byte stream. */
  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      switch (this.#state) {
        case S_HEADER: {
          if (this.#hdrFill === 0 && len - pos >= HEADER_LENGTH) {
            this.#recordOffset = this.#base + pos;
            pos += HEADER_LENGTH;
            this.#onHeader(chunk, pos - HEADER_LENGTH);
          } else {
            if (this.#hdrFill === 0) this.#recordOffset = this.#base + pos;
            const take = Math.min(HEADER_LENGTH - this.#hdrFill, len - pos);
            const hdr = (this.#hdr ??= Buffer.allocUnsafe(HEADER_LENGTH));
            chunk.copy(hdr, this.#hdrFill, pos, pos + take);
            this.#hdrFill += take;
            pos += take;
            if (this.#hdrFill === HEADER_LENGTH) {
              this.#hdrFill = 0;
              this.#onHeader(hdr, 0);
            }
          }
          break;
        }
        case S_STREAM: {
          const n = Math.min(this.#remaining, len - pos);
          this.#remaining -= n;
          pos += n;
          if (this.#remaining === 0) this.#afterContent();
          this.#h.onStream?.(this.#requestId, this.#type, chunk.subarray(pos - n, pos));
          break;
        }
        case S_PARAMS: {
          const n = Math.min(this.#remaining, len - pos);
          const err = (this.#params as PairStreamParser).feed(chunk, pos, pos + n, this.#base + pos);
          if (err !== undefined) {
            this.#fail(err);
            break; // the loop's S_DEAD branch accounts for the rest of the chunk
          }
          this.#remaining -= n;
          pos += n;
          if (this.#remaining === 0) {
            this.#params = null; // the stream's parser stays in #openParams until its terminator
            this.#afterContent();
          }
          break;
        }
        case S_BODY: {
          const n = Math.min(this.#remaining, len - pos);
          if (this.#body === null && n === this.#contentLength) {
            // The whole body is inside this chunk: decode it in place, no view, no copy.
            this.#remaining = 0;
            pos += n;
            this.#afterContent();
            this.#onBody(chunk, pos - n);
            break;
          }
          if (this.#body === null) {
            this.#body = Buffer.allocUnsafe(this.#contentLength);
            this.#bodyFill = 0;
          }
          chunk.copy(this.#body, this.#bodyFill, pos, pos + n);
          this.#bodyFill += n;
          this.#remaining -= n;
          pos += n;
          if (this.#bodyFill === this.#contentLength) {
            const body = this.#body;
            this.#body = null;
            this.#afterContent();
            this.#onBody(body, 0);
          }
          break;
        }
        case S_PADDING: {
          const n = Math.min(this.#padding, len - pos);
          this.#padding -= n;
          pos += n;
          if (this.#padding === 0) this.#state = S_HEADER;
          break;
        }
        default:
          // S_DEAD: after an error everything is ignored (never silently resynchronised).
          this.#base += len;
          return;
      }
    }
    this.#base += len;
  }

  /**
   * Tells the decoder the byte stream ended. Ending inside a record is reported as
   * FCGI_ERR_TRUNCATED_RECORD; PARAMS streams left open are not an error here (the connection
   * layer aborts their requests).
   */
  end(): void {
    if (this.#state === S_DEAD || this.atRecordBoundary) return;
    this.#fail(new ProtocolError(Code.TRUNCATED_RECORD, 'stream ended inside a record', { offset: this.#base, requestId: this.#requestId }));
  }

  /** Validates a header and sets up the state for its content. `h[at..at+8)` holds it. */
  #onHeader(h: Buffer, at: number): void {
    const version = h[at] as number;
    const type = h[at + 1] as number;
    const requestId = ((h[at + 2] as number) << 8) | (h[at + 3] as number);
    const contentLength = ((h[at + 4] as number) << 8) | (h[at + 5] as number);
    const paddingLength = h[at + 6] as number;
    const offset = this.#recordOffset;

    // Spec §3.3: FCGI_VERSION_1 is the only version. php-fpm accepts any value ≥ 1.
    if (version !== FCGI_VERSION_1 && !(this.#lenientVersion && version > FCGI_VERSION_1)) {
      return this.#fail(new ProtocolError(Code.UNSUPPORTED_VERSION, `unsupported FastCGI version ${version}`, { offset, requestId }));
    }
    this.#h.onRecord?.({ version, type, requestId, contentLength, paddingLength }, offset);
    if (this.#state === S_DEAD) return;
    this.#type = type;
    this.#requestId = requestId;
    this.#contentLength = contentLength;
    this.#remaining = contentLength;
    this.#padding = paddingLength;

    switch (type) {
      case RecordType.STDIN:
      case RecordType.STDOUT:
      case RecordType.STDERR:
      case RecordType.DATA:
        if (requestId === 0) return this.#badId(type, offset);
        if (contentLength > 0) {
          this.#state = S_STREAM;
          return;
        }
        // Spec §3.3: an empty record ends the stream.
        this.#afterContent();
        this.#h.onStreamEnd?.(requestId, type);
        return;
      case RecordType.PARAMS:
        if (requestId === 0) return this.#badId(type, offset);
        return this.#onParamsHeader(requestId, contentLength, offset);
      case RecordType.BEGIN_REQUEST:
      case RecordType.END_REQUEST:
        if (requestId === 0) return this.#badId(type, offset);
        return this.#expectBody(8, offset);
      case RecordType.UNKNOWN_TYPE:
        if (requestId !== 0) return this.#badId(type, offset);
        return this.#expectBody(8, offset);
      case RecordType.ABORT_REQUEST:
        if (requestId === 0) return this.#badId(type, offset);
        return this.#expectBody(contentLength, offset); // spec: empty; any content is skipped
      case RecordType.GET_VALUES:
      case RecordType.GET_VALUES_RESULT:
        if (requestId !== 0) return this.#badId(type, offset);
        return this.#expectBody(contentLength, offset);
      default:
        // Type 0 or > MAX_TYPE: unknown. Delivered whole (≤ 65535 bytes) to the caller, who
        // answers UNKNOWN_TYPE for management records (spec §4.2) or ignores it.
        return this.#expectBody(contentLength, offset);
    }
  }

  #onParamsHeader(requestId: number, contentLength: number, offset: number): void {
    let parser = requestId === this.#soloId ? this.#solo : this.#openParams !== null && this.#openParams.size > 0 ? this.#openParams.get(requestId) : undefined;
    if (parser === undefined) {
      if (this.openParamsStreams >= this.#limits.maxOpenParamsStreams) {
        return this.#fail(
          new LimitError(Code.TOO_MANY_PARAMS_STREAMS, 'too many PARAMS streams in progress', {
            offset,
            requestId,
            limit: 'maxOpenParamsStreams',
            limitValue: this.#limits.maxOpenParamsStreams,
          }),
        );
      }
      if (this.#soloId < 0) {
        parser = this.#solo;
        parser.begin(requestId, contentLength);
        this.#soloId = requestId;
      } else {
        parser = new PairStreamParser(this.#limits, requestId, contentLength);
        (this.#openParams ??= new Map()).set(requestId, parser);
      }
    }
    if (contentLength === 0) {
      // Spec §3.3: the empty PARAMS record ends the stream.
      const err = parser.finish(offset);
      if (err !== undefined) return this.#fail(err);
      const params = parser.params;
      // The decoder lets go of the stream before the callback: from here on only the handler
      // holds the list (and, through its views, the chunks).
      if (parser === this.#solo) {
        this.#soloId = -1;
        parser.release();
      } else {
        this.#openParams?.delete(requestId);
      }
      this.#afterContent();
      this.#h.onParams?.(requestId, params);
      return;
    }
    // Checked at the header, before any of the record's content is buffered.
    if (parser.bytes + contentLength > this.#limits.maxParamsBytes) {
      return this.#fail(
        new LimitError(Code.PARAMS_TOO_LARGE, `PARAMS of request ${requestId} exceed maxParamsBytes`, {
          offset: offset + 4,
          requestId,
          limit: 'maxParamsBytes',
          limitValue: this.#limits.maxParamsBytes,
        }),
      );
    }
    this.#params = parser;
    this.#state = S_PARAMS;
  }

  #expectBody(expected: number, offset: number): void {
    if (this.#contentLength !== expected) {
      return this.#fail(
        new ProtocolError(Code.BAD_BODY_LENGTH, `${typeLabel(this.#type)} must have ${expected} content bytes, not ${this.#contentLength}`, {
          offset: offset + 4,
          requestId: this.#requestId,
        }),
      );
    }
    if (expected === 0) {
      this.#afterContent();
      this.#onBody(EMPTY_BODY, 0);
      return;
    }
    this.#state = S_BODY;
  }

  /**
   * Decodes a complete discrete body: `contentLength` bytes of `buf` from `at`. The state has
   * already moved on past the content.
   */
  #onBody(buf: Buffer, at: number): void {
    const h = this.#h;
    const id = this.#requestId;
    switch (this.#type) {
      case RecordType.BEGIN_REQUEST:
        h.onBeginRequest?.(id, ((buf[at] as number) << 8) | (buf[at + 1] as number), buf[at + 2] as number);
        return;
      case RecordType.END_REQUEST:
        h.onEndRequest?.(id, buf.readUInt32BE(at), buf[at + 4] as number);
        return;
      case RecordType.UNKNOWN_TYPE:
        h.onUnknownType?.(buf[at] as number);
        return;
      case RecordType.ABORT_REQUEST:
        h.onAbortRequest?.(id);
        return;
      case RecordType.GET_VALUES:
      case RecordType.GET_VALUES_RESULT: {
        const parser = new PairStreamParser(this.#limits, 0, this.#contentLength);
        const bodyOffset = this.#recordOffset + HEADER_LENGTH;
        const err = parser.feed(buf, at, at + this.#contentLength, bodyOffset, true);
        if (err !== undefined) return this.#fail(err);
        if (this.#type === RecordType.GET_VALUES) h.onGetValues?.(parser.params);
        else h.onGetValuesResult?.(parser.params);
        return;
      }
      default:
        h.onUnknownRecord?.(
          { version: FCGI_VERSION_1, type: this.#type, requestId: id, contentLength: this.#contentLength, paddingLength: this.#padding },
          buf.subarray(at, at + this.#contentLength),
        );
    }
  }

  /** Content done: skip padding next, or read the next header. */
  #afterContent(): void {
    this.#state = this.#padding > 0 ? S_PADDING : S_HEADER;
  }

  #badId(type: number, offset: number): void {
    const which = type === RecordType.GET_VALUES || type === RecordType.GET_VALUES_RESULT || type === RecordType.UNKNOWN_TYPE ? 'must use request id 0' : 'must not use request id 0';
    this.#fail(new ProtocolError(Code.BAD_REQUEST_ID, `${typeLabel(type)} ${which}`, { offset: offset + 2, requestId: this.#requestId }));
  }

  #fail(err: GatewayError): void {
    if (this.#state === S_DEAD) return;
    this.#state = S_DEAD;
    this.#openParams?.clear();
    this.#soloId = -1;
    this.#solo.release();
    this.#params = null;
    this.#body = null;
    this.#h.onError?.(err);
  }
}

const EMPTY_BODY = Buffer.alloc(0);

function typeLabel(type: number): string {
  for (const [name, value] of Object.entries(RecordType)) if (value === type) return name;
  return `type ${type}`;
}

