import type { Socket } from 'node:net';
import { ProtocolError, type RequestExchange } from '@gw/core';
import { ScgiErrorCode } from '../constants.js';
import { resolveDecoderOptions, type ScgiMode } from '../options.js';
import { ScgiServerErrorCode } from './error-codes.js';
import type { ScgiRequest } from './scgi-request.js';
import { ScgiConnection, type ScgiConnectionHost } from './server-connection.js';
import { SingleRequestServer, type SingleRequestServerOptions, type ParamList } from '@gw/core';
import { createServerDispatcher, type Dispatcher, type NodeRequestListener, type ServerHandlerOptions } from '@gw/node-http';

/** Options of `createServer` (SCGI). */
export interface ScgiServerOptions extends SingleRequestServerOptions, ServerHandlerOptions {
  /**
   * Request parsing policy (see the decoder's rules): `'strict'` follows protocol.txt to the
   * letter; `'lenient'` also serves what real web servers send (no `SCGI` header, leading zeros,
   * repeated names). Default `'lenient'`.
   */
  mode?: ScgiMode;
  /** Largest header netstring accepted, checked digit by digit before buffering. Default 65536 (1 .. 16 MiB). */
  maxHeaderBytes?: number;
  /**
   * Receives each request whose head is valid and returns the handler's side of it: the hook the
   * node:http and Fetch adapters plug into. Without it, requests go to `fetch` if given, else to
   * the 'request' event as node:http (req, res).
   */
  handleRequest?: (request: ScgiRequest, server: ScgiServer) => RequestExchange;
}

/**
 * An SCGI application server: a `net.Server` whose connections each carry one SCGI request
 * (protocols.md §2). Listen on TCP (`listen(4000, '127.0.0.1')`), on a unix socket
 * (`listen('/run/app.sock')`, see `socketMode`), or on an inherited socket (`listen({ fd: 0 })`).
 *
 * Events, besides net.Server's:
 * - `'clientError'` (err: GatewayError, socket): bad input (any `SCGI_ERR_*` decoder code, e.g.
 *   `SCGI_ERR_EXPECTED_COMMA`), a truncated request (`SCGI_ERR_INCOMPLETE_BODY` also aborts the
 *   exchange), a timeout, or a peer not allowed. The connection is closed; nothing is thrown.
 * - `'requestError'` (err, request): `SCGI_ERR_BODY_TOO_LARGE`, `SCGI_ERR_HANDLER_TIMEOUT`.
 * - `'warning'` (err: ProtocolError `SCGI_ERR_MISSING_SCGI`, request): once per server, for the
 *   first request served without `SCGI: 1` in lenient mode (nginx without `include scgi_params`).
 *   Every such request also has `request.scgiMarkerMissing` set.
 */
export class ScgiServer extends SingleRequestServer<ScgiRequest> implements ScgiConnectionHost {
  readonly headFormat = 'cgi' as const;
  readonly decoderOptions: { readonly mode: ScgiMode; readonly maxHeaderBytes: number };
  readonly #handleRequest: ScgiServerOptions['handleRequest'];
  readonly #dispatch: Dispatcher;
  #warnedMissingMarker = false;

  /**
   * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for an option out of range, an unknown
   *   `mode`, or an `allowedPeers` entry that is not an address or CIDR range
   */
  constructor(options: ScgiServerOptions = {}, listener?: NodeRequestListener) {
    super(options, 'SCGI', ScgiServerErrorCode);
    // Validated once here, not on each connection's decoder.
    const decoder = resolveDecoderOptions(options);
    this.decoderOptions = { mode: decoder.strict ? 'strict' : 'lenient', maxHeaderBytes: decoder.maxHeaderBytes };
    this.#handleRequest = options.handleRequest;
    this.#dispatch = createServerDispatcher(this, options, this.limits.bodyHighWaterMark);
    if (listener !== undefined) this.on('request', listener);
  }

  dispatch(request: ScgiRequest): RequestExchange | undefined {
    if (this.#handleRequest !== undefined) return this.#handleRequest(request, this);
    return this.#dispatch(request.params as ParamList, request);
  }

  scgiMarkerMissing(request: ScgiRequest): void {
    if (this.#warnedMissingMarker) return;
    this.#warnedMissingMarker = true;
    const warning = new ProtocolError(ScgiErrorCode.MISSING_SCGI, 'SCGI: request without an "SCGI: 1" header served (lenient mode); is scgi_params included?');
    this.emit('warning', warning, request);
  }

  protected openConnection(socket: Socket): ScgiConnection {
    return new ScgiConnection(socket, this);
  }
}
