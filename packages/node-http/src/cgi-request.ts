import { type ParamList, ProtocolError } from '@gw/core';
import { CONTENT_LENGTH_VARIABLE, CONTENT_TYPE_VARIABLE } from './cgi-headers.js';
import { HOST_ID, headerNameOf, WELL_KNOWN_CGI_NAMES } from './header-name.js';
import { NameTable } from './name-table.js';
import { encodePath } from './path-encoding.js';

/**
 * What node:http would know about a request after parsing its request line and connection,
 * read from CGI meta-variables (RFC 3875 §4.1 and the de-facto variables of protocols.md §4.1).
 * Headers are read separately ({@link readCgiHeaders}) so that they can be built lazily.
 */
export interface CgiRequest {
  /** REQUEST_METHOD, as sent (case-sensitive token, RFC 3875 §4.1.12). */
  method: string;
  /** The request target: REQUEST_URI, or SCRIPT_NAME + PATH_INFO re-encoded plus `?QUERY_STRING`. */
  url: string;
  /** `'1.1'` for `HTTP/1.1`; `'1.1'` too when SERVER_PROTOCOL is absent or not `HTTP/d[.d]`. */
  httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  /** REMOTE_ADDR; undefined when empty or a Unix-socket peer (`unix:`), as node reports for those. */
  remoteAddress: string | undefined;
  /** `'IPv6'` when remoteAddress contains a colon, `'IPv4'` otherwise; undefined with no address. */
  remoteFamily: string | undefined;
  /** REMOTE_PORT as a number; undefined when absent, empty or not a port. */
  remotePort: number | undefined;
  /** SERVER_ADDR, or undefined. */
  localAddress: string | undefined;
  /** SERVER_PORT as a number, or undefined. */
  localPort: number | undefined;
  /** True when HTTPS is `on` (any case) or `1`, or REQUEST_SCHEME is `https`. */
  encrypted: boolean;
  /** CONTENT_LENGTH as a number; undefined when absent or empty (length unknown). */
  contentLength: number | undefined;
  /** Host for absolute URLs: HTTP_HOST, else SERVER_NAME[:SERVER_PORT]; undefined when neither. */
  host: string | undefined;
  /**
   * Where CONTENT_TYPE and CONTENT_LENGTH are in the params (last occurrence; -1 = absent), so
   * that {@link readCgiHeaders} need not search for them again.
   */
  contentTypeIndex: number;
  contentLengthIndex: number;
  /**
   * The variables that may become headers, as `findCgiHeaders` (cgi-headers.ts) lists them,
   * found in the same pass, so that building `rawHeaders` need not look at every name again.
   */
  headerVariables: number[];
}

// The variables readCgiRequest uses; HTTP_HOST is a header (HEADER_BASE + HOST_ID).
const V_HTTPS = 0;
const V_PATH_INFO = 1;
const V_REQUEST_URI = 2;
const V_REMOTE_ADDR = 3;
const V_REMOTE_PORT = 4;
const V_SCRIPT_NAME = 5;
const V_SERVER_ADDR = 6;
const V_SERVER_PORT = 7;
const V_SERVER_NAME = 8;
const V_QUERY_STRING = 9;
const V_CONTENT_TYPE = 10;
const V_REQUEST_METHOD = 11;
const V_CONTENT_LENGTH = 12;
const V_REQUEST_SCHEME = 13;
const V_SERVER_PROTOCOL = 14;
/** Codes from here on are well-known headers: HEADER_BASE + their id. */
const HEADER_BASE = 15;
const CGI_NAMES = new NameTable<number>(
  [
    ['HTTPS', V_HTTPS],
    ['PATH_INFO', V_PATH_INFO],
    ['REQUEST_URI', V_REQUEST_URI],
    ['REMOTE_ADDR', V_REMOTE_ADDR],
    ['REMOTE_PORT', V_REMOTE_PORT],
    ['SCRIPT_NAME', V_SCRIPT_NAME],
    ['SERVER_ADDR', V_SERVER_ADDR],
    ['SERVER_PORT', V_SERVER_PORT],
    ['SERVER_NAME', V_SERVER_NAME],
    ['QUERY_STRING', V_QUERY_STRING],
    ['CONTENT_TYPE', V_CONTENT_TYPE],
    ['REQUEST_METHOD', V_REQUEST_METHOD],
    ['CONTENT_LENGTH', V_CONTENT_LENGTH],
    ['REQUEST_SCHEME', V_REQUEST_SCHEME],
    ['SERVER_PROTOCOL', V_SERVER_PROTOCOL],
    ...WELL_KNOWN_CGI_NAMES.map(([cgiName, name]) => [cgiName, HEADER_BASE + name.id] as const),
  ],
  -1,
);

/** readCgiRequest's list of header variables while it is being collected (numbers only). */
const FOUND: number[] = [];

/** Code of the error thrown for CGI variables that cannot describe an HTTP request. */
export const BAD_REQUEST = 'GW_ERR_BAD_REQUEST';

/**
 * Reads the request facts from CGI variables in one pass over the names. A repeated variable
 * keeps its last value, like {@link ParamList.get}.
 *
 * @throws ProtocolError `GW_ERR_BAD_REQUEST` when REQUEST_METHOD is missing or not an HTTP token
 *   (Go's net/http/cgi rejects the former too), or CONTENT_LENGTH is neither empty nor decimal digits.
 */
export function readCgiRequest(params: ParamList): CgiRequest {
  // Indexes of the variables we use; -1 = absent. Strings are decoded only for these.
  let method = -1;
  let requestUri = -1;
  let scriptName = -1;
  let pathInfo = -1;
  let queryString = -1;
  let protocol = -1;
  let remoteAddr = -1;
  let remotePort = -1;
  let serverAddr = -1;
  let serverPort = -1;
  let serverName = -1;
  let https = -1;
  let scheme = -1;
  let contentLength = -1;
  let httpHost = -1;
  let contentType = -1;
  // Collected in a module-level scratch list (this function calls out to no one who could re-enter
  // it) and copied out at its exact size: an array grown by push reserves room for 17 numbers,
  // where a request usually has one to three headers (two numbers each).
  const found = FOUND;
  let foundLength = 0;
  const n = params.length;
  // One lookup per name finds both the variables read here and the headers (name-table.ts: no
  // hashing, no chain of string comparisons); most others (DOCUMENT_ROOT, SERVER_SOFTWARE) are
  // rejected by their length and one byte. The lookup reads the name's bytes where they lie: no
  // string is made for a name unless it is an HTTP_* variable outside the table.
  for (let i = 0; i < n; i++) {
    const code = params.matchName(i, CGI_NAMES);
    if (code >= HEADER_BASE) {
      const id = code - HEADER_BASE;
      if (id === HOST_ID) httpHost = i;
      found[foundLength++] = i;
      found[foundLength++] = id;
      continue;
    }
    switch (code) {
      case V_HTTPS:
        https = i;
        break;
      case V_PATH_INFO:
        pathInfo = i;
        break;
      case V_REQUEST_URI:
        requestUri = i;
        break;
      case V_REMOTE_ADDR:
        remoteAddr = i;
        break;
      case V_REMOTE_PORT:
        remotePort = i;
        break;
      case V_SCRIPT_NAME:
        scriptName = i;
        break;
      case V_SERVER_ADDR:
        serverAddr = i;
        break;
      case V_SERVER_PORT:
        serverPort = i;
        break;
      case V_SERVER_NAME:
        serverName = i;
        break;
      case V_QUERY_STRING:
        queryString = i;
        break;
      case V_CONTENT_TYPE:
        contentType = i;
        found[foundLength++] = i;
        found[foundLength++] = CONTENT_TYPE_VARIABLE;
        break;
      case V_REQUEST_METHOD:
        method = i;
        break;
      case V_CONTENT_LENGTH:
        contentLength = i;
        found[foundLength++] = i;
        found[foundLength++] = CONTENT_LENGTH_VARIABLE;
        break;
      case V_REQUEST_SCHEME:
        scheme = i;
        break;
      case V_SERVER_PROTOCOL:
        protocol = i;
        break;
      default:
        // An HTTP_* variable outside the well-known table (or a well-known one spelled otherwise).
        if (params.nameLength(i) > 5 && params.nameStartsWith(i, 'HTTP_')) {
          found[foundLength++] = i;
          found[foundLength++] = headerNameOf(params.name(i)).id;
        }
    }
  }

  const methodValue = method < 0 ? '' : params.value(method);
  if (!isToken(methodValue)) {
    throw new ProtocolError(BAD_REQUEST, method < 0 ? 'REQUEST_METHOD is missing' : `REQUEST_METHOD ${JSON.stringify(methodValue)} is not an HTTP token`);
  }
  const version = parseVersion(protocol < 0 ? '' : params.value(protocol));
  const address = remoteAddr < 0 ? undefined : peerAddress(params.value(remoteAddr));
  const localPort = serverPort < 0 ? undefined : parsePort(params.value(serverPort));
  const hostHeader = httpHost < 0 ? '' : params.value(httpHost);
  return {
    method: methodValue,
    url: requestUrl(params, requestUri, scriptName, pathInfo, queryString),
    httpVersion: version === HTTP_1_1 ? '1.1' : `${version >> 8}.${version & 0xff}`,
    httpVersionMajor: version >> 8,
    httpVersionMinor: version & 0xff,
    remoteAddress: address,
    remoteFamily: address === undefined ? undefined : address.includes(':') ? 'IPv6' : 'IPv4',
    remotePort: remotePort < 0 ? undefined : parsePort(params.value(remotePort)),
    localAddress: serverAddr < 0 ? undefined : peerAddress(params.value(serverAddr)),
    localPort,
    encrypted: isOn(https < 0 ? '' : params.value(https)) || (scheme >= 0 && isHttps(params.value(scheme))),
    contentLength: contentLength < 0 ? undefined : parseContentLength(params.value(contentLength)),
    host: hostHeader !== '' ? hostHeader : serverHost(params, serverName, localPort),
    contentTypeIndex: contentType,
    contentLengthIndex: contentLength,
    headerVariables: found.slice(0, foundLength),
  };
}

/**
 * The request target. protocols.md §7.4: prefer REQUEST_URI (the raw, still-encoded target with
 * its query); otherwise rebuild it (§6 #86). RFC 3875 cannot tell `/x` from `/x?`, so an empty
 * QUERY_STRING adds nothing.
 */
function requestUrl(params: ParamList, requestUri: number, scriptName: number, pathInfo: number, queryString: number): string {
  if (requestUri >= 0) {
    const uri = params.value(requestUri);
    if (uri !== '') return uri;
  }
  let path = (scriptName < 0 ? '' : params.value(scriptName)) + (pathInfo < 0 ? '' : params.value(pathInfo));
  path = path === '' ? '/' : encodePath(path);
  const query = queryString < 0 ? '' : params.value(queryString);
  return query === '' ? path : `${path}?${query}`;
}

// Versions are packed as major << 8 | minor.
const HTTP_1_1 = 0x0101;

/**
 * `HTTP/1.1` → 0x0101. Anything else (absent, `INCLUDED` from SSI, garbage) reads as HTTP/1.1:
 * RFC 3875 §4.1.16 says the variable never changes the response format, and 1.1 is what every
 * web server we face speaks to its clients, so node's HTTP/1.0 special cases stay off.
 */
function parseVersion(protocol: string): number {
  // HTTP/d or HTTP/d.d (nginx sends HTTP/2.0 and HTTP/3.0; an HTTP/2 front may say HTTP/2).
  if (protocol.length !== 6 && protocol.length !== 8) return HTTP_1_1;
  if (!protocol.startsWith('HTTP/')) return HTTP_1_1;
  const major = protocol.charCodeAt(5) - 0x30;
  if (major < 0 || major > 9) return HTTP_1_1;
  if (protocol.length === 6) return major << 8;
  const minor = protocol.charCodeAt(7) - 0x30;
  if (protocol.charCodeAt(6) !== 0x2e /* . */ || minor < 0 || minor > 9) return HTTP_1_1;
  return (major << 8) | minor;
}

/** REMOTE_ADDR / SERVER_ADDR: nginx sends `unix:` for Unix-socket peers (protocols.md §4.1, §6 #89). */
function peerAddress(value: string): string | undefined {
  return value === '' || value.startsWith('unix:') ? undefined : value;
}

/** A TCP port: 1..5 decimal digits, at most 65535. */
function parsePort(value: string): number | undefined {
  if (value.length === 0 || value.length > 5) return undefined;
  const port = digits(value);
  return port >= 0 && port <= 65535 ? port : undefined;
}

/**
 * RFC 3875 §4.1.2: CONTENT_LENGTH is decimal digits. nginx sends `""` for bodyless requests and
 * for unbuffered chunked bodies (protocols.md §4.1), which means "unknown": read to the end.
 */
function parseContentLength(value: string): number | undefined {
  if (value === '') return undefined;
  const length = value.length <= 15 ? digits(value) : -1; // 15 digits stay below 2^53
  if (length < 0) throw new ProtocolError(BAD_REQUEST, `CONTENT_LENGTH ${JSON.stringify(value.slice(0, 20))} is not a decimal number`);
  return length;
}

/** Value of a string of ASCII digits, or -1 if it has anything else. */
function digits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** REQUEST_SCHEME `https`, in any case (lower-cased only when it could be: `http` never is). */
function isHttps(scheme: string): boolean {
  return scheme.length === 5 && (scheme === 'https' || scheme.toLowerCase() === 'https');
}

/** HTTPS: nginx and Apache send `on`; Go's net/http/cgi also accepts `ON` and `1`. */
function isOn(value: string): boolean {
  return value === '1' || (value.length === 2 && value.toLowerCase() === 'on');
}

/** RFC 3875 §4.1.14: SERVER_NAME (and SERVER_PORT) name the host the client targeted. */
function serverHost(params: ParamList, serverName: number, port: number | undefined): string | undefined {
  const name = serverName < 0 ? '' : params.value(serverName);
  if (name === '') return undefined;
  return port === undefined ? name : `${name}:${port}`;
}

// RFC 9110 §5.6.2 tchar: the characters a method may contain.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/** True for a non-empty RFC 9110 token. */
function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 127 || TCHAR[c] !== 1) return false;
  }
  return true;
}
