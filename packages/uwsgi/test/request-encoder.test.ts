import { InvalidArgumentError, ParamList } from '@gw/core';
import { describe, expect, it } from 'vitest';
import { encodeUwsgiHeader, encodeUwsgiRequest } from '../src/index.js';
import { NGINX_PACKET, NGINX_VARS, SPEC_EXAMPLE, uwsgiPacket, varsBlock } from './support/fixtures.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as InvalidArgumentError).code;
  }
  return undefined;
};

describe('encodeUwsgiRequest', () => {
  it('produces the protocols.md example byte for byte', () => {
    expect(encodeUwsgiRequest([['REQUEST_METHOD', 'GET']])).toEqual(SPEC_EXAMPLE);
  });

  it('produces the nginx-shaped packet (header + vars; the body is sent separately)', () => {
    const encoded = encodeUwsgiRequest(NGINX_VARS);
    expect(encoded).toEqual(NGINX_PACKET.subarray(0, encoded.length));
    expect(encoded.length).toBe(4 + varsBlock(NGINX_VARS).length);
  });

  it('writes datasize little-endian and the modifiers where they belong', () => {
    const vars = [['K', 'v'.repeat(300)]] as const; // block 305 = 0x0131
    const encoded = encodeUwsgiRequest(vars, { modifier1: 5, modifier2: 9 });
    expect([...encoded.subarray(0, 4)]).toEqual([5, 0x31, 0x01, 9]);
    expect(encoded).toEqual(uwsgiPacket(vars, { modifier1: 5, modifier2: 9 }));
  });

  it('encodes an empty list as an empty block', () => {
    expect(encodeUwsgiRequest([])).toEqual(Buffer.from([0, 0, 0, 0]));
  });

  it('takes Uint8Array parts as bytes and strings as latin1', () => {
    const value = new Uint8Array([0x00, 0xff, 0x80]);
    expect(encodeUwsgiRequest([['B', value], ['S', 'caf\u00e9']])).toEqual(uwsgiPacket([['B', value], ['S', Buffer.from([0x63, 0x61, 0x66, 0xe9])]]));
 
    // Long strings take Buffer#write instead of the short-string loop; same bytes either way.
    const long = '\u00e9\u00ff\u0001x'.repeat(50);
    expect(encodeUwsgiRequest([['L', long]])).toEqual(uwsgiPacket([['L', Buffer.from(long, 'latin1')]]));
    expect(Buffer.from(long, 'latin1')[1]).toBe(0xff);
  });

  it('reuses the bytes of a ParamList and accepts any iterable', () => {
    const list = ParamList.from([['A', '1'], [Buffer.from([0xfe]), Buffer.from([0x00, 0x01])], ['A', '']]);
    const expected = uwsgiPacket([['A', '1'], [Buffer.from([0xfe]), Buffer.from([0x00, 0x01])], ['A', '']]);
    expect(encodeUwsgiRequest(list)).toEqual(expected);
    function* pairs(): Generator<[string | Uint8Array, string | Uint8Array]> {
      yield* list.toArray();
    }
    expect(encodeUwsgiRequest(pairs())).toEqual(expected);
    expect(encodeUwsgiRequest(new Map([['X', 'y']]))).toEqual(uwsgiPacket([['X', 'y']]));
  });

  it('accepts a 65535-byte block and a 65535-byte key or value at the edges', () => {
    expect(encodeUwsgiRequest([['K', 'v'.repeat(65530)]]).length).toBe(4 + 65535);
    expect(encodeUwsgiRequest([['K'.repeat(65531), '']]).readUInt16LE(1)).toBe(65535);
  });

  it('rejects a character above U+00FF with GW_ERR_NOT_LATIN1', () => {
    expect(codeOf(() => encodeUwsgiRequest([['HTTP_X', 'snow \u2603']]))).toBe('GW_ERR_NOT_LATIN1');
    expect(codeOf(() => encodeUwsgiRequest([['\u0100', 'v']]))).toBe('GW_ERR_NOT_LATIN1');
  });

  it('rejects an empty key with UWSGI_ERR_EMPTY_KEY', () => {
    expect(codeOf(() => encodeUwsgiRequest([['', 'v']]))).toBe('UWSGI_ERR_EMPTY_KEY');
    expect(codeOf(() => encodeUwsgiRequest([[new Uint8Array(0), 'v']]))).toBe('UWSGI_ERR_EMPTY_KEY');
    expect(codeOf(() => encodeUwsgiRequest(ParamList.from([['', 'v']])))).toBe('UWSGI_ERR_EMPTY_KEY');
  });

  it('rejects a key or value over 65535 bytes, or a block over 65535, with UWSGI_ERR_VARS_TOO_LARGE', () => {
    expect(codeOf(() => encodeUwsgiRequest([['K', 'v'.repeat(65536)]]))).toBe('UWSGI_ERR_VARS_TOO_LARGE');
    expect(codeOf(() => encodeUwsgiRequest([['K'.repeat(65536), '']]))).toBe('UWSGI_ERR_VARS_TOO_LARGE');
    expect(codeOf(() => encodeUwsgiRequest([['K', 'v'.repeat(65531)]]))).toBe('UWSGI_ERR_VARS_TOO_LARGE');
    expect(codeOf(() => encodeUwsgiRequest([['A', 'v'.repeat(40000)], ['B', 'v'.repeat(40000)]]))).toBe('UWSGI_ERR_VARS_TOO_LARGE');
    expect(codeOf(() => encodeUwsgiRequest(ParamList.from([['K', Buffer.alloc(70000)]])))).toBe('UWSGI_ERR_VARS_TOO_LARGE');
  });

  it('rejects modifiers outside 0..255 with GW_ERR_INVALID_OPTION', () => {
    for (const bad of [-1, 256, 1.5, Number.NaN]) {
      expect(codeOf(() => encodeUwsgiRequest([], { modifier1: bad }))).toBe('GW_ERR_INVALID_OPTION');
      expect(codeOf(() => encodeUwsgiRequest([], { modifier2: bad }))).toBe('GW_ERR_INVALID_OPTION');
    }
  });
});

describe('encodeUwsgiHeader', () => {
  it('encodes modifier1, datasize (u16 LE) and modifier2', () => {
    expect(encodeUwsgiHeader(0, 21, 0)).toEqual(Buffer.from([0x00, 0x15, 0x00, 0x00]));
    expect(encodeUwsgiHeader(30, 0x1234, 255)).toEqual(Buffer.from([30, 0x34, 0x12, 255]));
    expect(encodeUwsgiHeader(0, 65535, 0)).toEqual(Buffer.from([0, 0xff, 0xff, 0]));
  });

  it('rejects out-of-range arguments', () => {
    expect(codeOf(() => encodeUwsgiHeader(0, 65536, 0))).toBe('UWSGI_ERR_VARS_TOO_LARGE');
    expect(codeOf(() => encodeUwsgiHeader(0, -1, 0))).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf(() => encodeUwsgiHeader(256, 0, 0))).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf(() => encodeUwsgiHeader(0, 0, -1))).toBe('GW_ERR_INVALID_OPTION');
  });
});
