import { InvalidArgumentError } from './errors.js';
import { CgiErrorCode } from './response-head-errors.js';
import { COLON, CR, firstNonTokenChar, LF, NUL, SP } from './response-head-syntax.js';
import { isValidStatus, reasonPhrase } from './status-codes.js';

/**
 * Encoders for the response head an app writes: a CGI head (`Status: 404 Not Found` first; the
 * FastCGI and SCGI app sides) or an HTTP/1.x status line (the uwsgi app side, protocols.md §3.4).
 *
 * Output follows protocols.md §4.4's encoder rule: an explicit status first, CRLF line ends, one
 * line per value of a repeated field (Set-Cookie), a CRLF CRLF end, and nothing added: no
 * Transfer-Encoding, no Content-Length, no Date. Every name and value is checked, so a caller's
 * string cannot split the response (CR/LF injection).
 */

/** A field value: a string, a number (written in decimal), or several of them (one line each). */
export type HeaderFieldValue = string | number | readonly (string | number)[];

/**
 * Fields to write, in order: an iterable of `[name, value]` pairs (an array, a Map) or a plain
 * object such as node's `OutgoingHttpHeaders` / `res.getHeaders()`. `undefined` values are skipped.
 */
export type ResponseHeaderFields =
  | Iterable<readonly [string, HeaderFieldValue | undefined]>
  | { readonly [name: string]: HeaderFieldValue | undefined };

const HTTP_VERSION = /^[0-9](?:\.[0-9])?$/;

/**
 * Encodes a CGI response head: `Status: NNN text`, the fields, and the blank line, all CRLF.
 *
 * @param status - 100..999
 * @param statusText - reason phrase; default: the standard phrase for `status` (omitted when the
 *   status has none)
 * @param headers - fields in order; must not contain `Status` (it is written from `status`)
 * @returns a new Buffer holding exactly the head
 * @throws InvalidArgumentError `CGI_ERR_INVALID_STATUS` (status out of range, CR/LF/NUL in
 *   statusText), `CGI_ERR_INVALID_HEADER` (a name that is not a token or is `Status`, CR/LF/NUL in
 *   a value, a value that is not a string or number), `GW_ERR_NOT_LATIN1` (a character above U+00FF)
 */
export function encodeCgiHead(status: number, statusText?: string, headers?: ResponseHeaderFields): Buffer {
  const text = checkStatus(status, statusText);
  // `Status: 599` with no phrase is fine for nginx/Apache, which read the digits only.
  return encodeHead(text === '' ? `Status: ${status}` : `Status: ${status} ${text}`, headers, true);
}

/**
 * Encodes an HTTP/1.x response head (`HTTP/1.1 200 OK`, fields, blank line; CRLF), which is what a
 * uwsgi app answers with (protocols.md §3.4; Apache mod_proxy_uwsgi accepts nothing else).
 *
 * @param httpVersion - `d.d` or `d`; default `'1.1'`
 * @param status - 100..999
 * @param statusText - reason phrase; default: the standard phrase for `status` ('' when none)
 * @param headers - fields in order
 * @returns a new Buffer holding exactly the head
 * @throws InvalidArgumentError `CGI_ERR_INVALID_HTTP_VERSION`, `CGI_ERR_INVALID_STATUS`,
 *   `CGI_ERR_INVALID_HEADER`, `GW_ERR_NOT_LATIN1` as for {@link encodeCgiHead}
 */
export function encodeHttpHead(httpVersion: string | undefined, status: number, statusText?: string, headers?: ResponseHeaderFields): Buffer {
  const version = httpVersion ?? '1.1';
  if (typeof version !== 'string' || !HTTP_VERSION.test(version)) {
    throw new InvalidArgumentError(CgiErrorCode.INVALID_HTTP_VERSION, `HTTP version must be "d.d" or "d", got ${JSON.stringify(version)}`);
  }
  const text = checkStatus(status, statusText);
  // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ], so the second SP
  // stays even when the phrase is empty.
  return encodeHead(`HTTP/${version} ${status} ${text}`, headers, false);
}

/** Validates status and text; returns the text to write. */
function checkStatus(status: number, statusText: string | undefined): string {
  if (typeof status !== 'number' || !isValidStatus(status)) {
    throw new InvalidArgumentError(CgiErrorCode.INVALID_STATUS, `status must be an integer from 100 to 999, got ${String(status)}`);
  }
  if (statusText === undefined) return reasonPhrase(status);
  if (typeof statusText !== 'string') throw new InvalidArgumentError(CgiErrorCode.INVALID_STATUS, 'statusText must be a string');
  for (let i = 0; i < statusText.length; i++) {
    const c = statusText.charCodeAt(i);
    if (c === CR || c === LF || c === NUL) throw new InvalidArgumentError(CgiErrorCode.INVALID_STATUS, 'statusText contains CR, LF or NUL');
    if (c > 0xff) throw notLatin1('statusText', i);
  }
  return statusText;
}

/**
 * Measures, allocates once, then writes. The first pass flattens the fields into a list of strings,
 * validates each and sums their lengths (latin1: length = bytes, so no Buffer.byteLength calls);
 * the second pass copies them into one buffer of exactly that size.
 */
function encodeHead(firstLine: string, headers: ResponseHeaderFields | undefined, cgi: boolean): Buffer {
  const fields: string[] = [];
  const fieldBytes = headers === undefined ? 0 : collectFields(headers, fields, cgi);
  // first line + CRLF, the fields, then the blank line's CRLF
  const out = Buffer.allocUnsafe(firstLine.length + 4 + fieldBytes);
  let at = writeLatin1(out, 0, firstLine);
  out[at++] = CR;
  out[at++] = LF;
  for (let i = 0; i < fields.length; i += 2) {
    at = writeLatin1(out, at, fields[i] as string);
    out[at++] = COLON;
    out[at++] = SP;
    at = writeLatin1(out, at, fields[i + 1] as string);
    out[at++] = CR;
    out[at++] = LF;
  }
  out[at++] = CR;
  out[at] = LF;
  return out;
}

/** Flattens `headers` into `into` as name, value, name, value…; returns the bytes their lines take. */
function collectFields(headers: ResponseHeaderFields, into: string[], cgi: boolean): number {
  let bytes = 0;
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const entry of headers as Iterable<readonly [string, unknown]>) bytes += addField(into, entry[0], entry[1], cgi);
  } else {
    const record = headers as { readonly [name: string]: unknown };
    for (const name of Object.keys(record)) bytes += addField(into, name, record[name], cgi);
  }
  return bytes;
}

/** Validates one field and appends it (one entry per array element); returns its bytes. */
function addField(into: string[], name: unknown, value: unknown, cgi: boolean): number {
  if (value === undefined) return 0;
  checkName(name);
  // The CGI head's status comes from `status`; a second Status line would be a duplicate that our
  // decoder (and RFC 3875 §6.3) rejects.
  if (cgi && name.length === 6 && name.toLowerCase() === 'status') {
    throw new InvalidArgumentError(CgiErrorCode.INVALID_HEADER, 'pass the status as an argument, not as a Status header');
  }
  if (!Array.isArray(value)) return addValue(into, name, value);
  // One line per element, as node:http writes Set-Cookie (protocols.md §6 #84).
  let bytes = 0;
  for (const item of value) bytes += addValue(into, name, item);
  return bytes;
}

function addValue(into: string[], name: string, value: unknown): number {
  const s = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
  if (s === undefined) throw new InvalidArgumentError(CgiErrorCode.INVALID_HEADER, `value of header ${name} must be a string, a number or an array of them`);
  checkValue(s, name);
  into.push(name, s);
  return name.length + s.length + 4; // ": " and CRLF
}

/** A field name must be a token (RFC 9110 §5.1), which rules out CR, LF, NUL, SP and ':'. */
function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new InvalidArgumentError(CgiErrorCode.INVALID_HEADER, 'header name must be a string');
  const bad = firstNonTokenChar(name, 0, name.length);
  if (bad === -1) return;
  if (name.charCodeAt(bad) > 0xff) throw notLatin1(`header name ${JSON.stringify(name)}`, bad);
  throw new InvalidArgumentError(CgiErrorCode.INVALID_HEADER, `header name ${JSON.stringify(name)} is not a token`);
}

// CR and LF would end the line early (response splitting), NUL is never valid in a field (RFC 9110
// §5.5), and a character above U+00FF has no latin1 byte. A regex scans long values (cookies) about
// five times faster than a charCodeAt loop (measured on Node 20).
const BAD_VALUE_CHAR = /[\r\n\0\u0100-\uffff]/;

function checkValue(value: string, name: string): void {
  if (!BAD_VALUE_CHAR.test(value)) return;
  const i = value.search(BAD_VALUE_CHAR);
  if (value.charCodeAt(i) > 0xff) throw notLatin1(`value of header ${name}`, i);
  throw new InvalidArgumentError(CgiErrorCode.INVALID_HEADER, `value of header ${name} contains CR, LF or NUL`);
}

/**
 * Copies a validated latin1 string. Short strings (most names and values) are copied in JS: a
 * `buf.write` call costs more in crossing to C++ than the copy itself; long ones use the native
 * copy.
 */
function writeLatin1(out: Buffer, at: number, s: string): number {
  if (s.length >= 48) return at + out.write(s, at, 'latin1');
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

function notLatin1(what: string, index: number): InvalidArgumentError {
  return new InvalidArgumentError('GW_ERR_NOT_LATIN1', `${what} has a character above U+00FF at index ${index}`);
}
