// Wire sizes of one request/response in each gateway protocol and in HTTP/1.1, computed from the
// framing rules (protocols.md) — the sizes are checked against real nginx captures in
// test/wire-bytes.test.ts, which prints the table of docs/choosing-a-protocol.md.

/** A CGI variable or header as it goes on the wire (latin1 strings: one char per byte). */
export type Pair = readonly [name: string, value: string];

const bytes = (s: string) => Buffer.byteLength(s, 'latin1');
const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** FastCGI name-value pair length (spec §3.4): 1-byte lengths below 128, else 4 bytes each. */
function fcgiPairLength([name, value]: Pair): number {
  const len = (n: number) => (n < 128 ? 1 : 4);
  return len(bytes(name)) + len(bytes(value)) + bytes(name) + bytes(value);
}

/** A record of `content` bytes, padded to a multiple of 8 as nginx pads (8-byte header). */
const fcgiRecord = (content: number) => 8 + content + pad8(content);

/**
 * A FastCGI request as nginx 1.22 sends it: BEGIN_REQUEST (16), every parameter in one PARAMS
 * record padded to 8, the empty PARAMS record, the body in STDIN records (one per 32 KiB here;
 * nginx cuts where its buffers end), the empty STDIN record.
 */
export function fastcgiRequestBytes(params: readonly Pair[], bodyLength: number): number {
  const paramsLength = params.reduce((sum, p) => sum + fcgiPairLength(p), 0);
  let total = 16 + fcgiRecord(paramsLength) + 8;
  for (let left = bodyLength; left > 0; left -= 32768) total += fcgiRecord(Math.min(left, 32768));
  return total + 8;
}

/**
 * A FastCGI response written by gw: the CGI head and body in STDOUT record(s) of at most 65535
 * bytes, padded to 8, the empty STDOUT record, END_REQUEST (16).
 */
export function fastcgiResponseBytes(cgiHead: string, bodyLength: number): number {
  let total = 0;
  for (let left = bytes(cgiHead) + bodyLength; left > 0; left -= 65528) total += fcgiRecord(Math.min(left, 65528));
  return total + 8 + 16;
}

/** An SCGI request: netstring `LEN:` + NUL-terminated names and values + `,`, then the body. */
export function scgiRequestBytes(headers: readonly Pair[], bodyLength: number): number {
  const block = headers.reduce((sum, [n, v]) => sum + bytes(n) + bytes(v) + 2, 0);
  return String(block).length + 1 + block + 1 + bodyLength;
}

/** A uwsgi request: 4-byte header, then 2-byte little-endian length + bytes for each name and value, then the body. */
export function uwsgiRequestBytes(vars: readonly Pair[], bodyLength: number): number {
  return 4 + vars.reduce((sum, [n, v]) => sum + 4 + bytes(n) + bytes(v), 0) + bodyLength;
}

/** An HTTP/1.1 message: start line, `Name: value` lines, blank line, body (CRLF line ends). */
export function httpMessageBytes(startLine: string, headers: readonly Pair[], bodyLength: number): number {
  return bytes(startLine) + 2 + headers.reduce((sum, [n, v]) => sum + bytes(n) + 2 + bytes(v) + 2, 0) + 2 + bodyLength;
}

/** A CGI response head (`Status:` line, fields, blank line) as gw writes it for FastCGI, SCGI and uwsgi. */
export function cgiHead(status: string, headers: readonly Pair[]): string {
  return [`Status: ${status}`, ...headers.map(([n, v]) => `${n}: ${v}`), '', ''].join('\r\n');
}

/** The CGI variable nginx makes of a request header: `HTTP_` + upper case, `-` → `_`. */
export function headerParam([name, value]: Pair): Pair {
  return [`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, value];
}
