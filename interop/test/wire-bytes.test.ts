// The wire-size table of docs/choosing-a-protocol.md:
//   npx vitest run interop/test/wire-bytes.test.ts   (prints it; [figures] lines)
// The framing formulas of src/wire-bytes.ts are first checked against real nginx 1.22.1 captures
// (test-vectors/captured/nginx-1.22.1), then applied to a browser-like GET and a 1 KiB POST built
// from the CGI variables nginx sent in those captures plus typical browser headers.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cgiHead,
  fastcgiRequestBytes,
  fastcgiResponseBytes,
  headerParam,
  httpMessageBytes,
  type Pair,
  scgiRequestBytes,
  uwsgiRequestBytes,
} from '../src/wire-bytes.js';

const CAPTURES = fileURLToPath(new URL('../../test-vectors/captured/nginx-1.22.1/', import.meta.url));
const capture = (name: string) => JSON.parse(readFileSync(`${CAPTURES}${name}.json`, 'utf8')).cases[0].expect;
const captureSize = (name: string) => statSync(`${CAPTURES}${name}.bin`).size;

const fcgiGet = capture('fastcgi-keepconn-get');
const scgiGet = capture('scgi-get');
const uwsgiGet = capture('uwsgi-get');
const fcgiParams: Pair[] = fcgiGet.requests[0].params;
const scgiHeaders: Pair[] = scgiGet.headers;
const uwsgiVars: Pair[] = uwsgiGet.vars;

// A browser GET: Chrome-like headers (10 of them), as nginx receives and forwards them.
const BROWSER_HEADERS: Pair[] = [
  ['Host', 'www.example.com'],
  ['Connection', 'keep-alive'],
  ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
  ['Accept-Encoding', 'gzip, deflate, br, zstd'],
  ['Accept-Language', 'en-US,en;q=0.9'],
  ['Referer', 'https://www.example.com/'],
  ['Cookie', 'session=3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d; theme=dark'],
  ['Upgrade-Insecure-Requests', '1'],
  ['Sec-Fetch-Mode', 'navigate'],
];
const POST_HEADERS: Pair[] = [...BROWSER_HEADERS, ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', '1024']];

/** The capture's CGI variables without its HTTP_* ones, with the browser's headers instead. */
function withHeaders(vars: readonly Pair[], headers: readonly Pair[], post: boolean): Pair[] {
  const set = (p: Pair): Pair => {
    if (!post) return p;
    if (p[0] === 'REQUEST_METHOD') return [p[0], 'POST'];
    if (p[0] === 'CONTENT_TYPE') return [p[0], 'application/x-www-form-urlencoded'];
    if (p[0] === 'CONTENT_LENGTH') return [p[0], '1024'];
    return p;
  };
  // Content-Type and Content-Length travel as CONTENT_TYPE / CONTENT_LENGTH, not HTTP_*.
  const http = headers.filter(([n]) => !/^content-(type|length)$/i.test(n)).map(headerParam);
  return [...vars.filter(([n]) => !n.startsWith('HTTP_')).map(set), ...http];
}

describe('wire bytes of one request', () => {
  it('the framing formulas reproduce the nginx captures byte for byte', () => {
    expect(fastcgiRequestBytes(fcgiParams, 0)).toBe(captureSize('fastcgi-keepconn-get'));
    expect(scgiRequestBytes(scgiHeaders, 0)).toBe(captureSize('scgi-get'));
    expect(uwsgiRequestBytes(uwsgiVars, 0)).toBe(captureSize('uwsgi-get'));
    const scgiPost = capture('scgi-post');
    expect(scgiRequestBytes(scgiPost.headers, scgiPost.body.bytes)).toBe(captureSize('scgi-post'));
    const uwsgiPost = capture('uwsgi-post');
    expect(uwsgiRequestBytes(uwsgiPost.vars, uwsgiPost.body.bytes)).toBe(captureSize('uwsgi-post'));
  });

  it('prints the table: browser GET, 1 KiB POST, 1 KiB HTML response', () => {
    const row = (what: string, fcgi: number, scgi: number, uwsgi: number, http: number) =>
      `| ${what} | ${fcgi} | ${scgi} | ${uwsgi} | ${http} |`;
    const target = '/app/page?id=42';
    const get = [
      fastcgiRequestBytes(withHeaders(fcgiParams, BROWSER_HEADERS, false), 0),
      scgiRequestBytes(withHeaders(scgiHeaders, BROWSER_HEADERS, false), 0),
      uwsgiRequestBytes(withHeaders(uwsgiVars, BROWSER_HEADERS, false), 0),
      httpMessageBytes(`GET ${target} HTTP/1.1`, BROWSER_HEADERS, 0),
    ] as const;
    const post = [
      fastcgiRequestBytes(withHeaders(fcgiParams, POST_HEADERS, true), 1024),
      scgiRequestBytes(withHeaders(scgiHeaders, POST_HEADERS, true), 1024),
      uwsgiRequestBytes(withHeaders(uwsgiVars, POST_HEADERS, true), 1024),
      httpMessageBytes(`POST ${target} HTTP/1.1`, POST_HEADERS, 1024),
    ] as const;
    // The app's answer: 1 KiB of HTML with two fields; HTTP adds what node:http adds (Date, Connection, Keep-Alive).
    const fields: Pair[] = [['Content-Type', 'text/html; charset=utf-8'], ['Content-Length', '1024']];
    const head = cgiHead('200 OK', fields);
    const httpFields: Pair[] = [...fields, ['Date', 'Sun, 29 Nov 2026 18:00:00 GMT'], ['Connection', 'keep-alive'], ['Keep-Alive', 'timeout=5']];
    const response = [fastcgiResponseBytes(head, 1024), Buffer.byteLength(head) + 1024, Buffer.byteLength(head) + 1024, httpMessageBytes('HTTP/1.1 200 OK', httpFields, 1024)] as const;
    console.info(
      [
        '[figures] wire bytes (nginx 1.22.1 CGI variables from Debian params files; 10 browser headers)',
        '| message | FastCGI | SCGI | uwsgi | HTTP/1.1 |',
        '|---|---:|---:|---:|---:|',
        row('browser GET, 10 headers', ...get),
        row('POST, 1 KiB form body', ...post),
        row('response, 1 KiB HTML', ...response),
      ].join('\n'),
    );
    // The gateway protocols carry ~20 CGI variables the HTTP request does not: they are larger.
    for (const size of [...get.slice(0, 3), ...post.slice(0, 3)]) expect(size).toBeGreaterThan(get[3]);
    // FastCGI's framing on a response: 8-byte header + padding, empty STDOUT, END_REQUEST.
    expect(response[0] - response[1]).toBeGreaterThanOrEqual(8 + 8 + 16);
  });
});
