import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { appendHeaderParams } from './header-params.js';
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
  const flat = buildCgiParamArray(input);
  const params = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) params.set(flat[i] as string, flat[i + 1] as string);
  return params;
}

/**
 * `buildCgiParams` as one flat array, name then value, each name once: the shape the protocol
 * clients encode without a tuple or a Map per request (what the proxy handler sends).
 */
export function buildCgiParamArray(input: CgiParamsInput): string[] {
  const { req, path, script } = input;
  const socket = req.socket;
  const tls = (socket as TLSSocket).encrypted === true;
  const headers = req.headers;
  const fastcgi = input.scheme === 'fastcgi';
  const out: string[] = [
    'QUERY_STRING',
    path.query,
    'REQUEST_METHOD',
    req.method ?? '',
    'CONTENT_TYPE',
    joined(headers['content-type']),
    'CONTENT_LENGTH',
    input.contentLength,
    fastcgi ? 'SCRIPT_FILENAME' : 'SCRIPT_NAME',
    fastcgi ? script.filename : '',
    fastcgi ? 'SCRIPT_NAME' : 'PATH_INFO',
    fastcgi ? script.name : path.uri,
  ];
  if (fastcgi && script.pathInfo !== undefined) out.push('PATH_INFO', script.pathInfo);
  out.push(
    'REQUEST_URI',
    input.requestUri,
    'DOCUMENT_URI',
    path.uri,
    'DOCUMENT_ROOT',
    input.documentRoot,
    'SERVER_PROTOCOL',
    req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
    'REQUEST_SCHEME',
    tls ? 'https' : 'http',
  );
  // fastcgi_params: `HTTPS $https if_not_empty`.
  if (tls) out.push('HTTPS', 'on');
  const localAddress = plainAddress(socket.localAddress);
  out.push(
    'GATEWAY_INTERFACE',
    'CGI/1.1',
    'SERVER_SOFTWARE',
    input.serverSoftware,
    // A unix-socket listener has no addresses: nginx sends `unix:` and an empty port.
    'REMOTE_ADDR',
    plainAddress(socket.remoteAddress) ?? 'unix:',
    'REMOTE_PORT',
    socket.remotePort === undefined ? '' : String(socket.remotePort),
    'SERVER_ADDR',
    localAddress ?? 'unix:',
    'SERVER_PORT',
    socket.localPort === undefined ? '' : String(socket.localPort),
    'SERVER_NAME',
    input.serverName ?? hostName(joined(headers.host)) ?? localAddress ?? '',
    // php-cgi's force-cgi-redirect check (fastcgi_params sends it on every request).
    'REDIRECT_STATUS',
    '200',
  );
  const extra = input.extra;
  // nginx: a configured `fastcgi_param HTTP_FOO` suppresses the client's `Foo` header.
  appendHeaderParams(out, req.rawHeaders, extra);
  if (extra !== undefined) {
    for (const name of Object.keys(extra)) {
      const value = extra[name] as string;
      const at = indexOfName(out, name);
      if (at === -1) out.push(name, value);
      else out[at + 1] = value;
    }
  }
  return out;
}

/** Index of the name `name` in a flat params array, or -1. */
function indexOfName(flat: readonly string[], name: string): number {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return i;
  return -1;
}

function joined(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack listener) → `1.2.3.4`, as apps expect. */
function plainAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Host header without its port (and without IPv6 brackets' port). */
function hostName(host: string): string | undefined {
  if (host === '') return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}
