import { describe, expect, it } from 'vitest';
import {
  CgiErrorCode,
  decodeResponseHead,
  GatewayError,
  InvalidArgumentError,
  LimitError,
  ProtocolError,
  ResponseHeadDecoder,
} from '../src/index.js';
import { errorOf, headOf } from './response-head-support.js';

const C = CgiErrorCode;

function caught(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('ResponseHeadDecoder: head endings (protocols.md §6 #81)', () => {
  const endings = { 'LF LF': '\n\n', 'CRLF CRLF': '\r\n\r\n', 'LF CRLF': '\n\r\n', 'CRLF LF': '\r\n\n' };
  for (const [label, end] of Object.entries(endings)) {
    it(`ends the head at ${label}`, () => {
      const eol = end.startsWith('\r') ? '\r\n' : '\n';
      const bytes = `Status: 201 Created${eol}Content-Type: text/plain${end}body\r\n\r\nmore`;
      const head = headOf(bytes);
      expect(head.status).toBe(201);
      expect(head.headers).toEqual([['Content-Type', 'text/plain']]);
      expect(head.body).toBe('body\r\n\r\nmore');
      expect(head.headLength).toBe(bytes.indexOf('body'));
    });
  }

  it('accepts LF and CRLF line ends mixed within one head', () => {
    const head = headOf('A: 1\nB: 2\r\nC: 3\n\r\n');
    expect(head.headers).toEqual([['A', '1'], ['B', '2'], ['C', '3']]);
  });

  it('does not take a CR alone as a line end', () => {
    expect(errorOf('A: 1\rB: 2\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER, offset: 4 });
  });

  it('does not take CR CR LF as a blank line', () => {
    expect(errorOf('A: 1\r\n\r\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER, offset: 6 });
  });
});

describe('ResponseHeadDecoder: header fields', () => {
  it('keeps fields in wire order with raw names and trimmed values', () => {
    const head = headOf('content-TYPE:text/html\r\nX-Pad: \t a b \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n');
    expect(head.headers).toEqual([
      ['content-TYPE', 'text/html'],
      ['X-Pad', 'a b'],
      ['X-Empty', ''],
      ['X-Sp', ''],
    ]);
  });

  it('rejects a line without a colon (#82)', () => {
    expect(errorOf('Content-Type: text/plain\r\nno colon here\r\n\r\n')).toEqual({
      code: C.MALFORMED_HEADER,
      offset: 26,
      errorClass: 'ProtocolError',
    });
  });

  it('rejects whitespace before the colon', () => {
    expect(errorOf('Content-Type : text/plain\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER, offset: 12 });
    expect(errorOf('Content-Type\t: text/plain\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER, offset: 12 });
  });

  it.each([
    ['a name with a space', 'X Y: 1\r\n\r\n', 1],
    ['a name with a separator', 'X(y): 1\r\n\r\n', 1],
    ['an empty name', ': 1\r\n\r\n', 0],
    ['a folded continuation line', 'X: 1\r\n  more\r\n\r\n', 6],
    ['a name with NUL', 'X\0: 1\r\n\r\n', 1],
    ['a name with a latin1 letter', 'X\xe9: 1\r\n\r\n', 1],
  ])('rejects %s', (_label, bytes, offset) => {
    expect(errorOf(bytes)).toMatchObject({ code: C.MALFORMED_HEADER, offset });
  });

  it('rejects NUL and bare CR in a value', () => {
    expect(errorOf('X: a\0b\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER, offset: 4 });
    expect(errorOf('X: a\rb\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER, offset: 4 });
  });

  it('decodes values as latin1, one character per byte', () => {
    const bytes = Buffer.concat([Buffer.from('X: caf'), Buffer.from([0xe9, 0x20, 0xff, 0x01]), Buffer.from('\n\n')]);
    expect(headOf(bytes).headers).toEqual([['X', 'caf\u00e9 \u00ff\u0001']]);
  });

  it('keeps repeated Set-Cookie lines as separate entries (#84)', () => {
    const head = headOf('Status: 200 OK\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\n\r\n');
    expect(head.headers).toEqual([
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', 'b=2'],
    ]);
  });

  it('passes a body without Content-Type through untouched (#83)', () => {
    const head = headOf('Status: 200 OK\r\nX-A: 1\r\n\r\n<html>\0\xff');
    expect(head.headers).toEqual([['X-A', '1']]);
    expect(head.body).toBe('<html>\0\xff');
  });

  it('does not interpret Content-Length: the body after the head is handed on whole (#85)', () => {
    const head = headOf('Content-Length: 2\r\n\r\nhello');
    expect(head.headers).toEqual([['Content-Length', '2']]);
    expect(head.body).toBe('hello');
  });

  it('parses a header line split across three records (#43)', () => {
    const decoder = new ResponseHeadDecoder();
    expect(decoder.push(Buffer.from('Status: 404 Not Fo'))).toBeUndefined();
    expect(decoder.push(Buffer.from('und\r\nContent-Ty'))).toBeUndefined();
    const done = decoder.push(Buffer.from('pe: text/html\r\n\r\nx'));
    expect(done?.head).toMatchObject({ status: 404, statusText: 'Not Found', headers: [['Content-Type', 'text/html']] });
    expect(done?.rest.toString()).toBe('x');
  });
});

describe('ResponseHeadDecoder: Status', () => {
  it('takes status and reason from Status and removes the field', () => {
    const head = headOf('X-A: 1\r\nStatus: 404 Nicht gefunden \r\nX-B: 2\r\n\r\n');
    expect(head).toMatchObject({ kind: 'cgi', status: 404, statusText: 'Nicht gefunden', localRedirect: false });
    expect(head.headers).toEqual([['X-A', '1'], ['X-B', '2']]);
    expect(head.httpVersion).toBeUndefined();
  });

  it('matches the Status name case-insensitively', () => {
    expect(headOf('STATUS:503\r\n\r\n')).toMatchObject({ status: 503, statusText: 'Service Unavailable', headers: [] });
  });

  it('fills in the reason phrase from the table when none is sent (#77)', () => {
    expect(headOf('Status: 404\r\n\r\n')).toMatchObject({ status: 404, statusText: 'Not Found' });
    expect(headOf('Status: 418\t\r\n\r\n')).toMatchObject({ status: 418, statusText: "I'm a Teapot" });
    expect(headOf('Status: 599\r\n\r\n')).toMatchObject({ status: 599, statusText: '' });
  });

  it('accepts a tab between code and reason', () => {
    expect(headOf('Status: 500\tOops\n\n')).toMatchObject({ status: 500, statusText: 'Oops' });
  });

  it.each(['abc', '20', '', '099', '2000', '20x OK', '200OK', '-20 OK', ' '])('rejects Status: %j (#78)', (value) => {
    const bytes = `Content-Type: text/plain\r\nStatus: ${value}\r\n\r\n`;
    // reported where the (trimmed) value starts
    const valueStart = bytes.indexOf(value.trim() || '\r\n', 'Content-Type: text/plain\r\nStatus:'.length);
    expect(errorOf(bytes)).toEqual({ code: C.BAD_STATUS, offset: valueStart, errorClass: 'ProtocolError' });
  });

  it('rejects a second Status field, whatever its case', () => {
    expect(errorOf('Status: 200 OK\r\nstatus: 200 OK\r\n\r\n')).toMatchObject({ code: C.DUPLICATE_STATUS, offset: 16 });
  });

  it('defaults to 200 OK without Status and Location', () => {
    expect(headOf('Content-Type: text/plain\n\n')).toMatchObject({ status: 200, statusText: 'OK', location: undefined, localRedirect: false });
  });
});

describe('ResponseHeadDecoder: Location', () => {
  it('makes an absolute Location without Status a 302 client redirect (#79)', () => {
    const head = headOf('Location: https://x/\r\n\r\n');
    expect(head).toMatchObject({ status: 302, statusText: 'Found', location: 'https://x/', localRedirect: false });
    expect(head.headers).toEqual([['Location', 'https://x/']]);
  });

  it('flags a path Location without Status as a local redirect, status 302 (#80)', () => {
    expect(headOf('location: /local?q=1\r\n\r\n')).toMatchObject({ status: 302, location: '/local?q=1', localRedirect: true });
  });

  it('keeps the Status of a redirect that has one, and no local redirect', () => {
    expect(headOf('Location: /moved\r\nStatus: 301\r\n\r\n')).toMatchObject({ status: 301, statusText: 'Moved Permanently', localRedirect: false });
  });

  it('reports the first Location when there are several', () => {
    const head = headOf('Location: /a\r\nLocation: /b\r\n\r\n');
    expect(head.location).toBe('/a');
    expect(head.headers).toHaveLength(2);
  });
});

describe('ResponseHeadDecoder: HTTP status line (#65, #76)', () => {
  it.each([
    ['HTTP/1.1 200 OK', '1.1', 200, 'OK'],
    ['HTTP/1.0 404 Not Found', '1.0', 404, 'Not Found'],
    ['HTTP/2 503 Busy  now', '2', 503, 'Busy  now'],
    ['HTTP/1.1 204', '1.1', 204, 'No Content'],
    ['HTTP/1.1 299 ', '1.1', 299, ''],
    ['HTTP/1.1 200\tFine', '1.1', 200, 'Fine'],
  ])('parses %j', (line, httpVersion, status, statusText) => {
    const head = headOf(`${line}\r\nContent-Type: text/plain\r\n\r\nok`);
    expect(head).toMatchObject({ kind: 'http', httpVersion, status, statusText, localRedirect: false });
    expect(head.headers).toEqual([['Content-Type', 'text/plain']]);
    expect(head.body).toBe('ok');
  });

  it('accepts a status line with no fields after it', () => {
    expect(headOf('HTTP/1.1 304 Not Modified\n\n')).toMatchObject({ status: 304, headers: [] });
  });

  it('treats Status and Location after a status line as ordinary fields', () => {
    const head = headOf('HTTP/1.1 200 OK\r\nStatus: 500\r\nLocation: /x\r\nStatus: 501\r\n\r\n');
    expect(head).toMatchObject({ status: 200, location: '/x', localRedirect: false });
    expect(head.headers).toEqual([['Status', '500'], ['Location', '/x'], ['Status', '501']]);
  });

  it.each([
    'HTTP/1.1 20 OK',
    'HTTP/1.1 abc OK',
    'HTTP/1.1 099 Low',
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 200OK',
    'HTTP/1.1  200 OK',
    'HTTP/ 200 OK',
    'HTTP/1. 200 OK',
    'HTTP/11 200 OK',
    'HTTP/1.1.1 200 OK',
    'HTTP/1.1',
    'HTTP/',
    'HTTP/1.1 200 O\0K',
  ])('rejects %j', (line) => {
    expect(errorOf(`${line}\r\n\r\n`)).toMatchObject({ code: C.BAD_STATUS_LINE, errorClass: 'ProtocolError' });
  });

  it('reports a NUL in the reason phrase at its offset', () => {
    expect(errorOf('HTTP/1.1 200 O\0K\r\n\r\n').offset).toBe(14);
  });

  it("with accept: 'http', requires the status line (Apache mod_proxy_uwsgi)", () => {
    expect(headOf('HTTP/1.0 200 OK\n\n', { accept: 'http' })).toMatchObject({ kind: 'http', status: 200 });
    expect(errorOf('Status: 200 OK\r\n\r\n', { accept: 'http' })).toMatchObject({ code: C.BAD_STATUS_LINE, offset: 0 });
  });

  it("with accept: 'cgi', reads a status line as a malformed field (Apache mod_proxy_scgi)", () => {
    expect(errorOf('HTTP/1.1 200 OK\r\n\r\n', { accept: 'cgi' })).toMatchObject({ code: C.MALFORMED_HEADER, offset: 0 });
    expect(headOf('Status: 200 OK\r\n\r\n', { accept: 'cgi' })).toMatchObject({ kind: 'cgi', status: 200 });
  });

  it("matches the HTTP/ prefix case-sensitively (RFC 9112 §2.3)", () => {
    expect(errorOf('http/1.1 200 OK\r\n\r\n')).toMatchObject({ code: C.MALFORMED_HEADER });
  });
});

describe('ResponseHeadDecoder: empty and incomplete heads', () => {
  it.each(['\r\n', '\n', '\n\nbody', '\r\nX: 1\r\n\r\n'])('rejects a head whose first line is blank: %j', (bytes) => {
    expect(errorOf(bytes)).toMatchObject({ code: C.MALFORMED_HEAD, offset: 0 });
    expect(errorOf(bytes, { accept: 'http' })).toMatchObject({ code: C.MALFORMED_HEAD });
  });

  it('reports end() before any byte as an incomplete head (#41)', () => {
    const err = caught(() => new ResponseHeadDecoder().end());
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: C.INCOMPLETE_HEAD, offset: 0 });
  });

  it('reports end() inside the head as an incomplete head, at the stream offset (#42)', () => {
    expect(errorOf('Status: 200 OK\r\nContent-Type: text/pl')).toMatchObject({ code: C.INCOMPLETE_HEAD, offset: 37 });
    expect(errorOf('Status: 200 OK\r\n\r')).toMatchObject({ code: C.INCOMPLETE_HEAD, offset: 17 });
  });

  it('ignores empty chunks before the head completes', () => {
    const decoder = new ResponseHeadDecoder();
    expect(decoder.push(Buffer.alloc(0))).toBeUndefined();
    expect(decoder.push(Buffer.from('X: 1\n'))).toBeUndefined();
    expect(decoder.push(Buffer.alloc(0))).toBeUndefined();
    expect(decoder.push(Buffer.from('\n'))?.rest.length).toBe(0);
  });

  it('lets end() pass once the head is decoded, whatever the body did (#40)', () => {
    const decoder = new ResponseHeadDecoder();
    expect(decoder.push(Buffer.from('Content-Length: 100\r\n\r\npartial'))?.head.status).toBe(200);
    expect(() => decoder.end()).not.toThrow();
    expect(decoder.decoded).toBe(true);
  });
});

describe('ResponseHeadDecoder: maxHeadBytes', () => {
  const head = 'Status: 200 OK\r\nX-Long: 0123456789\r\n\r\n'; // 38 bytes

  it('accepts a head of exactly maxHeadBytes, blank line included', () => {
    expect(headOf(`${head}body`, { maxHeadBytes: head.length })).toMatchObject({ status: 200, body: 'body' });
  });

  it('rejects one byte more with a LimitError at offset maxHeadBytes', () => {
    const err = errorOf(`${head}body`, { maxHeadBytes: head.length - 1 });
    expect(err).toEqual({ code: C.HEAD_TOO_LARGE, offset: head.length - 1, errorClass: 'LimitError' });
    const e = caught(() => new ResponseHeadDecoder({ maxHeadBytes: 10 }).push(Buffer.from(head)));
    expect(e).toBeInstanceOf(LimitError);
    expect(e).toMatchObject({ limit: 'maxHeadBytes', limitValue: 10 });
  });

  it('fails as soon as the limit is passed, before any blank line arrives', () => {
    const decoder = new ResponseHeadDecoder({ maxHeadBytes: 16 });
    expect(decoder.push(Buffer.from('X: 0123456789ab'))).toBeUndefined(); // 15 bytes
    expect(decoder.bufferedBytes).toBe(15);
    expect(decoder.push(Buffer.from('c'))).toBeUndefined(); // 16: still allowed
    expect(caught(() => decoder.push(Buffer.from('d'))).code).toBe(C.HEAD_TOO_LARGE);
    expect(decoder.failed).toBe(true);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('defaults to 65536 bytes', () => {
    const exactly = Buffer.from(`X: ${'a'.repeat(65536 - 7)}\r\n\r\n`);
    expect(decodeResponseHead(exactly).headLength).toBe(65536);
    const oneMore = Buffer.from(`X: ${'a'.repeat(65536 - 6)}\r\n\r\n`);
    expect(caught(() => decodeResponseHead(oneMore))).toMatchObject({ code: C.HEAD_TOO_LARGE, offset: 65536, limitValue: 65536 });
  });

  it.each([0, -1, 1.5, 16 * 1024 * 1024 + 1, Number.POSITIVE_INFINITY])('rejects maxHeadBytes %s', (maxHeadBytes) => {
    expect(caught(() => new ResponseHeadDecoder({ maxHeadBytes }))).toMatchObject({ code: 'GW_ERR_INVALID_OPTION' });
  });

  it('rejects an unknown accept value', () => {
    expect(caught(() => new ResponseHeadDecoder({ accept: 'nph' as 'cgi' }))).toMatchObject({ code: 'GW_ERR_INVALID_OPTION' });
  });
});

describe('ResponseHeadDecoder: lifecycle', () => {
  it('returns the rest of the chunk as a view, not a copy', () => {
    const chunk = Buffer.from('X: 1\r\n\r\nbody bytes');
    const done = new ResponseHeadDecoder().push(chunk);
    expect(done?.headLength).toBe(8);
    expect(done?.rest.buffer).toBe(chunk.buffer);
    expect(done?.rest.byteOffset).toBe(chunk.byteOffset + 8);
    expect(done?.rest.toString()).toBe('body bytes');
  });

  it('throws InvalidArgumentError on push after the head was decoded', () => {
    const decoder = new ResponseHeadDecoder();
    decoder.push(Buffer.from('X: 1\n\n'));
    const err = caught(() => decoder.push(Buffer.from('more')));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.code).toBe(C.HEAD_ALREADY_DECODED);
  });

  it('stays dead after an error: push and end throw the same error again', () => {
    const decoder = new ResponseHeadDecoder();
    const first = caught(() => decoder.push(Buffer.from('bad line\n\n')));
    expect(first.code).toBe(C.MALFORMED_HEADER);
    expect(caught(() => decoder.push(Buffer.from('X: 1\n\n')))).toBe(first);
    expect(caught(() => decoder.end())).toBe(first);
    expect(decoder.failed).toBe(true);
    expect(decoder.decoded).toBe(false);
  });

  it('stays dead after end() failed', () => {
    const decoder = new ResponseHeadDecoder();
    decoder.push(Buffer.from('X: 1'));
    const first = caught(() => decoder.end());
    expect(caught(() => decoder.push(Buffer.from('\n\n')))).toBe(first);
  });

  it('decodeResponseHead reports a buffer without a blank line as incomplete', () => {
    expect(caught(() => decodeResponseHead(Buffer.from('X: 1\r\n')))).toMatchObject({ code: C.INCOMPLETE_HEAD, offset: 6 });
    expect(decodeResponseHead(Buffer.from('X: 1\r\n\r\nb')).rest.toString()).toBe('b');
  });
});
