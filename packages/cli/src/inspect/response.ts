import { ResponseHeadDecoder, type ResponseHeadDecoderOptions } from '@gw/core';
import { type InspectionError, toInspectionError } from './inspection-error.js';
import { asBuffer } from './input.js';
import { type StreamSummary, StreamSummarizer } from './stream-summary.js';

/** The response an application wrote on an SCGI or uwsgi connection. */
export interface ResponseSummary {
  /**
   * The status: from an HTTP status line, from a CGI `Status:` field, or implied by a CGI head
   * (302 with `Location`, else 200; RFC 3875 §6.2).
   */
  status: number;
  /** Fields in wire order with names as sent; a CGI head's `Status` field is shown as `status` instead. */
  headers: [string, string][];
  /** Everything after the head up to EOF (`terminated` is true once EOF was seen). */
  body: StreamSummary;
}

/** What `gw inspect --protocol scgi|uwsgi --direction to-server` prints. */
export interface ResponseInspection {
  protocol: 'scgi' | 'uwsgi';
  /** The response, or null when its head did not decode. */
  response: ResponseSummary | null;
  error: InspectionError | null;
}

/**
 * The largest head the decoder can be told to accept (16 MiB). A debugging tool shows what the
 * app sent; a gateway client would stop much earlier (nginx at one 4/8 KiB buffer).
 */
const PERMISSIVE_MAX_HEAD_BYTES = 16 * 1024 * 1024;

/**
 * Builds a {@link ResponseInspection} from the bytes an application wrote back on one SCGI or
 * uwsgi connection: a head, then the body up to EOF (both protocols end the response by closing
 * the connection). The head may be a CGI head (`Status: 404 Not Found`) or an HTTP status line
 * (`HTTP/1.1 404 Not Found`), as nginx accepts both for SCGI and uwsgi (docs/protocols.md §5.3,
 * §3.5).
 */
export class ResponseInspector {
  readonly #protocol: 'scgi' | 'uwsgi';
  readonly #head: ResponseHeadDecoder;
  #status = 0;
  #headers: [string, string][] = [];
  #body: StreamSummarizer | null = null;
  #error: InspectionError | null = null;
  #result: ResponseInspection | null = null;

  /**
   * @param protocol the value of the `protocol` member of the result
   * @param decoderOptions passed to the ResponseHeadDecoder over the defaults `accept: 'either'`
   *   (what nginx accepts) and `maxHeadBytes` 16 MiB
   */
  constructor(protocol: 'scgi' | 'uwsgi', decoderOptions: ResponseHeadDecoderOptions = {}) {
    this.#protocol = protocol;
    this.#head = new ResponseHeadDecoder({ accept: 'either', maxHeadBytes: PERMISSIVE_MAX_HEAD_BYTES, ...decoderOptions });
  }

  /** Feeds the next bytes of the connection. */
  push(chunk: Uint8Array): void {
    if (this.#result !== null) throw new Error('ResponseInspector: push() after finish()');
    if (this.#error !== null) return;
    const buf = asBuffer(chunk);
    if (this.#body !== null) {
      this.#body.update(buf);
      return;
    }
    try {
      // The head decoder throws typed errors instead of calling a handler.
      const done = this.#head.push(buf);
      if (done === undefined) return;
      this.#status = done.head.status;
      this.#headers = done.head.headers;
      this.#body = new StreamSummarizer();
      this.#body.update(done.rest);
    } catch (err) {
      this.#error = toInspectionError(err);
    }
  }

  /** Marks EOF, which ends the body, and returns the inspection. Later calls return the same object. */
  finish(): ResponseInspection {
    if (this.#result !== null) return this.#result;
    if (this.#error === null && this.#body === null) {
      try {
        this.#head.end(); // throws CGI_ERR_INCOMPLETE_HEAD
      } catch (err) {
        this.#error = toInspectionError(err);
      }
    }
    this.#body?.terminate();
    const body = this.#body?.summary();
    this.#result = {
      protocol: this.#protocol,
      response: body === undefined ? null : { status: this.#status, headers: this.#headers, body },
      error: this.#error,
    };
    return this.#result;
  }
}

/** Inspects a whole SCGI or uwsgi response given as chunks (see {@link ResponseInspector}). */
export function inspectResponse(protocol: 'scgi' | 'uwsgi', chunks: Iterable<Uint8Array>, decoderOptions?: ResponseHeadDecoderOptions): ResponseInspection {
  const inspector = new ResponseInspector(protocol, decoderOptions);
  for (const chunk of chunks) inspector.push(chunk);
  return inspector.finish();
}
