import type { Socket } from 'node:net';
import type { RequestExchange } from '@gw/core';
import { resolveDecoderLimits } from '../limits.js';
import { defaultModifierDisposition, type ModifierDisposition } from '../modifiers.js';
import { UwsgiServerErrorCode } from './error-codes.js';
import { UwsgiConnection, type UwsgiConnectionHost } from './server-connection.js';
import { SingleRequestServer, type SingleRequestServerOptions, type ParamList } from '@gw/core';
import { createServerDispatcher, type Dispatcher, type NodeRequestListener, type ServerHandlerOptions } from '@gw/node-http';
import type { UwsgiRequest } from './uwsgi-request.js';

/** Decides what the server does with a packet, by its modifiers (see `defaultModifierDisposition`). */
export type ModifierPolicy = (modifier1: number, modifier2: number) => ModifierDisposition;

/** Options of `createServer` (uwsgi). */
export interface UwsgiServerOptions extends SingleRequestServerOptions, ServerHandlerOptions {
  /**
   * Largest vars block (datasize) accepted, checked as soon as the 4-byte header is read.
   * Default 4096 (uWSGI's default `buffer-size`); up to 65535 (datasize is a u16).
   */
  maxVarsBytes?: number;
  /** Most vars in one block. Default 1000. */
  maxVars?: number;
  /**
   * Which modifier1/modifier2 values are served. Default `defaultModifierDisposition`: 0 served,
   * 30 served with SCRIPT_NAME stripped from the front of PATH_INFO, anything else refused
   * ('clientError' `UWSGI_ERR_UNSUPPORTED_MODIFIER`, connection closed, as uWSGI does).
   */
  modifierPolicy?: ModifierPolicy;
  /**
   * Receives each request the policy serves and returns the handler's side of it: the hook the
   * node:http and Fetch adapters plug into. Without it, requests go to `fetch` if given, else to
   * the 'request' event as node:http (req, res).
   */
  handleRequest?: (request: UwsgiRequest, server: UwsgiServer) => RequestExchange;
}

/**
 * A uwsgi application server: a `net.Server` whose connections each carry one uwsgi packet and
 * its body (protocols.md §3). Listen on TCP (`listen(3031, '127.0.0.1')`), on a unix socket
 * (`listen('/run/app.sock')`, see `socketMode`), or on an inherited socket (`listen({ fd: 0 })`).
 * Responses start with an HTTP/1.x status line (`request.headFormat === 'http'`).
 *
 * Events, besides net.Server's:
 * - `'clientError'` (err: GatewayError, socket): bad input (any `UWSGI_ERR_*` decoder code, e.g.
 *   `UWSGI_ERR_VARS_TOO_LARGE`), a refused modifier, a truncated request
 *   (`UWSGI_ERR_INCOMPLETE_BODY` also aborts the exchange), a timeout, or a peer not allowed.
 *   The connection is closed; nothing is thrown.
 * - `'requestError'` (err, request): `UWSGI_ERR_BODY_TOO_LARGE`, `UWSGI_ERR_HANDLER_TIMEOUT`.
 */
export class UwsgiServer extends SingleRequestServer<UwsgiRequest> implements UwsgiConnectionHost {
  readonly headFormat = 'http' as const;
  readonly decoderOptions: { readonly maxVarsBytes: number; readonly maxVars: number };
  readonly #modifierPolicy: ModifierPolicy;
  readonly #handleRequest: UwsgiServerOptions['handleRequest'];
  readonly #dispatch: Dispatcher;

  /**
   * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for an option out of range or an
   *   `allowedPeers` entry that is not an address or CIDR range
   */
  constructor(options: UwsgiServerOptions = {}, listener?: NodeRequestListener) {
    super(options, 'uwsgi', UwsgiServerErrorCode);
    // Validated once here, not on each connection's decoder.
    this.decoderOptions = resolveDecoderLimits(options);
    this.#modifierPolicy = options.modifierPolicy ?? defaultModifierDisposition;
    this.#handleRequest = options.handleRequest;
    this.#dispatch = createServerDispatcher(this, options, this.limits.bodyHighWaterMark);
    if (listener !== undefined) this.on('request', listener);
  }

  dispatch(request: UwsgiRequest): RequestExchange | undefined {
    if (this.#handleRequest !== undefined) return this.#handleRequest(request, this);
    return this.#dispatch(request.params as ParamList, request);
  }

  modifierDisposition(modifier1: number, modifier2: number): ModifierDisposition {
    return this.#modifierPolicy(modifier1, modifier2);
  }

  protected openConnection(socket: Socket): UwsgiConnection {
    return new UwsgiConnection(socket, this);
  }
}
