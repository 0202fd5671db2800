import type { Socket } from 'node:net';
import type { ParamList } from '@gw/core';
import type { ScgiDecoderOptions } from '../options.js';
import { ScgiRequestDecoder, type ScgiRequestHandler } from '../request-decoder.js';
import { ScgiRequest } from './scgi-request.js';
import { SingleRequestConnection, type SingleRequestHost } from '@gw/core';

/** What an SCGI connection needs from its server beyond the shared host. */
export interface ScgiConnectionHost extends SingleRequestHost<ScgiRequest> {
  readonly decoderOptions: ScgiDecoderOptions;
  /** A request without `SCGI: 1` was accepted (lenient mode). */
  scgiMarkerMissing(request: ScgiRequest): void;
}

/**
 * One SCGI connection: the netstring and body go through ScgiRequestDecoder (which checks the
 * header size before buffering and reports every malformation with a typed error); the request
 * lifecycle, backpressure and close are SingleRequestConnection's.
 */
export class ScgiConnection extends SingleRequestConnection<ScgiRequest> implements ScgiRequestHandler {
  readonly #scgiHost: ScgiConnectionHost;
  readonly #decoder: ScgiRequestDecoder;

  constructor(socket: Socket, host: ScgiConnectionHost) {
    super(socket, host);
    this.#scgiHost = host;
    this.#decoder = new ScgiRequestDecoder(this, host.decoderOptions);
  }

  protected decode(chunk: Buffer): void {
    this.#decoder.push(chunk);
  }

  protected endOfInput(): void {
    this.#decoder.end();
  }

  protected extraInput(): number {
    return this.#decoder.extraBytes;
  }

  onHeaders(headers: ParamList, contentLength: number): void {
    const missing = this.#decoder.scgiMarkerMissing;
    const request = new ScgiRequest(this, headers, contentLength, missing);
    if (missing) this.#scgiHost.scgiMarkerMissing(request);
    this.beginRequest(request, contentLength);
  }
}
