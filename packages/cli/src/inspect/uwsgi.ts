import { HEADER_LENGTH, MAX_VARS_BLOCK_SIZE, type UwsgiDecoderOptions, UwsgiRequestDecoder } from '@gw/uwsgi';
import { type InspectionError, toInspectionError } from './inspection-error.js';
import { asBuffer } from './input.js';
import { inspectResponse, type ResponseInspection } from './response.js';
import { type StreamSummary, StreamSummarizer } from './stream-summary.js';

/** What `gw inspect --protocol uwsgi --direction to-app` prints: the packet a web server sent. */
export interface UwsgiRequestInspection {
  protocol: 'uwsgi';
  /** Header byte 0 (the packet type), or null when fewer than 4 bytes arrived. */
  modifier1: number | null;
  /** Header byte 3, or null when fewer than 4 bytes arrived. */
  modifier2: number | null;
  /** Header bytes 1–2, u16 little-endian: the vars block size. Null when fewer than 4 bytes arrived. */
  datasize: number | null;
  /** Vars in wire order (duplicates kept), or null when the vars block was not decoded. */
  vars: [string, string][] | null;
  /** The body (CONTENT_LENGTH bytes), or null when the vars block was not decoded. */
  body: StreamSummary | null;
  error: InspectionError | null;
}

/**
 * Builds a {@link UwsgiRequestInspection} from the bytes a web server sent on one uwsgi
 * connection, pushed in any chunking. The header fields are read here from the first four bytes,
 * so they show even when the vars block is broken; the vars and body come from the decoder, run
 * with the largest limits the format allows (a datasize up to 65535 and any number of vars).
 * Bytes after the body are not uwsgi (one request per connection): counted in
 * {@link UwsgiRequestInspector.extraBytes} and otherwise ignored.
 */
export class UwsgiRequestInspector {
  readonly #decoder: UwsgiRequestDecoder;
  readonly #header = Buffer.alloc(HEADER_LENGTH);
  #headerFill = 0;
  #vars: [string, string][] | null = null;
  #body: StreamSummarizer | null = null;
  #error: InspectionError | null = null;
  #result: UwsgiRequestInspection | null = null;

  /**
   * @param decoderOptions passed to the decoder over the permissive defaults (`maxVarsBytes`
   *   65535, `maxVars` Infinity)
   */
  constructor(decoderOptions: UwsgiDecoderOptions = {}) {
    this.#decoder = new UwsgiRequestDecoder(
      {
        onRequest: (_modifier1, _modifier2, vars) => {
          this.#vars = vars.toArray();
          this.#body = new StreamSummarizer();
        },
        onBody: (chunk) => this.#body?.update(chunk),
        onBodyEnd: () => this.#body?.terminate(),
        onError: (err) => {
          this.#error = toInspectionError(err);
        },
      },
      { maxVarsBytes: MAX_VARS_BLOCK_SIZE, maxVars: Number.POSITIVE_INFINITY, ...decoderOptions },
    );
  }

  /** Bytes that followed the body (valid after {@link finish}). */
  get extraBytes(): number {
    return this.#decoder.extraBytes;
  }

  /** Feeds the next bytes of the connection. */
  push(chunk: Uint8Array): void {
    if (this.#result !== null) throw new Error('UwsgiRequestInspector: push() after finish()');
    const buf = asBuffer(chunk);
    if (this.#headerFill < HEADER_LENGTH) {
      const take = Math.min(HEADER_LENGTH - this.#headerFill, buf.length);
      buf.copy(this.#header, this.#headerFill, 0, take);
      this.#headerFill += take;
    }
    this.#decoder.push(buf);
  }

  /** Marks EOF and returns the inspection. Later calls return the same object. */
  finish(): UwsgiRequestInspection {
    if (this.#result !== null) return this.#result;
    this.#decoder.end();
    const h = this.#headerFill === HEADER_LENGTH ? this.#header : null;
    this.#result = {
      protocol: 'uwsgi',
      modifier1: h === null ? null : (h[0] as number),
      modifier2: h === null ? null : (h[3] as number),
      // Little-endian (docs/protocols.md §3.1), as the decoder reads it.
      datasize: h === null ? null : h.readUInt16LE(1),
      vars: this.#vars,
      body: this.#body?.summary() ?? null,
      error: this.#error,
    };
    return this.#result;
  }
}

/** Inspects a whole uwsgi request given as chunks (see {@link UwsgiRequestInspector}). */
export function inspectUwsgiRequest(chunks: Iterable<Uint8Array>, decoderOptions?: UwsgiDecoderOptions): UwsgiRequestInspection {
  const inspector = new UwsgiRequestInspector(decoderOptions);
  for (const chunk of chunks) inspector.push(chunk);
  return inspector.finish();
}

/** Inspects the response a uwsgi application wrote (see `ResponseInspector`). */
export function inspectUwsgiResponse(chunks: Iterable<Uint8Array>): ResponseInspection {
  return inspectResponse('uwsgi', chunks);
}
