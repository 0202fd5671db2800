/**
 * Request fixtures for the codec benchmarks, built byte by byte here.
 *
 * Why hand-built: if the fixtures came from gw's own encoders, an encoder bug (a wrong length, a
 * missing terminator) could make the decoder look faster than it is, or hide a decode failure. The
 * few lines below follow the wire formats directly (FastCGI spec §3.3–3.4, SCGI spec §2, uwsgi
 * packet docs) and share no code with packages/**.
 */

/** One CGI pair as strings (latin1/ASCII only, so string length = byte length). */
export type Pair = readonly [name: string, value: string];

/** How many requests the request benchmarks decode per op. */
export const REQUEST_COUNT = 10_000;
/** Size of the socket reads a packed stream is cut into (a typical `net.Socket` read). */
export const CHUNK_SIZE = 64 * 1024;

const FCGI_VERSION = 1;
const FCGI_BEGIN_REQUEST = 1;
const FCGI_PARAMS = 4;
const FCGI_STDIN = 5;
const FCGI_RESPONDER = 1;
const FCGI_KEEP_CONN = 1;
/** nginx sends every request on a connection with request id 1. */
const NGINX_REQUEST_ID = 1;

/**
 * The browser headers of the request, in the order a client sends them. Values are shaped like a
 * current desktop browser's so lengths are realistic (the Cookie and User-Agent dominate).
 */
function browserHeaders(): Pair[] {
  return [
    ['Host', 'www.example.com'],
    [
      'User-Agent',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    ],
    ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
    ['Accept-Language', 'en-GB,en;q=0.9,de;q=0.8'],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'],
    ['Referer', 'https://www.example.com/catalog/list.php?page=1'],
    [
      'Cookie',
      'PHPSESSID=3f9a1c0d5e7b2a4c6d8e0f1a2b3c4d5e; _ga=GA1.2.1234567890.1700000000; theme=dark; cart=17%2C42%2C99',
    ],
    ['Connection', 'keep-alive'],
    ['Upgrade-Insecure-Requests', '1'],
    ['Sec-Fetch-Dest', 'document'],
    ['Sec-Fetch-Mode', 'navigate'],
    ['Cache-Control', 'max-age=0'],
  ];
}

/** The per-request parts that vary, so no two requests are byte-identical. */
function requestTarget(i: number): { query: string; uri: string; remotePort: string } {
  const query = `id=${i}&page=2`;
  return { query, uri: `/catalog/item.php?${query}`, remotePort: String(40_000 + (i % 20_000)) };
}

/** `User-Agent` → `HTTP_USER_AGENT`, the CGI meta-variable name nginx derives (RFC 3875 §4.1.18). */
function cgiHeaderName(header: string): string {
  return `HTTP_${header.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * The PARAMS of request `i` exactly as nginx 1.22 sends them for a GET to PHP: Debian's
 * `fastcgi_params` in file order (HTTPS is `if_not_empty`, so absent on plain HTTP), the
 * SCRIPT_FILENAME every PHP location adds, then one HTTP_* pair per request header in request order.
 * A GET has no body, so nginx sends CONTENT_TYPE and CONTENT_LENGTH as empty values.
 */
export function nginxParams(i: number): Pair[] {
  const t = requestTarget(i);
  const pairs: Pair[] = [
    ['QUERY_STRING', t.query],
    ['REQUEST_METHOD', 'GET'],
    ['CONTENT_TYPE', ''],
    ['CONTENT_LENGTH', ''],
    ['SCRIPT_NAME', '/catalog/item.php'],
    ['REQUEST_URI', t.uri],
    ['DOCUMENT_URI', '/catalog/item.php'],
    ['DOCUMENT_ROOT', '/var/www/example/public'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_SCHEME', 'http'],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'nginx/1.22.1'],
    ['REMOTE_ADDR', '203.0.113.77'],
    ['REMOTE_PORT', t.remotePort],
    ['SERVER_ADDR', '192.0.2.10'],
    ['SERVER_PORT', '80'],
    ['SERVER_NAME', 'www.example.com'],
    ['REDIRECT_STATUS', '200'],
    ['SCRIPT_FILENAME', '/var/www/example/public/catalog/item.php'],
  ];
  for (const [name, value] of browserHeaders()) pairs.push([cgiHeaderName(name), value]);
  return pairs;
}

/** The HTTP/1.1 request nginx received for request `i`: same target, same headers. */
export function httpRequest(i: number): Buffer {
  let head = `GET ${requestTarget(i).uri} HTTP/1.1\r\n`;
  for (const [name, value] of browserHeaders()) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** Appends a FastCGI record header (spec §3.3): version, type, requestId, contentLength, padding. */
function putRecordHeader(out: number[], type: number, requestId: number, contentLength: number, padding: number): void {
  out.push(FCGI_VERSION, type, requestId >> 8, requestId & 0xff, contentLength >> 8, contentLength & 0xff, padding, 0);
}

/** Appends a FastCGI name-value length (spec §3.4): one byte below 128, else four with the top bit set. */
function putPairLength(out: number[], length: number): void {
  if (length < 128) out.push(length);
  else out.push(0x80 | (length >>> 24), (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

function putLatin1(out: number[], s: string): void {
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

/** The FastCGI name-value body of `pairs` (no record header). */
export function fcgiPairsBody(pairs: readonly Pair[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of pairs) {
    putPairLength(out, name.length);
    putPairLength(out, value.length);
    putLatin1(out, name);
    putLatin1(out, value);
  }
  return Buffer.from(out);
}

/** nginx pads every record's content to a multiple of 8 (ngx_http_fastcgi_module.c). */
function paddingFor(contentLength: number): number {
  return (8 - (contentLength % 8)) % 8;
}

/**
 * Request `i` as nginx writes it on a kept-alive connection: BEGIN_REQUEST (RESPONDER, KEEP_CONN),
 * one PARAMS record holding every pair (padded to 8), the empty PARAMS record, the empty STDIN record.
 */
export function fcgiRequest(i: number): Buffer {
  const body = fcgiPairsBody(nginxParams(i));
  if (body.length > 0xffff) throw new Error('fixture PARAMS body does not fit one record');
  const out: number[] = [];
  putRecordHeader(out, FCGI_BEGIN_REQUEST, NGINX_REQUEST_ID, 8, 0);
  out.push(FCGI_RESPONDER >> 8, FCGI_RESPONDER & 0xff, FCGI_KEEP_CONN, 0, 0, 0, 0, 0);
  const padding = paddingFor(body.length);
  putRecordHeader(out, FCGI_PARAMS, NGINX_REQUEST_ID, body.length, padding);
  for (const b of body) out.push(b);
  for (let p = 0; p < padding; p++) out.push(0);
  putRecordHeader(out, FCGI_PARAMS, NGINX_REQUEST_ID, 0, 0);
  putRecordHeader(out, FCGI_STDIN, NGINX_REQUEST_ID, 0, 0);
  return Buffer.from(out);
}

/**
 * Request `i` as an SCGI netstring (SCGI spec §2): CONTENT_LENGTH must come first and carry a
 * number, SCGI=1 must be present; the other pairs are the same as the FastCGI request's.
 */
export function scgiRequest(i: number): Buffer {
  const pairs: Pair[] = [['CONTENT_LENGTH', '0'], ['SCGI', '1']];
  for (const pair of nginxParams(i)) if (pair[0] !== 'CONTENT_LENGTH') pairs.push(pair);
  let block = '';
  for (const [name, value] of pairs) block += `${name}\0${value}\0`;
  return Buffer.from(`${block.length}:${block},`, 'latin1');
}

/** The SCGI pairs of request `i`, in wire order (for checking decoders). */
export function scgiPairs(i: number): Pair[] {
  const pairs: Pair[] = [['CONTENT_LENGTH', '0'], ['SCGI', '1']];
  for (const pair of nginxParams(i)) if (pair[0] !== 'CONTENT_LENGTH') pairs.push(pair);
  return pairs;
}

/**
 * Request `i` as a uwsgi packet (modifier1 = 0, WSGI vars): a 4-byte header (modifier1, u16 LE
 * datasize, modifier2) then each var as u16 LE key size, key, u16 LE value size, value.
 * Same pairs as the FastCGI request; a GET has no body after the vars.
 */
export function uwsgiRequest(i: number): Buffer {
  const vars: number[] = [];
  for (const [name, value] of nginxParams(i)) {
    vars.push(name.length & 0xff, name.length >> 8);
    putLatin1(vars, name);
    vars.push(value.length & 0xff, value.length >> 8);
    putLatin1(vars, value);
  }
  if (vars.length > 0xffff) throw new Error('fixture uwsgi vars do not fit a packet');
  return Buffer.from([0, vars.length & 0xff, vars.length >> 8, 0, ...vars]);
}

/**
 * A STDIN body of `bodyBytes` in records of `recordContent` bytes (the last one shorter), each
 * padded to 8 like nginx, after a BEGIN_REQUEST and an empty PARAMS, and ended by the empty STDIN.
 */
export function fcgiUpload(bodyBytes: number, recordContent: number): { stream: Buffer; records: number } {
  const full = Math.floor(bodyBytes / recordContent);
  const tail = bodyBytes - full * recordContent;
  const contents = new Array<number>(full).fill(recordContent);
  if (tail > 0) contents.push(tail);
  let total = 16 + 8 + 8;
  for (const c of contents) total += 8 + c + paddingFor(c);
  const stream = Buffer.alloc(total);
  const head: number[] = [];
  putRecordHeader(head, FCGI_BEGIN_REQUEST, NGINX_REQUEST_ID, 8, 0);
  head.push(0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0);
  putRecordHeader(head, FCGI_PARAMS, NGINX_REQUEST_ID, 0, 0);
  stream.set(head, 0);
  let at = head.length;
  let fill = 0;
  for (const c of contents) {
    const header: number[] = [];
    putRecordHeader(header, FCGI_STDIN, NGINX_REQUEST_ID, c, paddingFor(c));
    stream.set(header, at);
    at += 8;
    // A recognisable, non-zero payload pattern (so a decoder that drops or shifts bytes is caught).
    for (let k = 0; k < c; k++) stream[at + k] = (fill + k) & 0xff;
    fill += c;
    at += c + paddingFor(c);
  }
  const end: number[] = [];
  putRecordHeader(end, FCGI_STDIN, NGINX_REQUEST_ID, 0, 0);
  stream.set(end, at);
  at += 8;
  if (at !== total) throw new Error(`upload fixture length mismatch: ${at} !== ${total}`);
  return { stream, records: contents.length + 3 };
}

/** Concatenates `parts` once, then cuts the result into `size`-byte views (socket-read shaped). */
export function packed(parts: readonly Buffer[], size: number = CHUNK_SIZE): Buffer[] {
  return cut(Buffer.concat(parts), size);
}

/** Cuts `bytes` into views of at most `size` bytes. */
export function cut(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/**
 * `count` requests built by `build`, one Buffer each (one socket read per request).
 *
 * Each request is copied, in a second tight pass, into a Buffer of its own ArrayBuffer: that is
 * what Node 20 hands a 'data' listener for every socket read (see socket-read.ts). The buffers
 * `build` returns are not used directly: they are slices of node's 8 KiB pool whose Buffer objects
 * end up scattered between the large temporary arrays the builders make, and walking them costs
 * TLB and cache misses no socket read has — measured on this machine, the pair-walk floor took
 * 700 ns per request over them against 100 ns over the same bytes copied as here.
 */
export function requests(build: (i: number) => Buffer, count: number = REQUEST_COUNT): Buffer[] {
  const built: Buffer[] = new Array(count);
  for (let i = 0; i < count; i++) built[i] = build(i);
  const out: Buffer[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const source = built[i] as Buffer;
    const own = Buffer.allocUnsafeSlow(source.length);
    source.copy(own);
    out[i] = own;
  }
  return out;
}

/** Sum of byte lengths. */
export function byteLength(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}
