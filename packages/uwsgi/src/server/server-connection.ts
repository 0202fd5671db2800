import type { Socket } from 'node:net';
import { type ParamList, ProtocolError } from '@gw/core';
import type { UwsgiDecoderOptions } from '../limits.js';
import { type ModifierDisposition, modifier1Name } from '../modifiers.js';
import { UwsgiRequestDecoder, type UwsgiRequestHandler } from '../request-decoder.js';
import { UwsgiServerErrorCode } from './error-codes.js';
import { stripScriptName } from './script-name.js';
import { SingleRequestConnection, type SingleRequestHost } from '@gw/core';
import { UwsgiRequest } from './uwsgi-request.js';

/** What a uwsgi connection needs from its server beyond the shared host. */
export interface UwsgiConnectionHost extends SingleRequestHost<UwsgiRequest> {
  readonly decoderOptions: UwsgiDecoderOptions;
  /** The modifier policy: what to do with a packet of this modifier1/modifier2. */
  modifierDisposition(modifier1: number, modifier2: number): ModifierDisposition;
}

/**
 * One uwsgi connection: the packet goes through UwsgiRequestDecoder (datasize checked against
 * maxVarsBytes before any vars byte is held, body read by CONTENT_LENGTH), the modifier policy
 * decides whether it is served; the request lifecycle, backpressure and close are
 * SingleRequestConnection's.
 */
export class UwsgiConnection extends SingleRequestConnection<UwsgiRequest> implements UwsgiRequestHandler {
  readonly #uwsgiHost: UwsgiConnectionHost;
  readonly #decoder: UwsgiRequestDecoder;

  constructor(socket: Socket, host: UwsgiConnectionHost) {
    super(socket, host);
    this.#uwsgiHost = host;
    this.#decoder = new UwsgiRequestDecoder(this, host.decoderOptions);
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

  onRequest(modifier1: number, modifier2: number, vars: ParamList, contentLength: number): void {
    const disposition = this.#uwsgiHost.modifierDisposition(modifier1, modifier2);
    if (disposition !== 'serve' && disposition !== 'serve-strip-script-name') {
      // uWSGI logs "unavailable modifier requested" and drops the connection (nginx: 502).
      const name = modifier1Name(modifier1) ?? 'unnamed';
      const err = new ProtocolError(UwsgiServerErrorCode.UNSUPPORTED_MODIFIER, `uwsgi: modifier1 ${modifier1} (${name}) is not served`, { offset: 0 });
      this.onError(err);
      return;
    }
    const params = disposition === 'serve' ? vars : stripScriptName(vars);
    this.beginRequest(new UwsgiRequest(this, params, contentLength, modifier1, modifier2), contentLength);
  }
}
