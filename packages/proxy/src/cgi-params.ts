import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { headerParams } from './header-params.js';
import type { RequestPath } from './request-path.js';
import type { UpstreamScheme } from './upstream-url.js';

/** Where the request goes in the document root: what `SCRIPT_FILENAME` and friends say. */
export interface ScriptTarget {
  /** `SCRIPT_FILENAME`: the file the app runs. */
  filename: string;
  /** `SCRIPT_NAME`: its URI path. */
  name: string;
  /** `PATH_INFO`, when the URI continues past the script (`fastcgi_split_path_info`). */
  pathInfo?: string | undefined;
}

/** Inputs of the params builder. */
export interface CgiParamsInput {
  req: IncomingMessage;
  scheme: UpstreamScheme;
  path: RequestPath;
  /** REQUEST_URI: the request target as the client sent it. */
  requestUri: string;
  documentRoot: string;
  script: ScriptTarget;
  /** CONTENT_LENGTH to send: the body's length, or '' without a body (what nginx sends). */
  contentLength: string;
  serverName: string | undefined;
  serverSoftware: string;
  /** Extra params; they replace same-named ones, and an `HTTP_*` one replaces the client's header. */
  extra: Record<string, string> | undefined;
}

/**
 * The CGI params nginx sends with `include fastcgi.conf` (fastcgi_params + SCRIPT_FILENAME), in
 * that order, then one `HTTP_*` per request header. For SCGI and uwsgi the set follows nginx's
 * scgi_params / uwsgi_params: no SCRIPT_FILENAME, and PATH_INFO = the URI (a WSGI app routes on
 * it), SCRIPT_NAME empty.
 */
export function buildCgiParams(input: CgiParamsInput): Map<string, string> {
  const { req, path, script } = input;
  const socket = req.socket;
  const tls = (socket as TLSSocket).encrypted === true;
  const params = new Map<string, string>();
  const set = (name: string, value: string | undefined) => params.set(name, value ?? '');

  set('QUERY_STRING', path.query);
  set('REQUEST_METHOD', req.method);
  set('CONTENT_TYPE', header(req, 'content-type'));
  set('CONTENT_LENGTH', input.contentLength);
  if (input.scheme === 'fastcgi') {
    set('SCRIPT_FILENAME', script.filename);
    set('SCRIPT_NAME', script.name);
    if (script.pathInfo !== undefined) set('PATH_INFO', script.pathInfo);
  } else {
    set('SCRIPT_NAME', '');
    set('PATH_INFO', path.uri);
  }
  set('REQUEST_URI', input.requestUri);
  set('DOCUMENT_URI', path.uri);
  set('DOCUMENT_ROOT', input.documentRoot);
  set('SERVER_PROTOCOL', `HTTP/${req.httpVersion}`);
  set('REQUEST_SCHEME', tls ? 'https' : 'http');
  // fastcgi_params: `HTTPS $https if_not_empty`.
  if (tls) set('HTTPS', 'on');
  set('GATEWAY_INTERFACE', 'CGI/1.1');
  set('SERVER_SOFTWARE', input.serverSoftware);
  // A unix-socket listener has no addresses: nginx sends `unix:` and an empty port.
  set('REMOTE_ADDR', plainAddress(socket.remoteAddress) ?? 'unix:');
  set('REMOTE_PORT', socket.remotePort === undefined ? '' : String(socket.remotePort));
  set('SERVER_ADDR', plainAddress(socket.localAddress) ?? 'unix:');
  set('SERVER_PORT', socket.localPort === undefined ? '' : String(socket.localPort));
  set('SERVER_NAME', input.serverName ?? hostName(header(req, 'host')) ?? plainAddress(socket.localAddress) ?? '');
  // php-cgi's force-cgi-redirect check (fastcgi_params sends it on every request).
  set('REDIRECT_STATUS', '200');

  const extra = input.extra ?? {};
  for (const [name, value] of headerParams(req.rawHeaders)) {
    // nginx: a configured `fastcgi_param HTTP_FOO` suppresses the client's `Foo` header.
    if (!(name in extra)) params.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return params;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack listener) → `1.2.3.4`, as apps expect. */
function plainAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Host header without its port (and without IPv6 brackets' port). */
function hostName(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}
