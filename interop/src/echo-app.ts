import { STATUS_CODES } from 'node:http';
import { patternSha256 } from './body-pattern.js';

/**
 * The echo app's logic, independent of the gateway protocol and of how the app is plugged in
 * (low-level FastCGI hook today, an Express app through @gw/node-http later): it turns what a
 * request looked like into a response plan.
 *
 * Query options (in REQUEST_URI):
 *   ?status=NNN   answer with that status (100–599); for an Authorizer, non-200 denies
 *   ?size=N       answer N bytes of the deterministic pattern (body-pattern.ts) instead of JSON
 *   ?stderr=1     also write a line to the gateway's error stream (FastCGI STDERR)
 *   ?delay=MS     wait before answering (keeps requests in flight at once)
 *   ?user=NAME    Authorizer: the user name to hand back in `Variable-GW_USER`
 *   ?early=1      answer as soon as the request starts, without reading the body
 *   ?cookies=N    add N `Set-Cookie` fields (0–20), to check several same-name fields survive
 *   ?location=URL add a `Location` field (with ?status=30x: a redirect)
 */

/** Roles as the app sees them. */
export type EchoRole = 'responder' | 'authorizer' | 'filter';

/** What the app needs to know about a request. */
export interface EchoRequest {
  role: EchoRole;
  /** CGI variables in arrival order. */
  vars: ReadonlyArray<readonly [string, string]>;
  /** Transport details worth echoing (FastCGI request id, KEEP_CONN). */
  transport?: Record<string, unknown>;
}

/** The JSON body the echo app answers. */
export interface EchoDescription {
  role: EchoRole;
  method: string;
  /** REQUEST_URI. */
  url: string;
  /** CONTENT_LENGTH as sent ("" from nginx when streaming, null when absent). */
  contentLength: string | null;
  /** Every non-HTTP_ variable (CONTENT_TYPE, SCRIPT_NAME, REMOTE_USER, GW_*, …); last value wins. */
  vars: Record<string, string>;
  /** HTTP_* variables (the request headers). */
  headers: Record<string, string>;
  body: { length: number; sha256: string };
  transport: Record<string, unknown>;
}

/** Options parsed from the query string. */
export interface EchoOptions {
  status: number;
  size: number | null;
  stderr: boolean;
  delayMs: number;
  user: string;
  early: boolean;
  /** `Set-Cookie` fields to add (`gw<i>=v<i>; Path=/`). Default 0. */
  cookies: number;
  /** `Location` value to add, or null. */
  location: string | null;
}

/** A response plan: the head, and either a JSON body or `size` pattern bytes. */
export interface EchoResponse {
  status: number;
  headers: Array<[string, string]>;
  /** Bytes to send, or the length of a pattern body to stream. */
  body: Buffer | { patternSize: number };
  /** Text for the error stream, if asked. */
  stderr: string | null;
  delayMs: number;
}

/** The value of a CGI variable (last one wins, as in a CGI environment). */
export function cgiVar(request: EchoRequest, name: string): string | undefined {
  let value: string | undefined;
  for (const [n, v] of request.vars) if (n === name) value = v;
  return value;
}

/** Parses the echo options from REQUEST_URI (or QUERY_STRING when there is no REQUEST_URI). */
export function echoOptions(request: EchoRequest): EchoOptions {
  const uri = cgiVar(request, 'REQUEST_URI');
  const query = new URLSearchParams(uri !== undefined ? (uri.split('?')[1] ?? '') : (cgiVar(request, 'QUERY_STRING') ?? ''));
  const int = (name: string, min: number, max: number): number | null => {
    const raw = query.get(name);
    if (raw === null || !/^\d{1,10}$/.test(raw)) return null;
    const n = Number(raw);
    return n >= min && n <= max ? n : null;
  };
  return {
    status: int('status', 100, 599) ?? 200,
    size: int('size', 0, 1 << 30),
    stderr: query.get('stderr') === '1',
    delayMs: int('delay', 0, 60_000) ?? 0,
    user: query.get('user') ?? 'echo-user',
    early: query.get('early') === '1',
    cookies: int('cookies', 0, 20) ?? 0,
    location: query.get('location'),
  };
}

/** The description of a request whose body had `body.length` bytes with digest `body.sha256`. */
export function describeRequest(request: EchoRequest, body: { length: number; sha256: string }): EchoDescription {
  const vars: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of request.vars) {
    if (name.startsWith('HTTP_')) headers[name] = value;
    else vars[name] = value;
  }
  return {
    role: request.role,
    method: cgiVar(request, 'REQUEST_METHOD') ?? '',
    url: cgiVar(request, 'REQUEST_URI') ?? '',
    contentLength: cgiVar(request, 'CONTENT_LENGTH') ?? null,
    vars,
    headers,
    body,
    transport: request.transport ?? {},
  };
}

/** Plans the answer to a request whose body has been read. */
export function echoResponse(request: EchoRequest, body: { length: number; sha256: string }): EchoResponse {
  const options = echoOptions(request);
  const headers: Array<[string, string]> = [['X-Echo-Role', request.role]];
  if (request.role === 'authorizer') {
    // FastCGI §6.3: on 200 the web server keeps only `Variable-*` headers, as request variables.
    headers.push(['Variable-GW_AUTHORIZER', 'gw-echo'], ['Variable-GW_USER', options.user]);
  }
  if (options.location !== null) headers.push(['Location', options.location]);
  for (let i = 1; i <= options.cookies; i++) headers.push(['Set-Cookie', `gw${i}=v${i}; Path=/`]);
  const stderr = options.stderr ? `echo-app stderr for ${cgiVar(request, 'REQUEST_URI') ?? '?'}\n` : null;
  if (options.size !== null) {
    headers.push(['Content-Type', 'application/octet-stream'], ['X-Echo-Sha256', patternSha256(options.size)]);
    return { status: options.status, headers, body: { patternSize: options.size }, stderr, delayMs: options.delayMs };
  }
  headers.push(['Content-Type', 'application/json']);
  const json = Buffer.from(JSON.stringify(describeRequest(request, body)));
  return { status: options.status, headers, body: json, stderr, delayMs: options.delayMs };
}

/**
 * The CGI response head (RFC 3875 §6.2): `Status:` first — explicit even for 200, as
 * protocols.md §4 recommends — then the headers, then the blank line.
 */
export function cgiHead(status: number, headers: ReadonlyArray<readonly [string, string]>): Buffer {
  let head = `Status: ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}
