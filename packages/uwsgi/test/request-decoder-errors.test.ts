import { GatewayError, LimitError, ProtocolError } from '@gw/core';
import { ByteBuilder, bytewise, everySplit, isolate } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { UwsgiRequestDecoder } from '../src/index.js';
import { NGINX_PACKET, SPEC_EXAMPLE, uwsgiPacket, uwsgiVar, varsBlock } from './support/fixtures.js';
import { decodeChunks, decodeWhole } from './support/record-events.js';

/** The error a whole-input decode reports, checked to be the same at every split and bytewise. */
function errorOf(input: Buffer, options?: ConstructorParameters<typeof UwsgiRequestDecoder>[1]) {
  const run = decodeChunks([input], options);
  expect(run.errors).toHaveLength(1);
  for (const chunks of [bytewise(input), ...everySplit(input)]) {
    expect(decodeChunks(isolate(chunks), options).outcome).toEqual(run.outcome);
  }
  return run.errors[0] as GatewayError;
}

const REQUEST_METHOD_GET = uwsgiVar('REQUEST_METHOD', 'GET'); // 21 bytes, as in the spec example

describe('UWSGI_ERR_VARS_TOO_LARGE', () => {
  it('refuses a datasize above maxVarsBytes as soon as the header is read, at the datasize field', () => {
    const err = errorOf(new ByteBuilder().u8(0).u16le(4097).u8(0).fill(10, 0x41).build());
    expect(err).toBeInstanceOf(LimitError);
    expect(err).toMatchObject({ code: 'UWSGI_ERR_VARS_TOO_LARGE', offset: 1, limit: 'maxVarsBytes', limitValue: 4096 });
  });

  it('fails on the 4 header bytes alone, before buffering any vars byte', () => {
    const run = decodeChunks([Buffer.from([0, 0x01, 0x10, 0])], undefined, false); // 0x1001 = 4097
    expect(run.outcome.error).toEqual({ code: 'UWSGI_ERR_VARS_TOO_LARGE', offset: 1 });
    expect(run.decoder.bufferedBytes).toBe(0);
  });

  it('accepts datasize exactly maxVarsBytes', () => {
    const block = varsBlock([['K', 'v'.repeat(4096 - 5)]]);
    expect(block.length).toBe(4096);
    expect(decodeWhole(uwsgiPacket(block)).error).toBeNull();
    expect(decodeWhole(uwsgiPacket(varsBlock([['K', 'v'.repeat(95)]])), { maxVarsBytes: 99 }).error).toMatchObject({
      code: 'UWSGI_ERR_VARS_TOO_LARGE',
      offset: 1,
    });
  });

  it('reads the big-endian mistake 00 00 15 00 as LE 5376, a size error at the default limit (§6 #74)', () => {
    const wrong = new ByteBuilder().hex('00 00 15 00').bytes(REQUEST_METHOD_GET).build();
    const err = errorOf(wrong);
    expect(err).toMatchObject({ code: 'UWSGI_ERR_VARS_TOO_LARGE', offset: 1, limitValue: 4096 });
    // The limit sits exactly between 5375 and 5376, so datasize was read as 0x1500.
    expect(decodeWhole(wrong, { maxVarsBytes: 5375 }).error).toEqual({ code: 'UWSGI_ERR_VARS_TOO_LARGE', offset: 1 });
    // At 5376 the header passes and the decoder waits for 5376 bytes of vars, which never come.
    expect(decodeWhole(wrong, { maxVarsBytes: 5376 }).error).toEqual({ code: 'UWSGI_ERR_INCOMPLETE_VARS', offset: 25 });
  });

  it('refuses datasize 65535 at the default 4096 and accepts it with maxVarsBytes 65535 (§6 #73)', () => {
    const block = varsBlock([['K', Buffer.alloc(65535 - 5, 0x62)]]);
    const input = uwsgiPacket(block);
    expect(input.subarray(0, 4)).toEqual(Buffer.from([0x00, 0xff, 0xff, 0x00]));
    expect(decodeWhole(input).error).toEqual({ code: 'UWSGI_ERR_VARS_TOO_LARGE', offset: 1 });
    const ok = decodeChunks([input], { maxVarsBytes: 65535 });
    expect(ok.outcome.error).toBeNull();
    expect(ok.vars?.valueBytes(0).length).toBe(65530);
  });
});

describe('UWSGI_ERR_TOO_MANY_VARS', () => {
  it('reports the first pair past maxVars, at its key length', () => {
    const input = uwsgiPacket([['A', '1'], ['B', '2'], ['C', '3']]);
    const err = errorOf(input, { maxVars: 2 });
    expect(err).toBeInstanceOf(LimitError);
    expect(err).toMatchObject({ code: 'UWSGI_ERR_TOO_MANY_VARS', offset: 4 + 6 + 6, limit: 'maxVars', limitValue: 2 });
  });

  it('allows 1000 pairs by default and refuses 1001', () => {
    const pairs = (n: number) => Array.from({ length: n }, (_, i) => [`K${i}`, ''] as const);
    expect(decodeWhole(uwsgiPacket(pairs(1000)), { maxVarsBytes: 65535 }).error).toBeNull();
    const many = uwsgiPacket(pairs(1001));
    const offset = 4 + varsBlock(pairs(1000)).length;
    expect(decodeWhole(many, { maxVarsBytes: 65535 }).error).toEqual({ code: 'UWSGI_ERR_TOO_MANY_VARS', offset });
  });

  it('with maxVars 0 accepts only an empty block', () => {
    expect(decodeWhole(Buffer.from([0, 0, 0, 0]), { maxVars: 0 }).error).toBeNull();
    expect(decodeWhole(SPEC_EXAMPLE, { maxVars: 0 }).error).toEqual({ code: 'UWSGI_ERR_TOO_MANY_VARS', offset: 4 });
  });
});

describe('UWSGI_ERR_EMPTY_KEY', () => {
  it('rejects a zero key length, at that length field (§6 #70)', () => {
    const block = new ByteBuilder().bytes(uwsgiVar('A', 'b')).hex('00 00 01 00').str('x').build();
    const err = errorOf(uwsgiPacket(block));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: 'UWSGI_ERR_EMPTY_KEY', offset: 4 + 6 });
  });

  it('rejects it as the first pair too', () => {
    expect(decodeWhole(uwsgiPacket(Buffer.from([0, 0, 0, 0])))).toMatchObject({ error: { code: 'UWSGI_ERR_EMPTY_KEY', offset: 4 } });
  });
});

describe('UWSGI_ERR_VARS_OVERRUN', () => {
  it('rejects a key length that runs past datasize, at the key length', () => {
    const block = new ByteBuilder().u16le(255).str('ABCD').build();
    const err = errorOf(uwsgiPacket(block));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: 'UWSGI_ERR_VARS_OVERRUN', offset: 4 });
  });

  it('rejects a key that leaves no room for the value length', () => {
    const block = new ByteBuilder().u16le(3).str('ABC').u8(0).build();
    expect(errorOf(uwsgiPacket(block))).toMatchObject({ code: 'UWSGI_ERR_VARS_OVERRUN', offset: 4 });
  });

  it('rejects a value length that runs past datasize, at the value length', () => {
    const block = new ByteBuilder().u16le(1).str('A').u16le(10).str('xy').build();
    expect(errorOf(uwsgiPacket(block))).toMatchObject({ code: 'UWSGI_ERR_VARS_OVERRUN', offset: 4 + 3 });
  });

  it('rejects a value one byte longer than the block has left', () => {
    const block = new ByteBuilder().bytes(uwsgiVar('A', 'ok')).u16le(1).str('B').u16le(3).str('xy').build();
    expect(errorOf(uwsgiPacket(block))).toMatchObject({ code: 'UWSGI_ERR_VARS_OVERRUN', offset: 4 + 7 + 3 });
  });

  it('datasize larger than the vars: body bytes are parsed as a pair that overruns (§6 #68)', () => {
    const body = 'hello world!';
    const input = uwsgiPacket([['REQUEST_METHOD', 'GET']], { datasize: 21 + body.length, after: body });
    // "he" read as a LE key length is 0x6568, far past the block end.
    expect(errorOf(input)).toMatchObject({ code: 'UWSGI_ERR_VARS_OVERRUN', offset: 4 + 21 });
  });

  it('datasize smaller than the vars: the cut pair overruns (§6 #69)', () => {
    const input = uwsgiPacket([['REQUEST_METHOD', 'GET'], ['HTTP_HOST', 'example']], { datasize: 21 + 6 });
    expect(errorOf(input)).toMatchObject({ code: 'UWSGI_ERR_VARS_OVERRUN', offset: 4 + 21 });
  });
});

describe('UWSGI_ERR_TRAILING_BYTES', () => {
  for (const stray of ['01', '01 00', '01 00 41', '00 00 00']) {
    it(`rejects stray bytes "${stray}" at the end of the block, at the first of them (§6 #72)`, () => {
      const block = new ByteBuilder().bytes(REQUEST_METHOD_GET).hex(stray).build();
      const err = errorOf(uwsgiPacket(block));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: 'UWSGI_ERR_TRAILING_BYTES', offset: 4 + 21 });
    });
  }

  it('rejects a block of 1 byte', () => {
    expect(decodeWhole(uwsgiPacket(Buffer.from([0x41]))).error).toEqual({ code: 'UWSGI_ERR_TRAILING_BYTES', offset: 4 });
  });
});

describe('UWSGI_ERR_BAD_CONTENT_LENGTH', () => {
  // 4 (header) + 22 (REQUEST_METHOD=POST) + 2 + 14 (CONTENT_LENGTH) + 2 = the value's first byte.
  const VALUE_OFFSET = 4 + 22 + 2 + 14 + 2;
  for (const value of ['-1', '1e3', ' 12', '12 ', '+5', '0x10', '1.0', '٣', '9007199254740992', '99999999999999999999999']) {
    it(`rejects CONTENT_LENGTH ${JSON.stringify(value)} at the value`, () => {
      const input = uwsgiPacket([['REQUEST_METHOD', 'POST'], ['CONTENT_LENGTH', value]], { after: 'body' });
      const err = errorOf(input);
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: 'UWSGI_ERR_BAD_CONTENT_LENGTH', offset: VALUE_OFFSET });
    });
  }
});

describe('UWSGI_ERR_INCOMPLETE_VARS', () => {
  it('reports end() inside the header or the vars block, at the end of the stream', () => {
    for (let n = 1; n < SPEC_EXAMPLE.length; n++) {
      const prefix = SPEC_EXAMPLE.subarray(0, n);
      for (const chunks of [[prefix], bytewise(prefix)]) {
        const run = decodeChunks(chunks);
        expect(run.outcome.error).toEqual({ code: 'UWSGI_ERR_INCOMPLETE_VARS', offset: n });
        expect(run.errors[0]).toBeInstanceOf(ProtocolError);
        expect(run.outcome.events).toEqual(['error']);
      }
    }
  });
});

describe('UWSGI_ERR_INCOMPLETE_BODY', () => {
  it('reports end() before CONTENT_LENGTH body bytes, after delivering what came', () => {
    const bodyStart = 4 + NGINX_PACKET.readUInt16LE(1);
    for (let n = bodyStart; n < NGINX_PACKET.length; n++) {
      const run = decodeChunks([NGINX_PACKET.subarray(0, n)]);
      expect(run.outcome.error).toEqual({ code: 'UWSGI_ERR_INCOMPLETE_BODY', offset: n });
      expect(run.errors[0]).toBeInstanceOf(ProtocolError);
      expect(run.outcome.events).toEqual(n === bodyStart ? ['request', 'error'] : ['request', 'body', 'error']);
      expect(run.outcome.body).toBe(NGINX_PACKET.subarray(bodyStart, n).toString('hex'));
    }
  });
});

describe('after an error', () => {
  it('is dead: later pushes and end() report nothing and count nothing', () => {
    const events: string[] = [];
    const decoder = new UwsgiRequestDecoder({
      onRequest: () => events.push('request'),
      onBody: () => events.push('body'),
      onBodyEnd: () => events.push('bodyEnd'),
      onError: (err) => events.push(err.code),
    });
    decoder.push(Buffer.from([0, 0, 0x15, 0]));
    expect(decoder.failed).toBe(true);
    decoder.push(NGINX_PACKET);
    decoder.push(SPEC_EXAMPLE);
    decoder.end();
    decoder.end();
    expect(events).toEqual(['UWSGI_ERR_VARS_TOO_LARGE']);
    expect(decoder.bytesReceived).toBe(4);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('stops in the middle of a chunk: nothing after the error is delivered', () => {
    const block = new ByteBuilder().bytes(REQUEST_METHOD_GET).hex('00 00').build();
    const run = decodeChunks([uwsgiPacket(block, { after: 'more bytes' })]);
    expect(run.outcome.events).toEqual(['error']);
    expect(run.outcome.extraBytes).toBe(0);
  });

  it('lets an exception thrown by a handler propagate (caller bug, not bad input)', () => {
    const decoder = new UwsgiRequestDecoder({
      onRequest: () => {
        throw new Error('handler bug');
      },
    });
    expect(() => decoder.push(SPEC_EXAMPLE)).toThrow('handler bug');
  });
});
