import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ResponseSink } from './sink.js';
import type { ParamList } from '@gw/core';
import { readCgiRawHeaders } from './cgi-headers.js';
import type { CgiRequest } from './cgi-request.js';
import type { GatewaySocket } from './gateway-socket.js';
import { setRawRequestHeaders } from './internals.js';

/**
 * A real `http.IncomingMessage` built from CGI variables (the serverless-http
 * `ServerlessRequest extends IncomingMessage` pattern, style.md §5). Its body is pushed by the
 * exchange with the Readable's own `push()`.
 *
 * The class adds no methods on purpose: Express swaps the prototype of every request for its own
 * (which inherits from IncomingMessage, not from us), so anything the adapter needs lives in own
 * fields, in node's own code paths, or on the socket. For the same reason only `rawHeaders` is
 * built here: `headers` and `headersDistinct` are node's own lazy getters on IncomingMessage's
 * prototype (which Express's request inherits), made from rawHeaders when first read, as for a
 * request node's parser read. (Per-instance lazy accessors measured ~2 µs per request.)
 */
export class GatewayIncomingMessage extends IncomingMessage {
  /** The CGI variables this request was built from (SCRIPT_FILENAME, DOCUMENT_ROOT, …). */
  readonly cgiParams: ParamList;
  /**
   * The gateway server's own object for this request (its ResponseSink): protocol details such
   * as a FastCGI request's `role`, `requestId` and `stderr` stream, or uwsgi's modifiers.
   */
  readonly gateway: ResponseSink;

  /**
   * @param socket the exchange's socket (`req.socket`, shared with the response)
   * @param request facts read by readCgiRequest
   * @param params the CGI variables (kept as {@link cgiParams})
   * @param gateway the server's side of the request (kept as {@link gateway})
   */
  constructor(socket: GatewaySocket, request: CgiRequest, params: ParamList, gateway: ResponseSink) {
    super(socket as unknown as Socket);
    this.method = request.method;
    this.url = request.url;
    this.httpVersion = request.httpVersion;
    this.httpVersionMajor = request.httpVersionMajor;
    this.httpVersionMinor = request.httpVersionMinor;
    this.cgiParams = params;
    this.gateway = gateway;
    setRawRequestHeaders(this, readCgiRawHeaders(params, request.contentTypeIndex, request.contentLengthIndex, request.headerVariables));
  }
}
