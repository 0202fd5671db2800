import { bytewise, chunksOf, everySplit, isolate, splitAt } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { UwsgiRequestDecoder } from '../src/index.js';
import { NGINX_BODY, NGINX_PACKET, NGINX_VARS, SPEC_EXAMPLE, uwsgiPacket } from './support/fixtures.js';
import { decodeChunks, decodeWhole } from './support/record-events.js';

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');

describe('UwsgiRequestDecoder: valid packets', () => {
  it('decodes the protocols.md example 00 15 00 00 … (§6 #66)', () => {
    expect(SPEC_EXAMPLE.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x15, 0x00, 0x00]));
    expect(decodeWhole(SPEC_EXAMPLE)).toEqual({
      events: ['request', 'bodyEnd'],
      request: { modifier1: 0, modifier2: 0, vars: [['REQUEST_METHOD', 'GET']], contentLength: 0 },
      body: '',
      error: null,
      extraBytes: 0,
      failed: false,
    });
  });

  it('decodes an nginx-shaped POST with its body', () => {
    const out = decodeWhole(NGINX_PACKET);
    expect(out.events).toEqual(['request', 'body', 'bodyEnd']);
    expect(out.request).toEqual({ modifier1: 0, modifier2: 0, vars: NGINX_VARS, contentLength: NGINX_BODY.length });
    expect(out.body).toBe(NGINX_BODY.toString('hex'));
    expect(out.error).toBeNull();
  });

  for (const [name, input] of [
    ['spec example', SPEC_EXAMPLE],
    ['nginx POST', NGINX_PACKET],
  ] as const) {
    const whole = decodeWhole(input);

    it(`${name}: same events byte by byte`, () => {
      expect(decodeChunks(isolate(bytewise(input))).outcome).toEqual(whole);
    });

    it(`${name}: same events at every two-chunk split`, () => {
      for (const chunks of everySplit(input)) expect(decodeChunks(isolate(chunks)).outcome).toEqual(whole);
    });

    it(`${name}: same events in 3-byte and 7-byte chunks`, () => {
      expect(decodeChunks(isolate(chunksOf(input, 3))).outcome).toEqual(whole);
      expect(decodeChunks(isolate(chunksOf(input, 7))).outcome).toEqual(whole);
    });
  }

  it('spec example: same events at every three-chunk split', () => {
    const whole = decodeWhole(SPEC_EXAMPLE);
    for (let i = 1; i < SPEC_EXAMPLE.length; i++) {
      for (let j = i + 1; j < SPEC_EXAMPLE.length; j++) {
        expect(decodeChunks(isolate(splitAt(SPEC_EXAMPLE, [i, j]))).outcome).toEqual(whole);
      }
    }
  });

  it('accepts datasize 0 as an empty vars block (§6 #67)', () => {
    const out = decodeWhole(Buffer.from([0, 0, 0, 0]));
    expect(out.events).toEqual(['request', 'bodyEnd']);
    expect(out.request).toEqual({ modifier1: 0, modifier2: 0, vars: [], contentLength: 0 });
  });

  it('completes an empty block even when the header ends exactly at the chunk end', () => {
    expect(decodeChunks([Buffer.from([0, 0, 0, 0])], undefined, false).outcome.events).toEqual(['request', 'bodyEnd']);
  });

  it('accepts an empty value, even on the last pair (§6 #71)', () => {
    const out = decodeWhole(uwsgiPacket([['QUERY_STRING', ''], ['REQUEST_METHOD', 'GET'], ['HTTP_X', '']]));
    expect(out.request?.vars).toEqual([['QUERY_STRING', ''], ['REQUEST_METHOD', 'GET'], ['HTTP_X', '']]);
    expect(out.error).toBeNull();
  });

  it('hands modifier1 and modifier2 to the handler without judging them (§6 #75)', () => {
    for (const [m1, m2] of [[5, 0], [6, 1], [7, 2], [9, 0], [14, 0], [30, 0], [255, 255], [0, 17]] as const) {
      const out = decodeWhole(uwsgiPacket([['A', 'b']], { modifier1: m1, modifier2: m2 }));
      expect(out.request).toMatchObject({ modifier1: m1, modifier2: m2 });
      expect(out.error).toBeNull();
    }
  });

  it('reads CONTENT_LENGTH "" and an absent CONTENT_LENGTH as 0', () => {
    const empty = decodeWhole(uwsgiPacket([['CONTENT_LENGTH', ''], ['REQUEST_METHOD', 'GET']]));
    expect(empty.request?.contentLength).toBe(0);
    expect(empty.events).toEqual(['request', 'bodyEnd']);
    const absent = decodeWhole(uwsgiPacket([['REQUEST_METHOD', 'GET']], { after: 'trailing' }));
    expect(absent.request?.contentLength).toBe(0);
    expect(absent.extraBytes).toBe(8);
  });

  it('accepts leading zeros and the largest safe CONTENT_LENGTH', () => {
    expect(decodeWhole(uwsgiPacket([['CONTENT_LENGTH', '0003']], { after: 'abc' })).body).toBe(hex('abc'));
    const big = decodeChunks([uwsgiPacket([['CONTENT_LENGTH', String(Number.MAX_SAFE_INTEGER)]], { after: 'xy' })], undefined, false);
    expect(big.outcome.request?.contentLength).toBe(Number.MAX_SAFE_INTEGER);
    expect(big.outcome.body).toBe(hex('xy'));
  });

  it('uses the last CONTENT_LENGTH and keeps duplicate vars in wire order', () => {
    const out = decodeWhole(uwsgiPacket([['CONTENT_LENGTH', '9'], ['X', '1'], ['CONTENT_LENGTH', '2'], ['X', '2']], { after: 'okREST' }));
    expect(out.request?.contentLength).toBe(2);
    expect(out.request?.vars.map(([k]) => k)).toEqual(['CONTENT_LENGTH', 'X', 'CONTENT_LENGTH', 'X']);
    expect(out.body).toBe(hex('ok'));
    expect(out.extraBytes).toBe(4);
  });

  it('does not take a lower-case or longer name for CONTENT_LENGTH', () => {
    const out = decodeWhole(uwsgiPacket([['content_length', '5'], ['CONTENT_LENGTH_X', '5'], ['HTTP_CONTENT_LENGTH', '5']]));
    expect(out.request?.contentLength).toBe(0);
  });

  it('keeps binary keys and values byte-exact', () => {
    const value = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0xc3, 0xa9]);
    const key = Buffer.from([0x01, 0xfe]);
    const run = decodeChunks([uwsgiPacket([[key, value]])]);
    expect(run.vars?.nameBytes(0)).toEqual(key);
    expect(run.vars?.valueBytes(0)).toEqual(value);
  });

  it('counts bytes after the body as extraBytes and ignores them', () => {
    const input = uwsgiPacket([['CONTENT_LENGTH', '3']], { after: 'abcEXTRA' });
    for (const chunks of [[input], bytewise(input), ...everySplit(input)]) {
      const out = decodeChunks(chunks).outcome;
      expect(out.body).toBe(hex('abc'));
      expect(out.extraBytes).toBe(5);
      expect(out.events).toEqual(['request', 'body', 'bodyEnd']);
    }
  });

  it('counts bytesReceived across pushes', () => {
    const run = decodeChunks(chunksOf(NGINX_PACKET, 10));
    expect(run.decoder.bytesReceived).toBe(NGINX_PACKET.length);
  });

  it('treats end() before any byte as a clean close, and end() after the body as nothing', () => {
    expect(decodeChunks([]).outcome.events).toEqual([]);
    expect(decodeChunks([]).outcome.failed).toBe(false);
    expect(decodeChunks([NGINX_PACKET]).outcome.events).toEqual(['request', 'body', 'bodyEnd']);
  });

  it('ignores pushes after end()', () => {
    const events: string[] = [];
    const decoder = new UwsgiRequestDecoder({ onRequest: () => events.push('request') });
    decoder.end();
    decoder.push(SPEC_EXAMPLE);
    expect(events).toEqual([]);
    expect(decoder.bytesReceived).toBe(0);
  });
});

describe('UwsgiRequestDecoder: zero copy', () => {
  it('gives vars and body as views of the chunk when the packet is in one chunk', () => {
    const [input] = isolate([NGINX_PACKET]) as [Buffer];
    const run = decodeChunks([input]);
    for (let i = 0; i < (run.vars?.length ?? 0); i++) {
      expect(run.vars?.nameBytes(i).buffer).toBe(input.buffer);
      expect(run.vars?.valueBytes(i).buffer).toBe(input.buffer);
    }
    expect(run.bodyPieces).toHaveLength(1);
    expect(run.bodyPieces[0]?.buffer).toBe(input.buffer);
  });

  it('copies a straddling vars block once, into a buffer of exactly datasize bytes', () => {
    const datasize = NGINX_PACKET.readUInt16LE(1);
    const chunks = isolate(splitAt(NGINX_PACKET, [100, 200, 4 + datasize + 10]));
    const run = decodeChunks(chunks);
    const backing = run.vars?.nameBytes(0).buffer;
    expect(backing?.byteLength).toBe(datasize);
    for (const c of chunks) expect(backing).not.toBe(c.buffer);
    for (let i = 0; i < (run.vars?.length ?? 0); i++) expect(run.vars?.valueBytes(i).buffer).toBe(backing);
    // Body pieces are views of the chunks they came from.
    expect(run.bodyPieces.map((p) => p.buffer)).toEqual([chunks[2]?.buffer, chunks[3]?.buffer]);
    expect(run.bodyPieces.every((p, i) => p.buffer === chunks[i + 2]?.buffer)).toBe(true);
  });

  it('holds at most maxVarsBytes (or a partial header) between pushes', () => {
    const run = decodeChunks(bytewise(NGINX_PACKET), { maxVarsBytes: 65535 });
    expect(run.maxBuffered).toBe(NGINX_PACKET.readUInt16LE(1));
    expect(decodeChunks(bytewise(SPEC_EXAMPLE)).maxBuffered).toBe(21);
    expect(decodeChunks([SPEC_EXAMPLE.subarray(0, 3)], undefined, false).decoder.bufferedBytes).toBe(3);
    expect(run.decoder.bufferedBytes).toBe(0);
  });
});

describe('UwsgiRequestDecoder: options', () => {
  it('rejects out-of-range limits with GW_ERR_INVALID_OPTION', () => {
    for (const options of [{ maxVarsBytes: 65536 }, { maxVarsBytes: -1 }, { maxVarsBytes: 1.5 }, { maxVars: -1 }]) {
      expect(() => new UwsgiRequestDecoder({}, options)).toThrow(expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }));
    }
  });

  it('accepts maxVars: Infinity and maxVarsBytes: 0', () => {
    expect(decodeWhole(SPEC_EXAMPLE, { maxVars: Number.POSITIVE_INFINITY }).error).toBeNull();
    expect(decodeWhole(Buffer.from([0, 0, 0, 0]), { maxVarsBytes: 0 }).error).toBeNull();
  });

  it('works with a handler that has no callbacks', () => {
    const decoder = new UwsgiRequestDecoder({});
    decoder.push(NGINX_PACKET);
    decoder.end();
    expect(decoder.failed).toBe(false);
    const broken = new UwsgiRequestDecoder({});
    broken.push(Buffer.from([0, 0xff, 0xff, 0]));
    expect(broken.failed).toBe(true);
  });
});
