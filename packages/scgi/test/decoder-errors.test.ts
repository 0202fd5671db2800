/**
 * One case per decoder error code, and every SCGI case of protocols.md §6 (#51–#64) that ends in
 * an error. Each input is decoded whole, byte by byte and at every split point; the code, the
 * offset and the error class must not depend on the chunking.
 */
import { ByteBuilder, bytewise, everySplit, isolate } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import type { ScgiDecoderOptions } from '../src/index.js';
import { headerBlock, netstring, type Pair, runDecoder, SPEC_BLOCK, SPEC_BODY, scgiRequest } from './helpers.js';

interface ErrorCase {
  name: string;
  bytes: Buffer;
  options?: ScgiDecoderOptions;
  code: string;
  offset: number;
  kind?: 'ProtocolError' | 'LimitError';
}

function expectError({ bytes, options, code, offset, kind = 'ProtocolError' }: ErrorCase): void {
  const expected = [{ type: 'error', code, offset, kind }];
  expect(runDecoder([bytes], options).events).toEqual(expected);
  expect(runDecoder(isolate(bytewise(bytes)), options).events).toEqual(expected);
  for (const chunks of everySplit(bytes)) {
    // Only the error may be reported: these inputs fail before or inside the header netstring.
    expect(runDecoder(isolate(chunks), options).events, `split at ${chunks[0]?.length}`).toEqual(expected);
  }
}

const str = (s: string) => Buffer.from(s, 'latin1');
/** Offset of the first byte of the header block when the length has `digits` digits. */
const blockAt = (digits: number) => digits + 1;
const CL0: Pair = ['CONTENT_LENGTH', '0'];
const SCGI1: Pair = ['SCGI', '1'];
const STRICT = { mode: 'strict' } as const;
/** CONTENT_LENGTH=value (lenient); `at` is the offending byte's index in the block (the value starts at 15). */
const badContentLength = (value: string, at: number): ErrorCase => ({
  name: `CONTENT_LENGTH ${JSON.stringify(value)}`,
  bytes: scgiRequest([['CONTENT_LENGTH', value], SCGI1]),
  code: 'SCGI_ERR_BAD_CONTENT_LENGTH',
  offset: blockAt(2) + at,
});

const cases: ErrorCase[] = [
  // SCGI_ERR_BAD_LENGTH (#56, #52 strict, #55 digit cap)
  { name: 'space before the length ( 70:)', bytes: str(' 70:'), code: 'SCGI_ERR_BAD_LENGTH', offset: 0 },
  { name: 'plus sign (+70:)', bytes: str('+70:'), code: 'SCGI_ERR_BAD_LENGTH', offset: 0 },
  { name: 'minus sign (-1:)', bytes: str('-1:'), code: 'SCGI_ERR_BAD_LENGTH', offset: 0 },
  { name: 'no digits (:)', bytes: str(':,'), code: 'SCGI_ERR_BAD_LENGTH', offset: 0 },
  { name: 'leading zero, strict (070:)', bytes: str('070:'), options: STRICT, code: 'SCGI_ERR_BAD_LENGTH', offset: 0 },
  { name: 'leading zero, strict (00:)', bytes: str('00:,'), options: STRICT, code: 'SCGI_ERR_BAD_LENGTH', offset: 0 },
  { name: 'a 10th digit, lenient (0000000007:)', bytes: str('0000000007:'), code: 'SCGI_ERR_BAD_LENGTH', offset: 9 },
  // SCGI_ERR_EXPECTED_COLON (#56)
  { name: 'letter after digits (7a:)', bytes: str('7a:'), code: 'SCGI_ERR_EXPECTED_COLON', offset: 1 },
  { name: 'comma instead of colon (70,)', bytes: str('70,'), code: 'SCGI_ERR_EXPECTED_COLON', offset: 2 },
  // SCGI_ERR_HEADERS_TOO_LARGE (#55): refused at the digit that makes the value too large
  {
    name: 'length above the default 65536 (99999999999:)',
    bytes: str('99999999999:'),
    code: 'SCGI_ERR_HEADERS_TOO_LARGE',
    offset: 4,
    kind: 'LimitError',
  },
  { name: 'length 65537', bytes: str('65537:'), code: 'SCGI_ERR_HEADERS_TOO_LARGE', offset: 4, kind: 'LimitError' },
  {
    name: 'length above a configured maxHeaderBytes',
    bytes: scgiRequest([CL0, SCGI1]),
    options: { maxHeaderBytes: 10 },
    code: 'SCGI_ERR_HEADERS_TOO_LARGE',
    offset: 1,
    kind: 'LimitError',
  },
  // SCGI_ERR_EXPECTED_COMMA (#54)
  {
    name: 'body right after the block',
    bytes: new ByteBuilder().str('70:').bytes(SPEC_BLOCK).str(SPEC_BODY).build(),
    code: 'SCGI_ERR_EXPECTED_COMMA',
    offset: 73,
  },
  {
    name: 'semicolon instead of the comma',
    bytes: new ByteBuilder().str('70:').bytes(SPEC_BLOCK).str(';').build(),
    code: 'SCGI_ERR_EXPECTED_COMMA',
    offset: 73,
  },
  // SCGI_ERR_MALFORMED_HEADERS (#57, #62 empty name)
  {
    name: 'last value not NUL-terminated',
    bytes: netstring(new ByteBuilder().str('CONTENT_LENGTH').u8(0).str('0').u8(0).str('SCGI').u8(0).str('1').build()),
    code: 'SCGI_ERR_MALFORMED_HEADERS',
    offset: blockAt(2) + 17 + 5, // the unterminated "1"
  },
  {
    name: 'odd number of strings (a name without value)',
    bytes: netstring(new ByteBuilder().str('CONTENT_LENGTH').u8(0).str('0').u8(0).str('SCGI').u8(0).build()),
    code: 'SCGI_ERR_MALFORMED_HEADERS',
    offset: blockAt(2) + 22, // where the value should start: the end of the block
  },
  {
    name: 'last name not NUL-terminated',
    bytes: netstring(new ByteBuilder().str('CONTENT_LENGTH').u8(0).str('0').u8(0).str('SCGI').build()),
    code: 'SCGI_ERR_MALFORMED_HEADERS',
    offset: blockAt(2) + 17,
  },
  {
    name: 'empty name after CONTENT_LENGTH (\\0\\0 at a name position)',
    bytes: netstring(new ByteBuilder().str('CONTENT_LENGTH').u8(0).str('0').u8(0).u8(0).str('x').u8(0).build()),
    code: 'SCGI_ERR_MALFORMED_HEADERS',
    offset: blockAt(2) + 17,
  },
  { name: 'empty first name', bytes: str('2:\0\0,'), code: 'SCGI_ERR_MALFORMED_HEADERS', offset: 2 },
  // SCGI_ERR_MISSING_CONTENT_LENGTH (#53, #58 — CONTENT_LENGTH must come first in both modes)
  { name: 'empty block (0:,)', bytes: str('0:,'), code: 'SCGI_ERR_MISSING_CONTENT_LENGTH', offset: 2 },
  { name: 'empty block, strict (0:,)', bytes: str('0:,'), options: STRICT, code: 'SCGI_ERR_MISSING_CONTENT_LENGTH', offset: 2 },
  {
    name: 'CONTENT_LENGTH second, lenient',
    bytes: scgiRequest([SCGI1, CL0]),
    code: 'SCGI_ERR_MISSING_CONTENT_LENGTH',
    offset: blockAt(2),
  },
  {
    name: 'CONTENT_LENGTH second, strict',
    bytes: scgiRequest([SCGI1, CL0]),
    options: STRICT,
    code: 'SCGI_ERR_MISSING_CONTENT_LENGTH',
    offset: blockAt(2),
  },
  {
    name: 'no CONTENT_LENGTH at all',
    bytes: scgiRequest([['REQUEST_METHOD', 'GET'], SCGI1]),
    code: 'SCGI_ERR_MISSING_CONTENT_LENGTH',
    offset: blockAt(2),
  },
  {
    name: 'lower-case content_length',
    bytes: scgiRequest([['content_length', '0'], SCGI1]),
    code: 'SCGI_ERR_MISSING_CONTENT_LENGTH',
    offset: blockAt(2),
  },
  // SCGI_ERR_BAD_CONTENT_LENGTH (#59)
  badContentLength('', 15),
  badContentLength('-1', 15),
  badContentLength('1e3', 16),
  badContentLength(' 12', 15),
  {
    name: 'CONTENT_LENGTH 00012, strict',
    bytes: scgiRequest([['CONTENT_LENGTH', '00012'], SCGI1]),
    options: STRICT,
    code: 'SCGI_ERR_BAD_CONTENT_LENGTH',
    offset: blockAt(2) + 15,
  },
  {
    name: 'CONTENT_LENGTH 2^53',
    bytes: scgiRequest([['CONTENT_LENGTH', '9007199254740992'], SCGI1]),
    code: 'SCGI_ERR_BAD_CONTENT_LENGTH',
    offset: blockAt(2) + 15,
  },
  {
    name: 'CONTENT_LENGTH of 30 digits',
    bytes: scgiRequest([['CONTENT_LENGTH', '1'.repeat(30)], SCGI1]),
    code: 'SCGI_ERR_BAD_CONTENT_LENGTH',
    offset: blockAt(2) + 15,
  },
  // SCGI_ERR_MISSING_SCGI (#60, strict only)
  {
    name: 'no SCGI header, strict',
    bytes: scgiRequest([CL0, ['REQUEST_METHOD', 'GET']]),
    options: STRICT,
    code: 'SCGI_ERR_MISSING_SCGI',
    offset: blockAt(2) + 36, // the end of the block (17 + 19 bytes)
  },
  // SCGI_ERR_BAD_SCGI_VERSION (#61, both modes)
  { name: 'SCGI=2', bytes: scgiRequest([CL0, ['SCGI', '2']]), code: 'SCGI_ERR_BAD_SCGI_VERSION', offset: blockAt(2) + 22 },
  {
    name: 'SCGI=2, strict',
    bytes: scgiRequest([CL0, ['SCGI', '2']]),
    options: STRICT,
    code: 'SCGI_ERR_BAD_SCGI_VERSION',
    offset: blockAt(2) + 22,
  },
  { name: 'SCGI=""', bytes: scgiRequest([CL0, ['SCGI', '']]), code: 'SCGI_ERR_BAD_SCGI_VERSION', offset: blockAt(2) + 22 },
  { name: 'SCGI=10', bytes: scgiRequest([CL0, ['SCGI', '10']]), code: 'SCGI_ERR_BAD_SCGI_VERSION', offset: blockAt(2) + 22 },
  {
    name: 'SCGI=1 then SCGI=2, lenient',
    bytes: scgiRequest([CL0, SCGI1, ['SCGI', '2']]),
    code: 'SCGI_ERR_BAD_SCGI_VERSION',
    offset: blockAt(2) + 29,
  },
  // SCGI_ERR_DUPLICATE_HEADER (#62)
  {
    name: 'repeated name, strict',
    bytes: scgiRequest([CL0, SCGI1, ['HTTP_X', 'a'], ['HTTP_X', 'b']]),
    options: STRICT,
    code: 'SCGI_ERR_DUPLICATE_HEADER',
    offset: blockAt(2) + 33,
  },
  {
    name: 'SCGI twice, strict',
    bytes: scgiRequest([CL0, SCGI1, SCGI1]),
    options: STRICT,
    code: 'SCGI_ERR_DUPLICATE_HEADER',
    offset: blockAt(2) + 24,
  },
  {
    name: 'CONTENT_LENGTH twice with the same value, strict',
    bytes: scgiRequest([CL0, SCGI1, CL0]),
    options: STRICT,
    code: 'SCGI_ERR_DUPLICATE_HEADER',
    offset: blockAt(2) + 24,
  },
  {
    name: 'CONTENT_LENGTH twice with different values, lenient',
    bytes: scgiRequest([CL0, SCGI1, ['CONTENT_LENGTH', '5']], 'hello'),
    code: 'SCGI_ERR_DUPLICATE_HEADER',
    offset: blockAt(2) + 24,
  },
];

describe('decoder errors', () => {
  for (const c of cases) it(`${c.code}: ${c.name}`, () => expectError(c));

  it('SCGI_ERR_INCOMPLETE_HEADERS: end() inside the length, the block and before the comma', () => {
    const request = scgiRequest([CL0, SCGI1]);
    // Every proper prefix that stops before the comma (the comma is the last byte here).
    for (let cut = 0; cut < request.length; cut++) {
      const prefix = request.subarray(0, cut);
      const expected = [{ type: 'error', code: 'SCGI_ERR_INCOMPLETE_HEADERS', offset: cut, kind: 'ProtocolError' }];
      expect(runDecoder([prefix]).events, `cut at ${cut}`).toEqual(expected);
      expect(runDecoder(isolate(bytewise(prefix))).events).toEqual(expected);
    }
  });

  it('SCGI_ERR_INCOMPLETE_BODY: end() before CONTENT_LENGTH bytes (#64)', () => {
    const request = scgiRequest([['CONTENT_LENGTH', '27'], SCGI1], SPEC_BODY);
    const cut = request.length - 7;
    const run = runDecoder(isolate(bytewise(request.subarray(0, cut))));
    expect(run.events.at(-1)).toEqual({ type: 'error', code: 'SCGI_ERR_INCOMPLETE_BODY', offset: cut, kind: 'ProtocolError' });
    expect(run.events.filter((e) => e.type === 'bodyEnd')).toEqual([]);
    expect(run.bodyPieces).toHaveLength(20);
  });

  it('keeps every error a GatewayError with an SCGI_ERR_ code and an offset', () => {
    for (const c of cases) {
      const err = runDecoder([c.bytes], c.options).errors[0];
      expect(err?.code.startsWith('SCGI_ERR_')).toBe(true);
      expect(typeof err?.offset).toBe('number');
    }
  });

  it('LimitError names the limit and its value', () => {
    const err = runDecoder([str('70:')], { maxHeaderBytes: 69 }).errors[0];
    expect(err).toMatchObject({ code: 'SCGI_ERR_HEADERS_TOO_LARGE', limit: 'maxHeaderBytes', limitValue: 69, offset: 1 });
  });
});

describe('limits are checked before buffering (#55)', () => {
  it('rejects 999999999: after the digits without holding any byte', () => {
    const flood = new ByteBuilder().str('999999999:').fill(4096, 0x41).build();
    for (const [maxHeaderBytes, offset] of [
      [undefined, 4], // 99999 > 65536
      [16 * 1024 * 1024, 7], // 99999999 > 16777216
    ] as const) {
      const run = runDecoder(isolate(bytewise(flood)), { maxHeaderBytes }, false);
      expect(run.events).toEqual([{ type: 'error', code: 'SCGI_ERR_HEADERS_TOO_LARGE', offset, kind: 'LimitError' }]);
      expect(run.maxBuffered).toBe(0);
      expect(run.decoder.bufferedBytes).toBe(0);
    }
  });

  it('holds at most the announced block length while the block arrives', () => {
    const block = headerBlock([CL0, SCGI1, ['HTTP_X', 'y'.repeat(1000)]]);
    const run = runDecoder(isolate(bytewise(netstring(block))));
    expect(run.errors).toEqual([]);
    expect(run.maxBuffered).toBe(block.length - 1);
    expect(run.decoder.bufferedBytes).toBe(0);
  });

  it('drops what it held once it fails', () => {
    const run = runDecoder([str('100:CONTENT_LENGTH\0')]);
    expect(run.errors[0]?.code).toBe('SCGI_ERR_INCOMPLETE_HEADERS');
    expect(run.decoder.bufferedBytes).toBe(0);
  });
});
