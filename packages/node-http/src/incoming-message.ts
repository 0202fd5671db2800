import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ResponseSink } from './sink.js';
import type { ParamList } from '@gw/core';
import { readCgiHeaders } from './cgi-headers.js';
import type { CgiRequest } from './cgi-request.js';
import type { GatewaySocket } from './gateway-socket.js';
import { setRequestHeaders } from './internals.js';

/**
 * A real `http.IncomingMessage` built from CGI variables (the serverless-http
 * `ServerlessRequest extends IncomingMessage` pattern, style.md §5). Its body is pushed by the
 * exchange with the Readable's own `push()`.
 *
 * The class adds no methods on purpose: Express swaps the prototype of every request for its own
 * (which inherits from IncomingMessage, not from us), so anything the adapter needs lives in own
 * fields, in node's own code paths, or on the socket. For the same reason the headers are built
 * eagerly: per-instance lazy accessors (Object.defineProperties) measured ~2 µs per request, more
 * than building the ~20 headers of a browser request.
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
    const { headers, rawHeaders } = readCgiHeaders(params, request.contentTypeIndex, request.contentLengthIndex);
    setRequestHeaders(this, headers, rawHeaders);
  }
}
