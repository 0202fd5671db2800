import { ScgiRequestDecoder } from '@gw/scgi';
import { type InspectionError, toInspectionError } from './inspection-error.js';
import { asBuffer } from './input.js';
import { inspectResponse, type ResponseInspection } from './response.js';
import { type StreamSummary, StreamSummarizer } from './stream-summary.js';

/** What `gw inspect --protocol scgi --direction to-app` prints: the request a web server sent. */
export interface ScgiRequestInspection {
  protocol: 'scgi';
  /** Header pairs in wire order (duplicates kept), or null when the netstring never completed. */
  headers: [string, string][] | null;
  /** The body (CONTENT_LENGTH bytes), or null when the headers never completed. */
  body: StreamSummary | null;
  error: InspectionError | null;
}

/** Options of {@link ScgiRequestInspector}: the decoder's options, with a permissive size default. */
export interface ScgiInspectOptions {
  /** Read the header block as protocol.txt says (`'strict'`) or as real servers send it. Default `'lenient'`. */
  mode?: 'lenient' | 'strict' | undefined;
  /** Largest header block accepted. Default 16 MiB (the decoder's maximum), not a server's 64 KiB. */
  maxHeaderBytes?: number | undefined;
}

/**
 * The largest header block the SCGI decoder can be told to accept (16 MiB). Inspection is for
 * debugging, so it takes whatever a peer sent rather than the 64 KiB a server would allow.
 */
const PERMISSIVE_MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * Builds a {@link ScgiRequestInspection} from the bytes a web server sent on one SCGI connection,
 * pushed in any chunking. Bytes after the body are not SCGI (one request per connection); the
 * decoder drops them, and {@link ScgiRequestInspector.extraBytes} counts them.
 */
export class ScgiRequestInspector {
  readonly #decoder: ScgiRequestDecoder;
  #headers: [string, string][] | null = null;
  #body: StreamSummarizer | null = null;
  #error: InspectionError | null = null;
  #result: ScgiRequestInspection | null = null;

  /** @param options `mode` (default `'lenient'`), `maxHeaderBytes` (default 16 MiB) */
  constructor(options: ScgiInspectOptions = {}) {
    this.#decoder = new ScgiRequestDecoder(
      {
        onHeaders: (headers) => {
          this.#headers = headers.toArray();
          this.#body = new StreamSummarizer();
        },
        onBody: (chunk) => this.#body?.update(chunk),
        onBodyEnd: () => this.#body?.terminate(),
        onError: (err) => {
          this.#error = toInspectionError(err);
        },
      },
      { mode: options.mode ?? 'lenient', maxHeaderBytes: options.maxHeaderBytes ?? PERMISSIVE_MAX_HEADER_BYTES },
    );
  }

  /** Bytes that followed the body (valid after {@link finish}). */
  get extraBytes(): number {
    return this.#decoder.extraBytes;
  }

  /** Feeds the next bytes of the connection. */
  push(chunk: Uint8Array): void {
    if (this.#result !== null) throw new Error('ScgiRequestInspector: push() after finish()');
    this.#decoder.push(asBuffer(chunk));
  }

  /** Marks EOF and returns the inspection. Later calls return the same object. */
  finish(): ScgiRequestInspection {
    if (this.#result !== null) return this.#result;
    this.#decoder.end();
    this.#result = { protocol: 'scgi', headers: this.#headers, body: this.#body?.summary() ?? null, error: this.#error };
    return this.#result;
  }
}

/** Inspects a whole SCGI request given as chunks (see {@link ScgiRequestInspector}). */
export function inspectScgiRequest(chunks: Iterable<Uint8Array>, options?: ScgiInspectOptions): ScgiRequestInspection {
  const inspector = new ScgiRequestInspector(options);
  for (const chunk of chunks) inspector.push(chunk);
  return inspector.finish();
}

/** Inspects the response an SCGI application wrote (see `ResponseInspector`). */
export function inspectScgiResponse(chunks: Iterable<Uint8Array>): ResponseInspection {
  return inspectResponse('scgi', chunks);
}
