import { ByteBuilder, bytewise, everySplit, isolate, splitAt } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { ScgiRequestDecoder } from '../src/index.js';
import {
  headerBlock,
  mergeBody,
  netstring,
  type Pair,
  runDecoder,
  SPEC_BLOCK,
  SPEC_BODY,
  SPEC_HEADERS,
  SPEC_REQUEST,
  scgiRequest,
} from './helpers.js';

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');

const SPEC_EVENTS = [
  { type: 'headers', pairs: SPEC_HEADERS, contentLength: 27, scgiMarkerMissing: false },
  { type: 'body', hex: hex(SPEC_BODY) },
  { type: 'bodyEnd' },
];

describe('protocol.txt example (protocols.md §6 #51, #63)', () => {
  it('has the sizes the spec states', () => {
    expect(SPEC_BLOCK.length).toBe(70);
    expect(SPEC_BODY.length).toBe(27);
  });

  for (const mode of ['lenient', 'strict'] as const) {
    it(`decodes in one chunk (${mode})`, () => {
      const run = runDecoder([SPEC_REQUEST], { mode });
      expect(run.events).toEqual(SPEC_EVENTS);
      expect(run.decoder.complete).toBe(true);
      expect(run.decoder.failed).toBe(false);
      expect(run.decoder.bytesReceived).toBe(SPEC_REQUEST.length);
      expect(run.decoder.extraBytes).toBe(0);
      expect(run.decoder.contentLength).toBe(27);
    });

    it(`decodes byte by byte (${mode})`, () => {
      const run = runDecoder(isolate(bytewise(SPEC_REQUEST)), { mode });
      expect(mergeBody(run.events)).toEqual(SPEC_EVENTS);
      // 27 one-byte chunks of body, each delivered on its own.
      expect(run.bodyPieces).toHaveLength(27);
    });

    it(`decodes at every split point, length digits included (${mode})`, () => {
      for (const chunks of everySplit(SPEC_REQUEST)) {
        const run = runDecoder(isolate(chunks), { mode });
        expect(mergeBody(run.events), `split at ${chunks[0]?.length}`).toEqual(SPEC_EVENTS);
      }
    });
  }

  it('decodes at every pair of split points', () => {
    for (let i = 1; i < SPEC_REQUEST.length; i++) {
      for (let j = i + 1; j < SPEC_REQUEST.length; j++) {
        const run = runDecoder(isolate(splitAt(SPEC_REQUEST, [i, j])));
        expect(mergeBody(run.events), `splits at ${i}, ${j}`).toEqual(SPEC_EVENTS);
      }
    }
  });
});

describe('zero copy', () => {
  it('parses a header block that lies in one chunk in place, and passes body views', () => {
    const chunk = Buffer.concat([SPEC_REQUEST]);
    let headersBacking: ArrayBufferLike | undefined;
    const pieces: Buffer[] = [];
    const decoder = new ScgiRequestDecoder({
      onHeaders: (headers) => {
        headersBacking = headers.valueBytes(3).buffer;
      },
      onBody: (piece) => pieces.push(piece),
    });
    decoder.push(chunk);
    expect(headersBacking).toBe(chunk.buffer);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]?.buffer).toBe(chunk.buffer);
    expect(pieces[0]?.byteOffset).toBe(chunk.byteOffset + 3 + 70 + 1);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('copies a straddling header block once, holding only header bytes', () => {
    const [first, second] = isolate(splitAt(SPEC_REQUEST, [40]));
    let backing: ArrayBufferLike | undefined;
    const decoder = new ScgiRequestDecoder({ onHeaders: (h) => (backing = h.nameBytes(0).buffer) });
    decoder.push(first as Buffer);
    // 3 length bytes are parsed, 37 block bytes are copied.
    expect(decoder.bufferedBytes).toBe(37);
    decoder.push(second as Buffer);
    expect(decoder.bufferedBytes).toBe(0);
    expect(backing).not.toBe(first?.buffer);
    expect(backing).not.toBe(second?.buffer);
  });

  it('delivers body pieces as views of each chunk', () => {
    const chunks = isolate(splitAt(SPEC_REQUEST, [80, 90]));
    const run = runDecoder(chunks);
    expect(run.bodyPieces.map((p) => p.buffer)).toEqual(chunks.map((c) => c.buffer));
    expect(Buffer.concat(run.bodyPieces).toString('latin1')).toBe(SPEC_BODY);
  });
});

describe('body framing', () => {
  it('ends the body right after the headers when CONTENT_LENGTH is 0', () => {
    const run = runDecoder([scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '1']])]);
    expect(run.events.map((e) => e.type)).toEqual(['headers', 'bodyEnd']);
  });

  it('counts and ignores bytes after the body (protocols.md §2: one request per connection)', () => {
    const trailing = 'GET / HTTP/1.1\r\n';
    const run = runDecoder(isolate(splitAt(Buffer.concat([SPEC_REQUEST, Buffer.from(trailing)]), [SPEC_REQUEST.length - 5])));
    expect(mergeBody(run.events)).toEqual(SPEC_EVENTS);
    expect(run.decoder.extraBytes).toBe(trailing.length);
    expect(run.decoder.failed).toBe(false);
  });

  it('reports nothing at end() after a complete request', () => {
    const run = runDecoder([SPEC_REQUEST]);
    expect(run.errors).toEqual([]);
  });
});

describe('modes (protocols.md §6 #52, #58, #59, #60, #62)', () => {
  it('lenient accepts a netstring length with leading zeros (#52)', () => {
    const request = new ByteBuilder().str('00070:').bytes(SPEC_BLOCK).str(',').str(SPEC_BODY).build();
    expect(runDecoder([request]).events).toEqual(SPEC_EVENTS);
  });

  it('lenient accepts CONTENT_LENGTH with leading zeros (#59)', () => {
    const run = runDecoder([scgiRequest([['CONTENT_LENGTH', '00003'], ['SCGI', '1']], 'abc')]);
    expect(run.events[0]).toMatchObject({ type: 'headers', contentLength: 3 });
    expect(mergeBody(run.events)[1]).toEqual({ type: 'body', hex: hex('abc') });
  });

  it('lenient accepts a missing SCGI header and flags it (#60)', () => {
    const run = runDecoder([scgiRequest([['CONTENT_LENGTH', '0'], ['REQUEST_METHOD', 'GET']])]);
    expect(run.events[0]).toMatchObject({ type: 'headers', scgiMarkerMissing: true });
    expect(run.errors).toEqual([]);
  });

  it('lenient keeps repeated names, last one wins on get (#62)', () => {
    const pairs: Pair[] = [['CONTENT_LENGTH', '0'], ['SCGI', '1'], ['HTTP_X', 'a'], ['HTTP_X', 'b'], ['SCGI', '1']];
    let last: string | undefined;
    const decoder = new ScgiRequestDecoder({ onHeaders: (h) => (last = h.get('HTTP_X')) });
    decoder.push(scgiRequest(pairs));
    expect(last).toBe('b');
    expect(runDecoder([scgiRequest(pairs)]).events[0]).toMatchObject({ pairs });
  });

  it('lenient accepts CONTENT_LENGTH repeated with the same value (nascheme mod_scgi)', () => {
    const pairs: Pair[] = [['CONTENT_LENGTH', '3'], ['SCGI', '1'], ['CONTENT_LENGTH', '3']];
    const run = runDecoder([scgiRequest(pairs, 'abc')]);
    expect(run.errors).toEqual([]);
    expect(run.events[0]).toMatchObject({ pairs, contentLength: 3 });
  });

  it('accepts empty values in both modes (protocol.txt 2008)', () => {
    for (const mode of ['lenient', 'strict'] as const) {
      const pairs: Pair[] = [['CONTENT_LENGTH', '0'], ['SCGI', '1'], ['QUERY_STRING', '']];
      expect(runDecoder([scgiRequest(pairs)], { mode }).events[0]).toMatchObject({ pairs });
    }
  });

  it('keeps arbitrary non-NUL bytes in names and values', () => {
    const block = new ByteBuilder().str('CONTENT_LENGTH').u8(0).str('0').u8(0).u8(0xff, 0x80, 0x01).u8(0).u8(0xe9, 0x0a).u8(0).build();
    const run = runDecoder([netstring(block)]);
    expect(run.events[0]).toMatchObject({ pairs: [['CONTENT_LENGTH', '0'], ['\xff\x80\x01', '\xe9\n']] });
  });
});

describe('real peers', () => {
  // nginx: CONTENT_LENGTH (hard-coded first), then Debian's scgi_params in order, SCGI in the
  // middle, then one HTTP_* per request header (protocols.md §5.3).
  const nginxParams: Pair[] = [
    ['CONTENT_LENGTH', '13'],
    ['REQUEST_METHOD', 'POST'],
    ['REQUEST_URI', '/api/items?page=2'],
    ['QUERY_STRING', 'page=2'],
    ['CONTENT_TYPE', 'application/json'],
    ['DOCUMENT_URI', '/api/items'],
    ['DOCUMENT_ROOT', '/usr/share/nginx/html'],
    ['SCGI', '1'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_SCHEME', 'http'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REMOTE_PORT', '51234'],
    ['SERVER_PORT', '8080'],
    ['SERVER_NAME', 'localhost'],
  ];
  const httpHeaders: Pair[] = [
    ['HTTP_HOST', 'localhost:8080'],
    ['HTTP_USER_AGENT', 'curl/7.88.1'],
    ['HTTP_ACCEPT', '*/*'],
    ['HTTP_ACCEPT_LANGUAGE', 'en-US,en;q=0.5'],
    ['HTTP_ACCEPT_ENCODING', 'gzip, deflate, br'],
    ['HTTP_CONNECTION', 'close'],
    ['HTTP_COOKIE', 'a=1; b=2'],
    ['HTTP_CONTENT_TYPE', 'application/json'],
    ['HTTP_CONTENT_LENGTH', '13'],
    ['HTTP_X_FORWARDED_FOR', '203.0.113.7'],
    ['HTTP_CACHE_CONTROL', 'no-cache'],
  ];
  const body = '{"name":"gw"}';

  it('decodes an nginx-shaped request in both modes, at every split', () => {
    const pairs = [...nginxParams, ...httpHeaders];
    const request = scgiRequest(pairs, body);
    const expected = [
      { type: 'headers', pairs, contentLength: 13, scgiMarkerMissing: false },
      { type: 'body', hex: hex(body) },
      { type: 'bodyEnd' },
    ];
    for (const mode of ['lenient', 'strict'] as const) {
      expect(runDecoder([request], { mode }).events).toEqual(expected);
      for (const chunks of everySplit(request)) expect(mergeBody(runDecoder(isolate(chunks), { mode }).events)).toEqual(expected);
    }
  });

  it('decodes nginx without scgi_params (no SCGI header) only in lenient mode', () => {
    const pairs: Pair[] = [['CONTENT_LENGTH', '0'], ...httpHeaders];
    expect(runDecoder([scgiRequest(pairs)]).events[0]).toMatchObject({ type: 'headers', scgiMarkerMissing: true });
    expect(runDecoder([scgiRequest(pairs)], { mode: 'strict' }).errors[0]?.code).toBe('SCGI_ERR_MISSING_SCGI');
  });

  it('decodes a lighttpd-shaped request (SCGI last) in both modes', () => {
    const pairs: Pair[] = [
      ['CONTENT_LENGTH', '0'],
      ['SERVER_SOFTWARE', 'lighttpd/1.4.69'],
      ['SERVER_NAME', '127.0.0.1'],
      ['GATEWAY_INTERFACE', 'CGI/1.1'],
      ['REQUEST_SCHEME', 'http'],
      ['SERVER_PORT', '8081'],
      ['SERVER_ADDR', '127.0.0.1'],
      ['REMOTE_PORT', '40112'],
      ['REMOTE_ADDR', '127.0.0.1'],
      ['SCRIPT_NAME', '/app'],
      ['PATH_INFO', '/hello'],
      ['DOCUMENT_ROOT', '/srv/www'],
      ['REQUEST_URI', '/app/hello'],
      ['REQUEST_METHOD', 'GET'],
      ['REDIRECT_STATUS', '200'],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['HTTP_HOST', '127.0.0.1:8081'],
      ['HTTP_USER_AGENT', 'curl/7.88.1'],
      ['HTTP_ACCEPT', '*/*'],
      ['SCGI', '1'],
    ];
    for (const mode of ['lenient', 'strict'] as const) {
      const run = runDecoder(isolate(bytewise(scgiRequest(pairs))), { mode });
      expect(run.events).toEqual([{ type: 'headers', pairs, contentLength: 0, scgiMarkerMissing: false }, { type: 'bodyEnd' }]);
    }
  });
});

describe('dead after an error', () => {
  it('calls onError once and ignores everything pushed afterwards', () => {
    let errors = 0;
    let other = 0;
    const decoder = new ScgiRequestDecoder({
      onError: () => errors++,
      onHeaders: () => other++,
      onBody: () => other++,
      onBodyEnd: () => other++,
    });
    decoder.push(Buffer.from('7a:'));
    expect(decoder.failed).toBe(true);
    const received = decoder.bytesReceived;
    decoder.push(SPEC_REQUEST);
    decoder.push(Buffer.from('x'));
    decoder.end();
    decoder.end();
    expect(errors).toBe(1);
    expect(other).toBe(0);
    expect(decoder.bytesReceived).toBe(received);
  });

  it('does not report twice when the error is found by end()', () => {
    let errors = 0;
    const decoder = new ScgiRequestDecoder({ onError: () => errors++ });
    decoder.push(SPEC_REQUEST.subarray(0, 90));
    decoder.end();
    decoder.end();
    decoder.push(Buffer.from('more'));
    expect(errors).toBe(1);
  });

  it('stops calling the handler within the chunk that holds the error', () => {
    // A strict decoder meets the missing SCGI header before the body in the same chunk.
    const run = runDecoder([scgiRequest([['CONTENT_LENGTH', '3']], 'abc')], { mode: 'strict' });
    expect(run.events.map((e) => e.type)).toEqual(['error']);
  });
});

describe('options', () => {
  it('rejects bad options with GW_ERR_INVALID_OPTION', () => {
    for (const options of [{ maxHeaderBytes: 0 }, { maxHeaderBytes: 16 * 1024 * 1024 + 1 }, { maxHeaderBytes: 1.5 }, { mode: 'loose' }]) {
      expect(() => new ScgiRequestDecoder({}, options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }),
      );
    }
  });

  it('accepts a header block of exactly maxHeaderBytes', () => {
    const request = scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '1']]);
    const block = headerBlock([['CONTENT_LENGTH', '0'], ['SCGI', '1']]);
    expect(runDecoder([request], { maxHeaderBytes: block.length }).errors).toEqual([]);
    expect(runDecoder([request], { maxHeaderBytes: block.length - 1 }).errors[0]?.code).toBe('SCGI_ERR_HEADERS_TOO_LARGE');
  });
});
