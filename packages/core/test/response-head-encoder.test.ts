import { describe, expect, it } from 'vitest';
import { CgiErrorCode, encodeCgiHead, encodeHttpHead, type GatewayError, InvalidArgumentError, isValidStatus, reasonPhrase } from '../src/index.js';

const C = CgiErrorCode;
const text = (buf: Buffer) => buf.toString('latin1');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as GatewayError).code;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('encodeCgiHead', () => {
  it('writes Status first, then the fields, CRLF throughout, ending CRLF CRLF', () => {
    const out = encodeCgiHead(200, undefined, [
      ['Content-Type', 'text/plain'],
      ['Content-Length', '14'],
    ]);
    expect(text(out)).toBe('Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\n');
  });

  it('uses the given status text, or the standard phrase, or none for an unlisted code', () => {
    expect(text(encodeCgiHead(404, 'Gone Fishing'))).toBe('Status: 404 Gone Fishing\r\n\r\n');
    expect(text(encodeCgiHead(503))).toBe('Status: 503 Service Unavailable\r\n\r\n');
    expect(text(encodeCgiHead(599))).toBe('Status: 599\r\n\r\n');
    expect(text(encodeCgiHead(200, ''))).toBe('Status: 200\r\n\r\n');
  });

  it('writes one line per array element (Set-Cookie, #84) and numbers in decimal', () => {
    const out = encodeCgiHead(302, undefined, [
      ['Set-Cookie', ['a=1; Path=/', 'b=2']],
      ['Content-Length', 0],
      ['X-Mixed', ['x', 7]],
      ['X-None', []],
    ]);
    expect(text(out)).toBe('Status: 302 Found\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\nX-Mixed: x\r\nX-Mixed: 7\r\n\r\n');
  });

  it('takes a plain object (OutgoingHttpHeaders) or a Map, skipping undefined values', () => {
    const fromObject = encodeCgiHead(200, 'OK', { 'content-type': 'text/html', 'x-skip': undefined, 'content-length': 5 });
    expect(text(fromObject)).toBe('Status: 200 OK\r\ncontent-type: text/html\r\ncontent-length: 5\r\n\r\n');
    const nullProto = Object.assign(Object.create(null) as Record<string, string>, { a: 'b' });
    expect(text(encodeCgiHead(200, 'OK', nullProto))).toBe('Status: 200 OK\r\na: b\r\n\r\n');
    const fromMap = encodeCgiHead(200, 'OK', new Map<string, string | string[]>([['Vary', ['Accept', 'Origin']]]));
    expect(text(fromMap)).toBe('Status: 200 OK\r\nVary: Accept\r\nVary: Origin\r\n\r\n');
  });

  it('takes a one-shot iterable (a generator) once', () => {
    function* fields(): Generator<[string, string]> {
      yield ['A', '1'];
      yield ['B', '2'];
    }
    expect(text(encodeCgiHead(200, 'OK', fields()))).toBe('Status: 200 OK\r\nA: 1\r\nB: 2\r\n\r\n');
  });

  it('adds nothing: no Transfer-Encoding, Content-Length or Date (protocols.md §4.4)', () => {
    const lines = text(encodeCgiHead(200, 'OK', [['X-A', '1']])).split('\r\n');
    expect(lines).toEqual(['Status: 200 OK', 'X-A: 1', '', '']);
  });

  it('writes latin1 characters as single bytes and long values intact', () => {
    const cookie = `c=${'v'.repeat(5000)}\u00e9`;
    const out = encodeCgiHead(200, 'Tr\u00e8s bien', [['Set-Cookie', cookie]]);
    expect(out.length).toBe('Status: 200 Très bien\r\nSet-Cookie: \r\n\r\n'.length + cookie.length);
    expect(out.includes(Buffer.from([0x54, 0x72, 0xe8, 0x73]))).toBe(true);
    expect(text(out)).toBe(`Status: 200 Tr\u00e8s bien\r\nSet-Cookie: ${cookie}\r\n\r\n`);
  });

  it.each([
    ['CRLF in a value (response splitting)', 'X', 'a\r\nSet-Cookie: evil=1'],
    ['LF in a value', 'X', 'a\nb'],
    ['CR in a value', 'X', 'a\rb'],
    ['NUL in a value', 'X', 'a\0b'],
    ['CRLF in a name', 'X\r\nY', 'a'],
    ['NUL in a name', 'X\0', 'a'],
    ['a space in a name', 'X Y', 'a'],
    ['a colon in a name', 'X:Y', 'a'],
    ['an empty name', '', 'a'],
    ['a separator in a name', 'X(1)', 'a'],
    ['a latin1 letter in a name', 'X\u00e9', 'a'],
  ])('rejects %s', (_label, name, value) => {
    expect(codeOf(() => encodeCgiHead(200, 'OK', [[name, value]]))).toBe(C.INVALID_HEADER);
  });

  it('rejects a bad value inside an array', () => {
    expect(codeOf(() => encodeCgiHead(200, 'OK', [['Set-Cookie', ['ok', 'x\r\ny']]]))).toBe(C.INVALID_HEADER);
  });

  it.each(['Status', 'status', 'STATUS'])('rejects a %s field (the status is an argument)', (name) => {
    expect(codeOf(() => encodeCgiHead(200, 'OK', [[name, '404']]))).toBe(C.INVALID_HEADER);
  });

  it.each([true, null, {}, Symbol('x'), 10n])('rejects the value %s', (value) => {
    expect(codeOf(() => encodeCgiHead(200, 'OK', [['X', value as unknown as string]]))).toBe(C.INVALID_HEADER);
  });

  it('rejects a name that is not a string', () => {
    expect(codeOf(() => encodeCgiHead(200, 'OK', [[1 as unknown as string, 'x']]))).toBe(C.INVALID_HEADER);
  });

  it.each([99, 1000, 0, -200, 200.5, Number.NaN, '200' as unknown as number])('rejects status %s', (status) => {
    expect(codeOf(() => encodeCgiHead(status))).toBe(C.INVALID_STATUS);
  });

  it.each(['O\rK', 'O\nK', 'O\0K', 5 as unknown as string])('rejects status text %j', (statusText) => {
    expect(codeOf(() => encodeCgiHead(200, statusText))).toBe(C.INVALID_STATUS);
  });

  it('rejects characters above U+00FF anywhere with GW_ERR_NOT_LATIN1', () => {
    expect(codeOf(() => encodeCgiHead(200, 'OK', [['X', 'caf\u00e9 \u20ac']]))).toBe('GW_ERR_NOT_LATIN1');
    expect(codeOf(() => encodeCgiHead(200, 'OK', [['X\u0100', 'a']]))).toBe('GW_ERR_NOT_LATIN1');
    expect(codeOf(() => encodeCgiHead(200, '\u{1F600}'))).toBe('GW_ERR_NOT_LATIN1');
    expect(codeOf(() => encodeCgiHead(200, 'OK', [['X', ['a', '\u2028']]]))).toBe('GW_ERR_NOT_LATIN1');
  });

  it('returns a buffer of exactly the head, not a larger pool slice', () => {
    const out = encodeCgiHead(200, undefined, [['A', 'b']]);
    expect(out.length).toBe('Status: 200 OK\r\nA: b\r\n\r\n'.length);
  });
});

describe('encodeHttpHead', () => {
  it('writes an HTTP/1.1 status line by default', () => {
    const out = encodeHttpHead(undefined, 200, undefined, [['Content-Type', 'text/plain']]);
    expect(text(out)).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
  });

  it('writes the given version and text, keeping the SP before an empty reason (RFC 9112 §4)', () => {
    expect(text(encodeHttpHead('1.0', 404, 'Nope'))).toBe('HTTP/1.0 404 Nope\r\n\r\n');
    expect(text(encodeHttpHead('2', 599))).toBe('HTTP/2 599 \r\n\r\n');
  });

  it('allows a Status field (it is an ordinary field after a status line)', () => {
    expect(text(encodeHttpHead('1.1', 200, 'OK', { Status: '200' }))).toBe('HTTP/1.1 200 OK\r\nStatus: 200\r\n\r\n');
  });

  it.each(['1.1.1', 'x', '11', '', '1.', '.1', ' 1.1', 1.1 as unknown as string])('rejects version %j', (version) => {
    expect(codeOf(() => encodeHttpHead(version, 200))).toBe(C.INVALID_HTTP_VERSION);
  });

  it('validates status and fields like encodeCgiHead', () => {
    expect(codeOf(() => encodeHttpHead('1.1', 42))).toBe(C.INVALID_STATUS);
    expect(codeOf(() => encodeHttpHead('1.1', 200, 'OK', [['X', 'a\r\nb']]))).toBe(C.INVALID_HEADER);
  });
});

describe('status codes', () => {
  it('gives node:http reason phrases, or empty for an unlisted code', () => {
    expect(reasonPhrase(200)).toBe('OK');
    expect(reasonPhrase(302)).toBe('Found');
    expect(reasonPhrase(404)).toBe('Not Found');
    expect(reasonPhrase(599)).toBe('');
  });

  it('accepts integer statuses from 100 to 999 only', () => {
    expect([99, 100, 999, 1000, 200.5].map(isValidStatus)).toEqual([false, true, true, false, false]);
  });
});
