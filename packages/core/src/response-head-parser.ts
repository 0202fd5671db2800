import { ProtocolError } from './errors.js';
import { CgiErrorCode } from './response-head-errors.js';
import { CR, firstNonTokenChar, HTTP_PREFIX, isDigit, isOws, SP } from './response-head-syntax.js';
import { MIN_STATUS, reasonPhrase } from './status-codes.js';

/** `'cgi'`: the head was fields only (status from `Status:`); `'http'`: it began with an HTTP status line. */
export type ResponseHeadKind = 'cgi' | 'http';

/** Which head forms a decoder accepts; see `ResponseHeadDecoderOptions.accept`. */
export type ResponseHeadAccept = 'cgi' | 'http' | 'either';

/** A decoded response head. Strings are latin1: one character per byte, so any byte survives. */
export interface ResponseHead {
  /** Whether the head was CGI fields or began with an HTTP status line. */
  kind: ResponseHeadKind;
  /** Status code, 100..999. */
  status: number;
  /** Reason phrase as sent, or the standard phrase for `status` when none was sent ('' if unknown). */
  statusText: string;
  /** `'1.1'`, `'1.0'`, `'2'`… from the status line; undefined for a CGI head. */
  httpVersion?: string | undefined;
  /**
   * Fields in wire order with names as sent (not lower-cased), values trimmed of surrounding
   * SP/HTAB. Nothing is joined: a repeated field (Set-Cookie) stays several entries. A CGI head's
   * `Status` field is removed (it became `status`); everything else, Location included, stays.
   */
  headers: [name: string, value: string][];
  /** Value of the first `Location` field, if any. */
  location?: string | undefined;
  /**
   * True for a CGI local redirect (RFC 3875 §6.2.2): `Location` starts with `/` and there is no
   * `Status`. The status is then 302 like a client redirect; the caller decides whether to
   * re-run the request internally for that path (Apache mod_proxy_scgi does) or send the 302.
   */
  localRedirect: boolean;
}

// The line's own CRLF is already cut off, so any CR left is a bare one. A regex scans a long value
// (a big cookie) several times faster than a charCodeAt loop.
const NUL_OR_CR = /[\0\r]/;

/**
 * Parses a complete head. `text` is the head's latin1 string, ending with its blank line (the
 * decoder stops at the first blank line, so it is the only one). Character indexes are stream
 * offsets.
 *
 * @throws ProtocolError with a `CGI_ERR_*` code and the offset of the offending line or character
 */
export function parseResponseHead(text: string, accept: ResponseHeadAccept): ResponseHead {
  const head: ResponseHead = {
    kind: 'cgi',
    status: 200,
    statusText: '',
    httpVersion: undefined,
    headers: [],
    location: undefined,
    localRedirect: false,
  };
  let lineStart = 0;
  let lf = text.indexOf('\n');
  let lineEnd = contentEnd(text, lineStart, lf);
  // RFC 3875 §6.2: a CGI response has at least one header field; a head that is only the blank
  // line has none, and is no HTTP status line either.
  if (lineEnd === lineStart) throw fail(CgiErrorCode.MALFORMED_HEAD, 'response head is empty (first line is blank)', 0);

  const statusLine = accept !== 'cgi' && text.startsWith(HTTP_PREFIX);
  if (statusLine) {
    parseStatusLine(text, lineEnd, head);
    lineStart = lf + 1;
    lf = text.indexOf('\n', lineStart);
    lineEnd = contentEnd(text, lineStart, lf);
  } else if (accept === 'http') {
    // Apache mod_proxy_uwsgi: a reply that does not start with `HTTP/d.d ddd` is a 502.
    throw fail(CgiErrorCode.BAD_STATUS_LINE, 'response does not start with an HTTP status line', 0);
  }

  let sawStatus = false;
  while (lineEnd !== lineStart) {
    const colon = text.indexOf(':', lineStart);
    // RFC 3875 §6.3 / RFC 9112 §5: field-name ":" OWS field-value OWS. No colon → not a field.
    if (colon === -1 || colon >= lineEnd) throw fail(CgiErrorCode.MALFORMED_HEADER, 'header line without a colon', lineStart);
    // The name must be a token (RFC 9110 §5.1): this also rejects whitespace before the colon
    // (RFC 9112 §5.1 forbids it: proxies disagree on what such a name means) and a leading SP/HTAB (obsolete line folding,
    // which RFC 3875 §6.3 does not allow).
    const badNameChar = firstNonTokenChar(text, lineStart, colon);
    if (badNameChar !== -1) throw fail(CgiErrorCode.MALFORMED_HEADER, 'header name is not a token', badNameChar);
    let valueStart = colon + 1;
    while (valueStart < lineEnd && isOws(text.charCodeAt(valueStart))) valueStart++;
    let valueEnd = lineEnd;
    while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const name = text.slice(lineStart, colon);
    const value = text.slice(valueStart, valueEnd);
    // NUL and a CR not followed by LF are never valid in a field value (RFC 9110 §5.5); passing
    // them on would let a backend split the response a proxy builds from it.
    if (NUL_OR_CR.test(value)) {
      throw fail(CgiErrorCode.MALFORMED_HEADER, 'header value contains NUL or a bare CR', valueStart + value.search(NUL_OR_CR));
    }

    if (!statusLine && nameIs(text, lineStart, colon, 'status')) {
      // RFC 3875 §6.3: Status appears at most once.
      if (sawStatus) throw fail(CgiErrorCode.DUPLICATE_STATUS, 'second Status field', lineStart);
      sawStatus = true;
      parseStatusField(text, valueStart, valueEnd, head);
    } else {
      if (head.location === undefined && nameIs(text, lineStart, colon, 'location')) head.location = value;
      head.headers.push([name, value]);
    }
    lineStart = lf + 1;
    lf = text.indexOf('\n', lineStart);
    lineEnd = contentEnd(text, lineStart, lf);
  }

  if (!statusLine && !sawStatus) {
    if (head.location !== undefined) {
      // RFC 3875 §6.2.3 client redirect → 302 (nginx does this too; Apache mod_proxy_fcgi keeps
      // 200, which is why apps behind it add `Status: 302`). A path-only Location is §6.2.2's
      // local redirect: flagged, same status, the caller chooses.
      head.status = 302;
      head.localRedirect = head.location.charCodeAt(0) === 0x2f; // '/'
    }
    head.statusText = reasonPhrase(head.status);
  }
  return head;
}

/**
 * Whether `text[start, end)` is `lowerName`, ignoring ASCII case (field names are case-insensitive,
 * RFC 9110 §5.1). Compares in place: no lower-cased copy per field. The range is a token, so
 * OR-ing 0x20 only folds letters.
 */
function nameIs(text: string, start: number, end: number, lowerName: string): boolean {
  if (end - start !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) {
    if ((text.charCodeAt(start + i) | 0x20) !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/** End of a line's content: the LF's index, or the CR's just before it (CRLF). */
function contentEnd(text: string, lineStart: number, lf: number): number {
  return lf > lineStart && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
}

/**
 * `Status: NNN [reason]` (RFC 3875 §6.3.3). Like nginx, the first three characters must be digits
 * making 100..999 (`abc`, `20`, `099` fail; nginx answers 502). Unlike nginx, which ignores what
 * follows the digits, the fourth character must be whitespace (`Status: 2000` is rejected rather
 * than read as 200).
 */
function parseStatusField(text: string, start: number, end: number, head: ResponseHead): void {
  const status = threeDigits(text, start, end);
  if (status < MIN_STATUS || (end > start + 3 && !isOws(text.charCodeAt(start + 3)))) {
    throw fail(CgiErrorCode.BAD_STATUS, 'Status must start with a three-digit code from 100 to 999', start);
  }
  head.status = status;
  let reasonStart = start + 3;
  while (reasonStart < end && isOws(text.charCodeAt(reasonStart))) reasonStart++;
  // An omitted reason gets the standard phrase (protocols.md §6 #77: `Status: 404` → Not Found).
  head.statusText = reasonStart < end ? text.slice(reasonStart, end) : reasonPhrase(status);
}

/**
 * `HTTP/d.d NNN [reason]`, or `HTTP/d NNN [reason]` (RFC 9112 §4; the one-digit version is the
 * form Apache mod_proxy_uwsgi also accepts, e.g. `HTTP/2 200`). Exactly one SP after the version,
 * as in Apache's `HTTP/#.# ###*` mask (protocols.md §3.5); the code must be followed by whitespace
 * or the end of the line.
 */
function parseStatusLine(text: string, end: number, head: ResponseHead): void {
  let i = HTTP_PREFIX.length;
  let ok = i < end && isDigit(text.charCodeAt(i));
  i++;
  if (ok && i < end && text.charCodeAt(i) === 0x2e /* . */) {
    i++;
    ok = i < end && isDigit(text.charCodeAt(i));
    i++;
  }
  const versionEnd = i;
  ok = ok && i < end && text.charCodeAt(i) === SP;
  const status = ok ? threeDigits(text, i + 1, end) : -1;
  i += 4;
  if (status < MIN_STATUS || (i < end && !isOws(text.charCodeAt(i)))) {
    throw fail(CgiErrorCode.BAD_STATUS_LINE, 'malformed HTTP status line', 0);
  }
  let reasonStart = i;
  while (reasonStart < end && isOws(text.charCodeAt(reasonStart))) reasonStart++;
  let reasonEnd = end;
  while (reasonEnd > reasonStart && isOws(text.charCodeAt(reasonEnd - 1))) reasonEnd--;
  const reason = text.slice(reasonStart, reasonEnd);
  if (NUL_OR_CR.test(reason)) {
    throw fail(CgiErrorCode.BAD_STATUS_LINE, 'reason phrase contains NUL or a bare CR', reasonStart + reason.search(NUL_OR_CR));
  }
  head.kind = 'http';
  head.httpVersion = text.slice(HTTP_PREFIX.length, versionEnd);
  head.status = status;
  head.statusText = reason === '' ? reasonPhrase(status) : reason;
}

/** The number made by the three digits at `start`, or -1 when there are fewer than three digits before `end`. */
function threeDigits(text: string, start: number, end: number): number {
  if (end - start < 3) return -1;
  const a = text.charCodeAt(start);
  const b = text.charCodeAt(start + 1);
  const c = text.charCodeAt(start + 2);
  if (!isDigit(a) || !isDigit(b) || !isDigit(c)) return -1;
  return (a - 0x30) * 100 + (b - 0x30) * 10 + (c - 0x30);
}

function fail(code: CgiErrorCode, message: string, offset: number): ProtocolError {
  return new ProtocolError(code, message, { offset });
}
