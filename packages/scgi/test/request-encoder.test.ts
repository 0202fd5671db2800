import { ParamList } from '@gw/core';
import { ByteBuilder } from '@gw/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeScgiRequest, type ScgiDecoderOptions } from '../src/index.js';
import { body, headerList, uniqueHeaderList } from './arbitraries.js';
import { mergeBody, type Pair, runDecoder, SPEC_BLOCK, SPEC_BODY } from './helpers.js';

const latin1 = (b: Buffer) => b.toString('latin1');

describe('encodeScgiRequest', () => {
  it('produces the protocol.txt example byte for byte', () => {
    const out = encodeScgiRequest(
      [
        ['REQUEST_METHOD', 'POST'],
        ['REQUEST_URI', '/deepthought'],
      ],
      SPEC_BODY.length,
    );
    expect(out).toEqual(new ByteBuilder().str('70:').bytes(SPEC_BLOCK).str(',').build());
  });

  it('writes CONTENT_LENGTH 0 and SCGI 1 for no headers', () => {
    expect(latin1(encodeScgiRequest([]))).toBe('24:CONTENT_LENGTH\x000\x00SCGI\x001\x00,');
  });

  it('takes CONTENT_LENGTH from the headers (last one, canonical) when no argument is given', () => {
    const out = encodeScgiRequest([
      ['CONTENT_LENGTH', '7'],
      ['HTTP_X', 'y'],
      ['CONTENT_LENGTH', '0012'],
    ]);
    expect(latin1(out)).toBe('34:CONTENT_LENGTH\x0012\x00SCGI\x001\x00HTTP_X\x00y\x00,');
  });

  it('prefers the argument and drops CONTENT_LENGTH / SCGI entries from the headers', () => {
    const out = encodeScgiRequest(
      [
        ['SCGI', '2'],
        ['CONTENT_LENGTH', 'not digits, but overridden by the argument'],
        ['A', 'b'],
      ],
      3,
    );
    expect(latin1(out)).toBe('28:CONTENT_LENGTH\x003\x00SCGI\x001\x00A\x00b\x00,');
  });

  it('accepts a ParamList and copies its bytes without change', () => {
    const list = ParamList.from([
      ['CONTENT_LENGTH', '4'],
      ['SCGI', '1'],
      [Buffer.from([0xff, 0x41]), Buffer.from([0xe9, 0x80, 0x01])],
    ]);
    const out = encodeScgiRequest(list);
    const expected = new ByteBuilder()
      .str('31:CONTENT_LENGTH').u8(0).str('4').u8(0).str('SCGI').u8(0).str('1').u8(0)
      .u8(0xff, 0x41, 0).u8(0xe9, 0x80, 0x01, 0).str(',')
      .build();
    expect(out).toEqual(expected);
  });

  it('takes Uint8Array names and values as bytes, and walks a generator once', () => {
    function* pairs(): Generator<[string | Uint8Array, string | Uint8Array]> {
      yield [new Uint8Array([0x58]), 'é'];
      yield ['Y', new Uint8Array([])];
    }
    expect(latin1(encodeScgiRequest(pairs()))).toBe('31:CONTENT_LENGTH\x000\x00SCGI\x001\x00X\x00\xe9\x00Y\x00\x00,');
  });

  it('rejects characters above U+00FF with GW_ERR_NOT_LATIN1', () => {
    for (const pair of [['NAME_€', 'v'], ['N', 'snowman ☃']] as const) {
      expect(() => encodeScgiRequest([pair])).toThrow(expect.objectContaining({ code: 'GW_ERR_NOT_LATIN1', name: 'InvalidArgumentError' }));
    }
  });

  it('rejects empty names and NUL in names or values with SCGI_ERR_INVALID_HEADER', () => {
    const bad: [string | Uint8Array, string | Uint8Array][] = [
      ['', 'v'],
      [new Uint8Array(0), 'v'],
      ['A\0B', 'v'],
      ['A', 'v\0'],
      [new Uint8Array([0x41, 0]), 'v'],
      ['A', new Uint8Array([0])],
      [42 as never, 'v'],
    ];
    for (const pair of bad) {
      expect(() => encodeScgiRequest([pair]), String(pair)).toThrow(
        expect.objectContaining({ code: 'SCGI_ERR_INVALID_HEADER', name: 'InvalidArgumentError' }),
      );
    }
  });

  it('rejects a bad content length with SCGI_ERR_INVALID_CONTENT_LENGTH', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Number.POSITIVE_INFINITY]) {
      expect(() => encodeScgiRequest([], n), String(n)).toThrow(expect.objectContaining({ code: 'SCGI_ERR_INVALID_CONTENT_LENGTH' }));
    }
    for (const v of ['', '-1', '1e3', ' 1', '9007199254740992']) {
      expect(() => encodeScgiRequest([['CONTENT_LENGTH', v]]), v).toThrow(
        expect.objectContaining({ code: 'SCGI_ERR_INVALID_CONTENT_LENGTH' }),
      );
    }
  });

  it('accepts the largest safe content length', () => {
    const out = encodeScgiRequest([], Number.MAX_SAFE_INTEGER);
    expect(latin1(out)).toContain(`CONTENT_LENGTH\x00${Number.MAX_SAFE_INTEGER}\x00`);
  });
});

/** Encodes, appends the body, decodes in one chunk, and checks what came out. */
function roundTrip(pairs: readonly Pair[], bodyBytes: Uint8Array, options?: ScgiDecoderOptions): void {
  const request = Buffer.concat([encodeScgiRequest(pairs, bodyBytes.length), bodyBytes]);
  const run = runDecoder([request], options);
  const expected = [
    {
      type: 'headers',
      pairs: [['CONTENT_LENGTH', String(bodyBytes.length)], ['SCGI', '1'], ...pairs],
      contentLength: bodyBytes.length,
      scgiMarkerMissing: false,
    },
    ...(bodyBytes.length > 0 ? [{ type: 'body', hex: Buffer.from(bodyBytes).toString('hex') }] : []),
    { type: 'bodyEnd' },
  ];
  expect(mergeBody(run.events)).toEqual(expected);
}

describe('round trip decode(encode(x))', () => {
  it('keeps hand-picked headers and bodies', () => {
    roundTrip([], new Uint8Array(0));
    roundTrip([['REQUEST_METHOD', 'GET']], new Uint8Array(0), { mode: 'strict' });
    roundTrip([['QUERY_STRING', ''], ['HTTP_X', '\xff\x01 \t'], ['HTTP_X', 'again']], Buffer.from('body\0with NUL'));
    roundTrip([['N'.repeat(5000), 'v'.repeat(60000)]], Buffer.alloc(70000, 7));
  });

  it('keeps generated header lists and bodies (lenient, repeats allowed)', () => {
    fc.assert(fc.property(headerList, body, (pairs, bytes) => roundTrip(pairs, bytes)));
  });

  it('keeps generated header lists with distinct names (strict)', () => {
    fc.assert(fc.property(uniqueHeaderList, body, (pairs, bytes) => roundTrip(pairs, bytes, { mode: 'strict' })));
  });
});
